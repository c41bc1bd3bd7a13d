"""Untrusted JSON files: bounded in size and nesting, every failure one error naming the file."""

from __future__ import annotations

import pytest

from spatialcode.core.errors import InputFileError
from spatialcode.core.json_input import parse_json, read_json_file


def test_reads_a_json_file(tmp_path):
    (tmp_path / "a.json").write_text('{"a": [1, 2.5, null]}')
    assert read_json_file(tmp_path / "a.json") == {"a": [1, 2.5, None]}


@pytest.mark.parametrize(("content", "message"), [
    (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply"),
    (b"\xff\xfe\x00garbage\x81", "not UTF-8"),
    (b"", "not valid JSON"),
    (b"[" + b"9" * 5000 + b"]", "not valid JSON"),
    (b'{"a": }', r"not valid JSON \(Expecting value at line 1\)"),
], ids=["deep", "bytes", "empty", "digits", "syntax"])
def test_bad_content_is_one_error_naming_the_file(tmp_path, content, message):
    (tmp_path / "bad.json").write_bytes(content)
    with pytest.raises(InputFileError, match=rf"bad.json: {message}"):
        read_json_file(tmp_path / "bad.json", "scene file")


def test_size_is_checked_before_parsing(tmp_path):
    (tmp_path / "big.json").write_text("[" + "1," * 600 + "1]")
    with pytest.raises(InputFileError, match="big.json: larger than 0 MiB, the limit for a scene file"):
        read_json_file(tmp_path / "big.json", "scene file", max_bytes=1000)
    assert len(read_json_file(tmp_path / "big.json", max_bytes=2000)) == 601


def test_a_folder_or_a_missing_file_is_named(tmp_path):
    with pytest.raises(InputFileError, match="is a folder, expected a scene file"):
        read_json_file(tmp_path, "scene file")
    with pytest.raises(InputFileError, match=r"missing.json: cannot read scene file \(No such file"):
        read_json_file(tmp_path / "missing.json", "scene file")


def test_text_nested_too_deeply():
    with pytest.raises(InputFileError, match="^JSON nested too deeply"):
        parse_json("{" + '"a": {' * 50_000 + "}" * 50_001)
