"""Which files an ingest of a folder picks up."""

from assistant.ingest.pipeline import discover


def test_folder_readme_hidden_and_unsupported_files_are_not_documents(tmp_path):
    (tmp_path / "README.md").write_text("# corpus/\n说明文件", encoding="utf-8")
    (tmp_path / "a.txt").write_text("正文。", encoding="utf-8")
    (tmp_path / "notes.xlsx").write_bytes(b"PK")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "b.txt").write_text("隐藏。", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.md").write_text("# 标题\n内容。", encoding="utf-8")
    assert [p.name for p in discover([tmp_path])] == ["a.txt", "c.md"]


def test_files_named_directly_are_always_taken(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# 说明", encoding="utf-8")
    odd = tmp_path / "x.xyz"
    odd.write_text("?", encoding="utf-8")
    assert discover([readme, odd, readme]) == [readme, odd]
