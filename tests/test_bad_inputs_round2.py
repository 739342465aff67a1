"""Issue 25's second round of bad inputs, each pinned to its one-line message (exit 2, nothing written):
dates of other eras, bounded reading, extreme values. (The first round: test_bad_inputs.py.)"""
import bz2
import gzip
import lzma

import numpy as np
import pandas as pd
import pytest
from helpers import check_error, run_cli

from lstmcast.data import validate_panel
from lstmcast.errors import DataError

FAST = ["--epochs", "1", "--seeds", "1", "--diff", "1", "--quiet"]


def _yearly(first, n, fmt="{}", extra=None, drop=()):
    rows = [f"{fmt.format(first + i)},{1 + 0.3 * np.sin(i / 7):.3f}" for i in range(n)]
    for k, v in (extra or {}).items():
        rows[k] = v
    return "year,width\n" + "\n".join(r for i, r in enumerate(rows) if i not in drop) + "\n"


ANY_YEAR = r" \(no such date; dates of any year are read when written as YYYY, YYYY-MM, YYYY-MM-DD or YYYYQn"
DATES = {
    "not a date among old years": (_yearly(1380, 60, extra={47: "abc,1.0"}), [],
                                   r"column 'year', line 49: 'abc' is not a date$"),
    "February 30 of 1390": (_yearly(1380, 60, fmt="{}-02-01", extra={10: "1390-02-30,1.0"}), [],
                            r"column 'year', line 12: '1390-02-30' is not a date" + ANY_YEAR),
    "month 13 of 1503": ("m,v\n" + "".join(f"{1500 + i // 12}-{i % 12 + 1:02d},{i % 5 + 1}\n" for i in range(40))
                         + "1503-13,2\n", [], r"column 'm', line 42: '1503-13' is not a date" + ANY_YEAR),
    "quarter 5 of 1390": ("q,v\n" + "".join(f"{1380 + i // 4}Q{i % 4 + 1},{i}\n" for i in range(40)) + "1390Q5,3\n",
                          [], r"column 'q', line 42: '1390Q5' is not a date$"),
    "an old time with a zone": ("t,v\n1380-01-01,1\n1381-01-01,2\n1382-01-01T00:00+02:00,3\n", [],
                                r"column 't', line 4: '1382-01-01T00:00\+02:00' is not a date" + ANY_YEAR),
    "duplicate old year": (_yearly(1380, 60, extra={20: "1399,1.0"}), [],
                           r"duplicate time 1399-01-01 in column 'year' at line 21 and line 22"),
    "gap in an old series, strict": (_yearly(1380, 60, drop=(30,)), ["--freq", "YS", "--strict"],
                                     r"1 missing timestamp \(gaps\), first at 1410-01-01 \(after line 31\)"),
    "700 years": (_yearly(1000, 700), [], r"line 701: '1699' cannot be held with '1000' \(line 2\): the times span "
                                          r"699 years, and lstmcast holds at most 584 years of dates at once"),
    "year 12345 after 1380": ("year,v\n1380,1\n1381,2\n1382,3\n12345,4\n", [],
                              r"line 5: '12345' cannot be held with '1380' \(line 2\): the times span 10965 years"),
    "off the grid of --freq in 1500": ("m,v\n" + "".join(f"1500-{i + 1:02d}-01,{i}\n" for i in range(12))
                                       + "1501-01-15,3\n", ["--freq", "MS"],
                                       r"line 14: 1501-01-15 is not on the grid of the frequency given \('MS', "
                                       r"from 1500-01-01\)"),
}


@pytest.mark.parametrize("name", list(DATES))
def test_dates_of_other_eras(tmp_path, name):
    text, flags, pattern = DATES[name]
    (tmp_path / "d.csv").write_text(text)
    check_error(*run_cli("fit", tmp_path / "d.csv", "--model", tmp_path / "m", *FAST, *flags),
                r"d\.csv: .*" + pattern)
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("first,freq,h,last", [(9990, "YS", 600, "10574-04-11"), (2200, "QS", 2400, "2784-04-11")])
def test_a_horizon_past_what_the_grid_holds_names_the_users_last_date(first, freq, h, last):
    ds = pd.date_range("1700-01-01", periods=10, freq=freq)
    labels = [f"{first + (d.year - 1700)}-{d.month:02d}-01" for d in ds]
    p = validate_panel(pd.DataFrame({"unique_id": "a", "ds": labels, "y": np.arange(10.0)}))
    with pytest.raises(DataError, match=rf"series 'a': {h} steps after its end run past {last}, the last date"):
        p.future_index(0, h)


def _long_line(path, opener=open, n=3 << 20, before=b"date,value\n2000-01-01,1\n"):
    with opener(path, "wb") as f:
        f.write(before + b"5" * n)
    return path


READING = {
    "semicolon file, long line": (lambda p: _long_line(p, before=b"date;value\n2000-01-01;1\n"), r"line 3 is longer"),
    "bz2 long line": (lambda p: _long_line(p, bz2.open), r"line 3 is longer than 1,048,576 bytes"),
    "xz long line": (lambda p: _long_line(p, lzma.open), r"line 3 is longer than 1,048,576 bytes"),
    "gzip long header": (lambda p: _long_line(p, gzip.open, before=b"date,"), r"line 1 is longer than 1,048,576"),
    "long line after a preamble": (lambda p: _long_line(p, before=b"title\nnotes\ndate,value\n2000-01-01,1\n"),
                                   r"line 5 is longer than 1,048,576 bytes"),
    "under, then over": (lambda p: p.write_bytes(b"date,value\n2000-01-01," + b"1" * 1_000_000 + b"\n"
                                                 + b"2000-02-01," + b"2" * ((1 << 20) + 1) + b"\n"),
                              r"line 3 is longer than 1,048,576 bytes"),
    "10,001 columns of dates": (lambda p: p.write_text(",".join(f"2000-01-{1 + i % 28:02d}" for i in range(10_001))
                                                       + "\n" + ",".join("1" * 10_001) + "\n"),
                                r"line 1 has 10,001 fields, over the 10,000 columns lstmcast reads"),
    "tab-separated 20,000 columns": (lambda p: p.write_text("\t".join(f"c{i}" for i in range(20_000)) + "\n"),
                                     r"line 1 has 20,000 fields"),
    "a big file of one column": (lambda p: p.write_bytes(b"value\n" + b"3.25\n" * 40_000),
                                 r"one column only \(no ',', ';', tab or '\|' in its first lines"),
}


@pytest.mark.parametrize("name", list(READING))
def test_bounded_reading(tmp_path, name):
    make, pattern = READING[name]
    p = tmp_path / "r.csv"
    make(p)
    check_error(*run_cli("evaluate", p, "--horizon", 3), r"r\.csv: " + pattern)


def _co2(tmp_path, at=40, mult=None, value=None, n=72, panel=False):
    y = 340 + np.arange(n) * 0.12 + 3 * np.sin(np.arange(n) * 2 * np.pi / 12)
    y[at] = y[at] * mult if mult is not None else value
    d = pd.date_range("1960-01-01", periods=n, freq="MS")
    head, pre = ("unique_id,date,co2\n", "b,") if panel else ("date,co2\n", "")
    rows = [f"{pre}{t.date()},{x:.6g}\n" for t, x in zip(d, y)]
    if panel:
        rows = [f"a,{t.date()},{350 + i % 12}\n" for i, t in enumerate(d)] + rows
    (tmp_path / "c.csv").write_text(head + "".join(rows))
    return tmp_path / "c.csv"


STRICT = r" fix the value, or turn strict off to forecast with it"
EXTREMES = {
    "typo x1e3": (dict(mult=1e3), r"series 'co2', column 'co2', line 42: 347398 is 1e\+03 times the typical scale"),
    "typo x1e6": (dict(mult=1e6), r"line 42: 3\.47398e\+08 is 1e\+06 times"),
    "typo x1e300": (dict(mult=1e300), r"line 42: 3\.47398e\+302 is 1e\+300 times"),
    "typo x-1e6": (dict(mult=-1e6), r"line 42: -3\.47398e\+08 is 1e\+06 times"),
    "1e308 cell": (dict(value=1e308), r"line 42: 1e\+308 is 3e\+305 times the typical scale of its neighbours "
                                      r"\(344\): a typo\?"),
    "first value": (dict(at=0, mult=1e6), r"line 2: 3\.4e\+08 is 1e\+06 times"),
    "last value": (dict(at=71, mult=1e4), r"line 73: 3\.\d+e\+06 is 1e\+04 times"),
    "in a panel": (dict(mult=1e6, panel=True), r"series 'b', column 'co2', line 114: 3\.47398e\+08 is 1e\+06 times"),
}


@pytest.mark.parametrize("name", list(EXTREMES))
def test_extreme_values_under_strict(tmp_path, name):
    kw, pattern = EXTREMES[name]
    csv = _co2(tmp_path, **kw)
    check_error(*run_cli("fit", csv, "--model", tmp_path / "m", "--strict", *FAST),
                r"c\.csv: .*" + pattern + ".*" + STRICT)
    assert not (tmp_path / "m").exists()


def test_extreme_value_note_without_strict_names_file_line_value_scale(tmp_path):
    csv = _co2(tmp_path, mult=1e6)
    code, out, err = run_cli("evaluate", csv, "--horizon", 6, "--models", "naive", "--epochs", "1", "--seeds", "1",
                             "--diff", "1")
    assert code == 0, err
    want = f"{csv}: series 'co2', column 'co2', line 42: 3.47398e+08 is 1e+06 times the typical scale of its " \
           "neighbours (344): a typo?"
    assert want in err.splitlines(), err
