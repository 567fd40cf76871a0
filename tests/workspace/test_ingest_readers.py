"""Reading CSV exports: encodings, gzip, exact line numbers, ragged rows, file-level errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from ingest_support import write

from memberinsight.errors import DataValidationError
from memberinsight.workspace.ingest import readers
from memberinsight.workspace.ingest.readers import read_table

TRICKY = (
    'a,b,c\r\n'
    '1,"two, with comma",3\r\n'
    '4,"multi\r\nline ""quoted"" value",6\r\n'
    '\r\n'
    '7,8\r\n'
    '9,10,11,12\r\n'
    '"",,\r\n'
    '13,14,15'
)


def _both_paths(tmp_path: Path, text: str):
    path = write(tmp_path / "t.csv", text)
    fast = read_table(path)
    data = text.encode("utf-8")
    slow = readers._read_slow(data, str(path))
    return fast, slow


def test_fast_and_slow_readers_agree_on_tricky_csv(tmp_path: Path) -> None:
    fast, (columns, frame, lines, short, overlong, blank) = _both_paths(tmp_path, TRICKY)
    assert fast.columns == columns == ["a", "b", "c"]
    assert fast.frame.to_dict("list") == frame.to_dict("list") == {
        "a": ["1", "4", "7", "", "13"],
        "b": ["two, with comma", 'multi\r\nline "quoted" value', "8", "", "14"],
        "c": ["3", "6", "", "", "15"],
    }
    # header = line 1; the quoted value spans lines 3-4, so the next records start on 5 (blank), 6, 7...
    assert fast.lines.tolist() == lines.tolist() == [2, 3, 6, 8, 9]
    assert fast.short.tolist() == short.tolist() == [False, False, True, False, False]
    assert [(r.line, r.fields) for r in fast.malformed] == [(r.line, r.fields) for r in overlong] == [
        (7, ["9", "10", "11", "12"])]
    assert fast.blank_lines == blank == 1
    assert fast.rows_read == 6
    assert "1 blank line(s) skipped" in fast.warnings


def test_stray_quote_falls_back_to_the_exact_reader(tmp_path: Path) -> None:
    text = 'sku,title\nA1,5" ruler\nA2,"tape, 10m"\nA3,12" ruler\n'
    assert readers._read_fast(text.encode(), "x") is None  # parity cannot describe a literal quote
    raw = read_table(write(tmp_path / "s.csv", text))
    assert raw.frame["title"].tolist() == ['5" ruler', "tape, 10m", '12" ruler']
    assert raw.lines.tolist() == [2, 3, 4]


def test_cp1252_file_is_decoded_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "w.csv", "id,title\n1,Café crème\n2,Mug £5\n", encoding="cp1252")
    raw = read_table(path)
    assert raw.encoding == "cp1252"
    assert raw.frame["title"].tolist() == ["Café crème", "Mug £5"]
    assert any("not valid UTF-8" in w and "line 2" in w and "cp1252" in w for w in raw.warnings)


def test_utf8_bom_utf16_and_gzip(tmp_path: Path) -> None:
    text = "id,title\n1,Café\n"
    bom = read_table(write(tmp_path / "bom.csv", "\ufeff" + text))
    assert (bom.encoding, bom.columns, bom.frame["title"].tolist()) == ("utf-8-sig", ["id", "title"], ["Café"])
    u16 = read_table(write(tmp_path / "u16.csv", text, encoding="utf-16"))
    assert (u16.encoding, u16.frame["title"].tolist()) == ("utf-16", ["Café"])
    gz = tmp_path / "g.csv.gz"
    gz.write_bytes(gzip.compress(text.encode("cp1252")))
    zipped = read_table(gz)
    assert (zipped.encoding, zipped.frame["title"].tolist()) == ("cp1252", ["Café"])


def test_mixed_encoding_is_flagged_for_row_rejection(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes("id,title\n1,Café\n".encode() + "2,Crème\n".encode("cp1252"))
    raw = read_table(path)
    assert raw.mixed_encoding and raw.encoding == "utf-8 (mixed)"
    assert raw.frame["title"].tolist() == ["Café", "Cr\ufffdme"]


@pytest.mark.parametrize(("content", "message"), [
    (b"", "file is empty"),
    (b"  \n\n", "file is empty"),
    (b"id,title\n", "header but no data rows"),
    (b"id,title\n\n\n", "header but no data rows"),
    (b"id\x00,title\n1,2\n", "NUL bytes"),
    (b"PK\x03\x04rest", "zip archives"),
    (b"\x1f\x8bnot really gzip", "corrupt gzip"),
    (b"id,,title\n1,2,3\n", "header column 2 has no name"),
    (b"id,Title,title\n1,2,3\n", "repeated in the header"),
])
def test_file_level_errors_name_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataValidationError) as err:
        read_table(path)
    assert message in str(err.value)
    assert err.value.file == str(path)


def test_large_file_line_numbers_match_positions(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},v{i}" for i in range(50_000))
    raw = read_table(write(tmp_path / "big.csv", "id,v\n" + rows + "\n"))
    assert len(raw.frame) == 50_000
    np.testing.assert_array_equal(raw.lines, np.arange(2, 50_002))
    assert raw.frame["id"].iloc[-1] == "49999"
