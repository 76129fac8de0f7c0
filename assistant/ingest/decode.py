"""Bytes to text for txt/md/html: strict UTF-8, else strict GB18030, then a plausibility check; no guessing.

GB18030 decodes almost any byte string, so Shift-JIS or Big5 files "succeed" as garbage: a GB18030 result
must look like real mainland Chinese (mostly GB2312 hanzi, almost no private-use code points) to be kept.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import cache

UTF8_BOM = b"\xef\xbb\xbf"
NOT_DECODABLE = "unknown encoding (not UTF-8 or GB18030)"
IMPLAUSIBLE = "unknown encoding (text does not look like Chinese or plain text)"
UTF16 = "UTF-16 text: save it as UTF-8 or GB18030"

MAX_CONTROL_SHARE = 0.01  # control characters other than \n \r \t \f, of all characters
MAX_ODD_SHARE = 0.01  # GB18030 only: private-use or unassigned code points, of all characters
MIN_CJK_FOR_RATIO = 20  # below this many ideographs the common-hanzi ratio says nothing
MIN_COMMON_RATIO = 0.8  # GB18030 only: share of ideographs that are GB2312 hanzi
# ... unless the text is punctuated like Chinese: GB2312's full-width marks, which Shift-JIS and Big5 bytes never
# decode to (theirs land in private-use or rare-hanzi code points), so a register of rare names is kept
MIN_PUNCTUATED_COMMON_RATIO = 0.3
MIN_PUNCT_PER_IDEOGRAPH = 0.03
_GB_PUNCT = frozenset("，。、；：？！“”《》（）")
_ALLOWED_CONTROLS = frozenset("\n\r\t\f")


@cache
def common_hanzi() -> frozenset[str]:
    """The 6763 GB2312 level-1 and level-2 hanzi, built from the codec so no data file is needed."""
    chars = set()
    for row in range(0xB0, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


def _is_ideograph(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3134F
    )


def implausible(text: str, *, from_gb18030: bool) -> bool:
    """True when decoded text is garbage: too many control chars, or (GB18030) rare hanzi / private-use soup."""
    if not text:
        return False
    counts = Counter(text)  # counting distinct characters keeps this fast on large files
    total = len(text)
    controls = sum(
        n for ch, n in counts.items() if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS
    )
    if controls / total > MAX_CONTROL_SHARE:
        return True
    if not from_gb18030:
        return False  # strict UTF-8 validates itself; traditional Chinese or Japanese in UTF-8 is real text
    odd = sum(n for ch, n in counts.items() if unicodedata.category(ch) in ("Co", "Cn"))
    if odd / total > MAX_ODD_SHARE:
        return True
    common = common_hanzi()
    ideographs = sum(n for ch, n in counts.items() if _is_ideograph(ch))
    if ideographs < MIN_CJK_FOR_RATIO:
        return False
    frequent = sum(n for ch, n in counts.items() if ch in common) / ideographs
    if frequent >= MIN_COMMON_RATIO:
        return False
    punct = sum(n for ch, n in counts.items() if ch in _GB_PUNCT) / ideographs
    return not (punct >= MIN_PUNCT_PER_IDEOGRAPH and frequent >= MIN_PUNCTUATED_COMMON_RATIO)


def looks_utf16(data: bytes) -> bool:
    """A UTF-16 BOM, or (no BOM) NUL bytes that decode strictly as plausible UTF-16 text (binary does not)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not data.startswith(b"\xff\xfe\x00\x00"):
        return True
    if b"\x00" not in data or len(data) % 2:
        return False
    even, odd = data[0::2].count(0), data[1::2].count(0)  # ASCII in UTF-16-LE is 'A\0', in -BE '\0A'
    try:
        text = data.decode("utf-16-le" if odd > even else "utf-16-be")
    except UnicodeDecodeError:
        return False
    return not implausible(text, from_gb18030=True)


def decode_text(data: bytes) -> str:
    """Decode file bytes as UTF-8 (BOM stripped) or GB18030, strictly; raises ValueError(reason) otherwise."""
    if looks_utf16(data):
        raise ValueError(UTF16)
    if b"\x00" in data:
        raise ValueError("binary content (NUL bytes)")
    has_bom = data.startswith(UTF8_BOM)
    if has_bom:
        data = data[len(UTF8_BOM) :]
    try:
        text = data.decode("utf-8")
        from_gb18030 = False
    except UnicodeDecodeError:
        if has_bom:
            raise ValueError(NOT_DECODABLE) from None
        try:
            text = data.decode("gb18030")
            from_gb18030 = True
        except UnicodeDecodeError:
            raise ValueError(NOT_DECODABLE) from None
    if implausible(text, from_gb18030=from_gb18030):
        raise ValueError(IMPLAUSIBLE)
    return text
