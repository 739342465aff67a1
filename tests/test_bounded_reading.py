"""Bounded reading (issue 25): a line, a header and a file of one column past lstmcast's limits are one line
naming the line and the limit, answered in about a second whatever the file's size (the limits are checked
in chunks before pandas reads anything)."""
import gzip
import time

import pytest
from helpers import check_error, run_cli

from lstmcast.data.textfile import MAX_FIELDS, MAX_LINE

LONG = r"line {} is longer than 1,048,576 bytes, the longest line lstmcast reads"


def _refused_fast(path, pattern, seconds=10):
    t0 = time.perf_counter()
    check_error(*run_cli("evaluate", path, "--horizon", 3), pattern)
    assert time.perf_counter() - t0 < seconds      # about 1 s; generous on a loaded CI machine


def test_a_100_mb_line_without_a_newline(tmp_path):
    p = tmp_path / "long.csv"
    with open(p, "wb") as f:
        f.write(b"date,value\n2000-01-01,1\n2000-02-01,2\n")
        f.write(b"9" * (100 << 20))
    _refused_fast(p, LONG.format(4))


def test_a_long_line_deep_in_a_file_is_named_by_its_number(tmp_path):
    p = tmp_path / "late.csv"
    rows = "".join(f"2000-01-{1 + i % 28:02d},{i}\n" for i in range(30_000))
    p.write_text("date,value\n" + rows + "2001-01-01," + "1" * (MAX_LINE + 5) + "\n2001-01-02,3\n")
    _refused_fast(p, LONG.format(30_002))


def test_a_compressed_long_line_is_measured_decompressed(tmp_path):
    p = tmp_path / "long.csv.gz"
    with gzip.open(p, "wb") as f:
        f.write(b"date,value\n" + b"7" * (3 << 20))
    _refused_fast(p, LONG.format(2))


def test_a_header_line_over_the_limit(tmp_path):
    p = tmp_path / "head.csv"
    p.write_text("date," + "v" * (2 * MAX_LINE) + "\n2000-01-01,1\n")
    _refused_fast(p, LONG.format(1))


def test_a_file_of_a_million_columns(tmp_path):
    p = tmp_path / "wide.csv"
    p.write_text(",".join(f"c{i}" for i in range(10**6)) + "\n" + ",".join("1" * 10**6) + "\n")
    _refused_fast(p, r"wide\.csv: line 1 has 1,000,000 fields, over the 10,000 columns lstmcast reads")


def test_a_header_of_more_fields_than_the_limit(tmp_path):
    p = tmp_path / "wide.csv"
    p.write_text(",".join(str(i) for i in range(MAX_FIELDS + 1)) + "\n" + ",".join("1" * (MAX_FIELDS + 1)) + "\n")
    _refused_fast(p, r"line 1 has 10,001 fields, over the 10,000 columns lstmcast reads: a wide file")


@pytest.mark.slow
def test_a_1_gb_file_of_one_column(tmp_path):
    p = tmp_path / "one.csv"
    try:
        with open(p, "wb") as f:
            f.write(b"value\n")
            block = b"12.5\n" * (1 << 22)                  # 20 MiB
            for _ in range(52):
                f.write(block)
        assert p.stat().st_size > 1e9
        _refused_fast(p, r"one\.csv: one column only \(no ',', ';', tab or '\|' in its first lines")
    finally:
        p.unlink(missing_ok=True)
