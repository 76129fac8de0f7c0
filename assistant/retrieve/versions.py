"""Versions of one document in the index: which chunk belongs to the newest version, which to the one in force.

A document is known by its title; its versions by `version_date` (the last amendment its text states). Pure:
built from each chunk's locations (title, version date), asked by chunk position.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from assistant.errors import AssistantError

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Location = tuple[str, str]  # (title, version date)


def check_date(value: str) -> str:
    """An --as-of value as an ISO date ('2019-01-01'; '2019' and '2019-06' mean their last day is not assumed)."""
    value = value.strip()
    if not _ISO.match(value):
        raise AssistantError(f"--as-of {value!r}: give a date as YYYY-MM-DD (e.g. 2020-01-01)")
    return value


@dataclass
class Versions:
    """For every chunk (by position) its locations; for every title the sorted dates of its versions."""

    locations: list[list[Location]]

    def __post_init__(self) -> None:
        dates: dict[str, set[str]] = {}
        for locs in self.locations:
            for title, date in locs:
                if date:
                    dates.setdefault(title, set()).add(date)
        self.dates = {title: sorted(found) for title, found in dates.items()}

    def has_versions(self) -> bool:
        return any(len(d) > 1 for d in self.dates.values())

    def is_latest(self, location: Location) -> bool:
        title, date = location
        return not date or date == self.dates[title][-1]

    def in_force(self, location: Location, as_of: str) -> bool:
        """Adopted on or before `as_of`, and no later version adopted by then (undated versions always count)."""
        title, date = location
        if not date:
            return True
        known = self.dates[title]
        return date <= as_of and (bisect_right(known, as_of) == known.index(date) + 1)

    def latest_at(self, position: int) -> bool:
        return any(self.is_latest(loc) for loc in self.locations[position])

    def in_force_at(self, position: int, as_of: str) -> bool:
        return any(self.in_force(loc, as_of) for loc in self.locations[position])

    def best_location(self, position: int, as_of: str | None) -> int:
        """Which location of a chunk to show: the one in force on `as_of`, else the newest version."""
        locs = self.locations[position]
        for k, loc in enumerate(locs):
            if (as_of and self.in_force(loc, as_of)) or (not as_of and self.is_latest(loc)):
                return k
        return 0
