"""Hostile inputs found by fuzzing the CLI, each pinned: no traceback, no non-finite or unreadable number,
a one-line error (exit 2) where the input cannot be used."""
import re

import numpy as np
import pandas as pd
import pytest
from helpers import WAVE, check_error, run_cli, write_series

FAST = ["--epochs", "1", "--seeds", "1", "--diff", "1", "--scope", "local"]


# VALUES NEAR THE ENDS OF FLOAT64 ---------------------------------------------------------------------

def test_rmse_neither_overflows_nor_underflows():
    from lstmcast.evaluate.metrics import rmse
    e = np.array([3.0, 4.0])
    assert rmse(e * 1e300, [0, 0]) == pytest.approx(np.sqrt(12.5) * 1e300, rel=1e-15)   # squares are inf
    assert rmse(e * 1e-300, [0, 0]) == pytest.approx(np.sqrt(12.5) * 1e-300, rel=1e-15)  # squares are 0
    assert rmse(e, [0, 0]) == np.sqrt(12.5) and rmse([1, 1], [1, 1]) == 0.0
    assert np.isnan(rmse([np.nan, 1.0], [0, 0]))


@pytest.mark.slow
def test_statsforecast_baselines_on_values_near_1e300_scale_exactly():
    from lstmcast.models.baselines import stat_cross_validation
    y0 = 1 + 0.4 * (WAVE - WAVE.min()) / np.ptp(WAVE)           # in [1, 1.4]: no rescaling
    ds = pd.date_range("2000-01-01", periods=len(y0), freq="MS")
    base = pd.DataFrame({"unique_id": "a", "ds": ds, "y": y0})
    ref = stat_cross_validation(base, 3, 2, 3, True, 12, ["ets", "arima"], "MS")
    for k in (990, -990):       # 1e298 and 1e-298: statsforecast alone raises 'No suitable ARIMA model found'
        cv = stat_cross_validation(base.assign(y=np.ldexp(y0, k)), 3, 2, 3, True, 12, ["ets", "arima"], "MS")
        for c in ("y", "ets", "arima"):
            np.testing.assert_array_equal(cv[c].to_numpy(), np.ldexp(ref[c].to_numpy(), k))


@pytest.mark.slow
def test_evaluate_prints_huge_scores_in_scientific_notation(tmp_path):
    csv = write_series(tmp_path / "huge.csv", (WAVE * 1e140).tolist())     # (beyond 1e150: refused, below)
    code, out, err = run_cli("evaluate", csv, "--horizon", "3", "--windows", "2", "--models", "naive,ets,arima",
                             "--quiet")
    assert code == 0, err
    assert not re.search(r"\d{12}", out) and not re.search(r"\b(nan|inf)\b", out), out
    assert re.search(r"^naive +\d\.\d{3} +\d\.\d\de\+14\d", out, re.M), out


def test_fit_reports_the_rmse_of_tiny_values(tmp_path):
    csv = write_series(tmp_path / "tiny.csv", (WAVE * 1e-148).tolist())
    code, out, err = run_cli("fit", csv, "--model", tmp_path / "m", *FAST, "--combination", "lstm", "--quiet")
    assert code == 0, err
    rmse = float(re.search(r"RMSE of the LSTM: (\S+)", out).group(1))
    assert 1e-150 < rmse < 1e-146, out           # the squares of its errors (1e-296) are still normal floats


# WHAT KIND OF FILE: ENCODINGS, COMPRESSION, NOT TEXT AT ALL ---------------------------------------------

def _series_csv(n=24):
    ds = pd.date_range("2000-01-01", periods=n, freq="MS")
    return "date,value\n" + "".join(f"{t.date()},{v}\n" for t, v in zip(ds, WAVE[:n]))


def test_utf16_cp1252_and_compressed_files_read_as_the_same_series(tmp_path):
    import bz2
    import gzip
    import zipfile

    from lstmcast.data import load_csv, load_panel_csv
    text = _series_csv()
    ref = load_csv(_write(tmp_path / "ref.csv", text.encode()))
    zipped = tmp_path / "zipped.csv"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("inner.csv", text)
    for name, data in {"utf16.csv": text.encode("utf-16"), "utf32.csv": text.encode("utf-32"),
                       "gz.csv": gzip.compress(text.encode()), "bz.csv": bz2.compress(text.encode())}.items():
        pd.testing.assert_series_equal(load_csv(_write(tmp_path / name, data)), ref)
    pd.testing.assert_series_equal(load_csv(zipped), ref)
    notes = []
    ids = "unique_id,ds,y\n" + "".join(f"{k},{t},{v}\n" for k in ("café", "€uro") for t, v in
                                      zip(pd.date_range("2000-01-01", periods=24, freq="MS").date, WAVE))
    panel = load_panel_csv(_write(tmp_path / "cp1252.csv", ids.encode("cp1252")), report=notes.append)
    assert sorted(panel.ids) == ["café", "€uro"]
    assert any("not UTF-8 text; read as Windows-1252" in n for n in notes), notes


def _write(p, data: bytes):
    p.write_bytes(data)
    return p


NOT_CSV = {
    "xlsx": (lambda p: _zip(p, {"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<x/>"}),
             r"xlsx\.csv: is an Excel workbook \(\.xlsx\), not a CSV file; save the sheet as CSV"),
    "xls": (lambda p: _write(p, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
            r"xls\.csv: is an Excel 97-2003 workbook \(\.xls\) or another Office file, not a CSV file"),
    "pdf": (lambda p: _write(p, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), r"pdf\.csv: is a PDF document, not a CSV"),
    "zip of two": (lambda p: _zip(p, {"a.csv": "x", "b.csv": "y"}),
                   r"a zip archive of 2 files \(a\.csv, b\.csv\); unzip it and pass the CSV file"),
    # pandas cut the cell '\0\0100.4' to '' and read a missing value
    "nul bytes": (lambda p: _write(p, _series_csv().replace("\n2000-03-01,", "\n2000-03-01,\0\0").encode()),
                  r"nul bytes\.csv: line 4 holds NUL bytes \(byte \d+\): binary data, not CSV text"),
    "utf-16 without BOM": (lambda p: _write(p, _series_csv().encode("utf-16-le")), r"line 1 holds NUL bytes"),
    "damaged gzip": (lambda p: _write(p, b"\x1f\x8b\x08\x00garbage"), r"damaged gzip\.csv: a damaged gzip file"),
}


def _zip(p, files):
    import zipfile
    with zipfile.ZipFile(p, "w") as z:
        for k, v in files.items():
            z.writestr(k, v)
    return p


@pytest.mark.parametrize("case", list(NOT_CSV))
def test_files_that_are_not_csv_text(tmp_path, case):
    make, pattern = NOT_CSV[case]
    p = make(tmp_path / f"{case}.csv")
    check_error(*run_cli("fit", p, "--model", tmp_path / "m"), pattern)
    assert not (tmp_path / "m").exists()


# DIALECTS: NO HEADER, THOUSANDS SEPARATORS, DAY-FIRST DATES, FOOTERS, DATES PANDAS CANNOT HOLD ---------

MONTHS = [str(t.date()) for t in pd.date_range("2000-01-01", periods=24, freq="MS")]


def _text(tmp_path, text, name="d.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_a_file_without_header_keeps_its_first_row(tmp_path):
    from lstmcast.data import load_csv, load_panel_csv
    notes = []
    p = _text(tmp_path, "".join(f"{d},{v}\n" for d, v in zip(MONTHS, WAVE)))
    panel = load_panel_csv(p, report=notes.append)
    assert panel.lengths[0] == 24 and panel.values[0][0] == WAVE[0]        # pandas took row 1 for a header
    assert any("line 1 ('2000-01-01,100.0') is data, not a header" in n for n in notes), notes
    assert load_csv(p).iloc[0] == WAVE[0]
    rows = "".join(f"s{k},{d},{v}\n" for k in (1, 2) for d, v in zip(MONTHS, WAVE))
    two = load_panel_csv(_text(tmp_path, rows, "p.csv"), id_col=0)
    assert sorted(two.ids) == ["s1", "s2"] and list(two.lengths) == [24, 24]
    bad = _text(tmp_path, "".join(f"{d},{v}\n" for d, v in zip(MONTHS, [*WAVE[:4], "x", *WAVE[5:]])), "b.csv")
    with pytest.raises(Exception, match=r"b\.csv: column 'value', line 5: 'x' is not a number"):   # line 5: no header
        load_panel_csv(bad)


def test_a_header_that_is_a_header_is_kept(tmp_path):
    from lstmcast.data import read_frame
    for head in ("date,value", "2019,2020", "ds,y,2020", ",date,value"):
        assert list(read_frame(_text(tmp_path, head + "\n2000-01-01,1,2\n")).columns)[-1] == head.split(",")[-1]


def test_thousands_separators(tmp_path):
    from lstmcast.data import load_csv
    notes = []
    vals = [f'"{v * 1000:,.2f}"' for v in WAVE[:24]]
    y = load_csv(_text(tmp_path, "date,value\n" + "".join(f"{d},{v}\n" for d, v in zip(MONTHS, vals))),
                 report=notes.append)
    np.testing.assert_allclose(y.to_numpy(), np.round(WAVE[:24] * 1000, 2))
    assert any("thousands separators in column(s) ['value']" in n for n in notes)
    y = load_csv(_text(tmp_path, "date;value\n" + "".join(f"{d};{v * 1000:,.2f}\n" for d, v in zip(MONTHS, WAVE)),
                       "s.csv"))
    np.testing.assert_allclose(y.to_numpy(), np.round(WAVE[:24] * 1000, 2))
    mixed = _text(tmp_path, "date,value\n" + "".join(f'{d},"{v}"\n' for d, v in zip(MONTHS, ["1,234", "12,34"] * 12)),
                  "m.csv")
    # '12,34' is no thousands group: none read
    with pytest.raises(Exception, match=r"line 2: '1,234' is not a number"):
        load_csv(mixed, value_col="value")
    with pytest.raises(Exception, match=r"m\.csv: no numeric column found besides 'date' \(column 'value', line 2: "
                                        r"'1,234' is not a number\); name one with --value-col"):
        load_csv(mixed)


def test_day_first_dates(tmp_path):
    from lstmcast.data import load_panel_csv
    days = pd.date_range("2000-01-01", periods=40, freq="D")
    for fmt in ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y %H:%M"):
        p = _text(tmp_path, "date,value\n" + "".join(f"{t.strftime(fmt)},{i % 7}\n" for i, t in enumerate(days)))
        panel = load_panel_csv(p)                 # pandas alone: Jan 2 for 01/02, Jan 13 for 13/01: no frequency
        assert panel.freq == "D" and panel.starts[0] == days[0] and panel.lengths[0] == 40
    us = _text(tmp_path, "date,value\n" + "".join(f"{t.strftime('%m/%d/%Y')},{i % 7}\n" for i, t in enumerate(days)))
    assert load_panel_csv(us).starts[0] == days[0] and load_panel_csv(us).freq == "D"


def test_rows_with_numbers_are_no_footer(tmp_path):
    from lstmcast.data import load_csv, load_panel_csv
    text = "date,value\n" + "".join(f"{d},{v}\n" for d, v in zip(MONTHS, WAVE)) + "2002-13-01,5\nsource: me,\n"
    p = _text(tmp_path, text)
    for load in (load_csv, load_panel_csv):                     # the bad date was dropped as a 'footer'
        with pytest.raises(Exception, match=r"d\.csv: column 'date', line 26: '2002-13-01' is not a date"):
            load(p)


@pytest.mark.parametrize("cells, pattern", [
    (["2300-02-30", "2300-03-01", "2300-04-01"], r"'2300-02-30' is not a date \(no such date; dates of any year "
                                                 r"are read when written as YYYY, YYYY-MM, YYYY-MM-DD or YYYYQn"),
    (["1", "2", "3"], r"'1' is not a date; the column holds numbers, not dates: write dates such as 2000-01-31"),
    (["946684800", "949363200", "951868800"], r"'946684800' is not a date; the column holds numbers"),
])
def test_why_a_time_is_not_a_date(tmp_path, cells, pattern):
    p = _text(tmp_path, "t,value\n" + "".join(f"{c},{v}\n" for c, v in zip(cells, WAVE)))
    check_error(*run_cli("fit", p, "--time-col", "t", "--model", tmp_path / "m"), r"column 't', line 2: " + pattern)


def test_duplicate_times_of_one_series_suggest_an_id_column(tmp_path):
    rows = "".join(f"{d},{v}\n" for _ in range(2) for d, v in zip(MONTHS, WAVE))
    check_error(*run_cli("fit", _text(tmp_path, "date,value\n" + rows), "--model", tmp_path / "m"),
                r"duplicate time 2000-01-01 in column 'date' at line 2 and line 26; keep one row per time \(if the "
                r"file holds several series, name their id column with --id-col\)")


def test_no_frequency_names_the_common_step(tmp_path):
    hours = pd.date_range("2021-03-27 12:00", periods=30, freq="h").delete(14)     # one hour missing
    p = _text(tmp_path, "time,value\n" + "".join(f"{t},{v}\n" for t, v in zip(hours, WAVE)))
    check_error(*run_cli("fit", p, "--model", tmp_path / "m"),
                r"cannot infer the frequency: no series has 3 or more evenly spaced timestamps \(the longest series "
                r"steps by 01:00:00 27 times out of 28: try --freq h, with --fill for its gaps\); give one with --freq")
    days = pd.DatetimeIndex(["2000-01-01", "2000-01-03", "2000-01-04", "2000-01-09", "2000-01-10"])
    p = _text(tmp_path, "time,value\n" + "".join(f"{t.date()},{v}\n" for t, v in zip(days, WAVE)), "i.csv")
    check_error(*run_cli("fit", p, "--model", tmp_path / "m"), r"evenly spaced timestamps; give one with --freq")


def test_a_monthly_and_a_daily_series_in_one_panel(tmp_path):
    # the daily frequency won the tie and the monthly series became 1,383 gaps, quietly a fallback
    months = pd.date_range("2000-01-01", periods=48, freq="MS")
    days = pd.date_range("2000-01-01", periods=48, freq="D")
    rows = "".join(f"m,{t.date()},{v}\n" for t, v in zip(months, WAVE)) + \
        "".join(f"d,{t.date()},{v}\n" for t, v in zip(days, WAVE))
    p = _text(tmp_path, "unique_id,ds,y\n" + rows)
    check_error(*run_cli("fit", p, "--model", tmp_path / "m"),
                r"p?d\.csv: mixed frequencies: series 'd' steps by 'D', series 'm' by 'MS'; give every series the "
                r"same frequency \(one file per frequency\), or set one with --freq")
    from lstmcast.data import load_panel_csv
    quarters = pd.date_range("2000-04-01", periods=12, freq="QS")      # QS-JAN vs QS-OCT anchors: one grid
    rows = "".join(f"{k},{t.date()},{v}\n" for k, start in (("a", 0), ("b", 1))
                   for t, v in zip(quarters[start:], WAVE))
    assert load_panel_csv(_text(tmp_path, "unique_id,ds,y\n" + rows, "q.csv")).freq.startswith("QS")


def test_a_series_without_values_is_named_when_it_gets_no_forecast(tmp_path):
    rows = "".join(f"{k},{d},{v}\n" for k in ("a", "b") for d, v in
                   zip(pd.date_range("2000-01-01", periods=48, freq="MS").date, WAVE if k == "a" else [""] * 48))
    p = _text(tmp_path, "unique_id,ds,y\n" + rows)
    code, out, err = run_cli("fit", p, "--model", tmp_path / "m", *FAST, "--combination", "lstm")
    assert code == 0, err
    code, out, err = run_cli("forecast", "--model", tmp_path / "m", "--horizon", "2")
    assert code == 0 and "b " not in out, (out, err)
    assert "1 of 2 series have no forecast: no finite value to start from ('b'); see fit's --per-series" in err


@pytest.mark.parametrize("flag, col, pattern", [
    ("--futr-exog", "ds", r"the time column 'ds' cannot be a covariate \(--calendar adds features of the time\)"),
    ("--hist-exog", "unique_id", r"the series id column 'unique_id' cannot be a covariate"),
])
def test_time_or_id_column_as_a_covariate(tmp_path, flag, col, pattern):
    # --futr-exog ds trained on the dates' nanoseconds as a number
    rows = "".join(f"{k},{d},{v}\n" for k in ("a", "b") for d, v in zip(MONTHS, WAVE))
    check_error(*run_cli("fit", _text(tmp_path, "unique_id,ds,y\n" + rows), flag, col, "--model", tmp_path / "m"),
                pattern)


def test_evaluate_models_named_twice_or_not_at_all(tmp_path):
    csv = write_series(tmp_path / "s.csv", WAVE.tolist())
    # 'naive,naive' broadcast (3, 2) against (3,): a ValueError traceback
    code, out, err = run_cli("evaluate", csv, "--horizon", "3", "--models", "naive,naive,drift,naive", *FAST, "--quiet")
    assert code == 0, err
    assert [ln.split()[0] for ln in out.splitlines()[3:7]].count("naive") == 1, out
    check_error(*run_cli("evaluate", csv, "--horizon", "3", "--models", " , "), r"--models names no model")


def test_a_given_frequency_the_dates_are_not_on(tmp_path):
    csv = write_series(tmp_path / "s.csv", WAVE.tolist())
    check_error(*run_cli("fit", csv, "--freq", "W", "--model", tmp_path / "m"),
                r"s\.csv: series 'value', line 2: 2000-01-01 is not on the grid of the frequency given \('W-SUN', "
                r"from 2000-01-02\); give the data's own frequency with --freq, or leave it out to infer it")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    d = tmp_path_factory.mktemp("m")
    csv = write_series(d / "s.csv", WAVE.tolist())
    code, _, err = run_cli("fit", csv, "--model", d / "model", *FAST, "--combination", "lstm", "--quiet")
    assert code == 0, err
    return d / "model"


def test_forecast_data_that_ends_before_the_model(tmp_path, model):
    # --data from 1700 (or one old row) was ignored: the training data's forecast came out, silently
    old = write_series(tmp_path / "old.csv", WAVE.tolist(), start="1700-01-01")
    check_error(*run_cli("forecast", "--model", model, "--horizon", "2", "--data", old),
                r"old\.csv: ends 1703-12-01, before the training data's end \(2003-12-01\), so it adds nothing to "
                r"forecast from; give the observations that follow the training data, or forecast without --data")
    same = write_series(tmp_path / "same.csv", WAVE.tolist())      # the training file itself: its forecast
    assert run_cli("forecast", "--model", model, "--horizon", "2", "--data", same)[1] == \
        run_cli("forecast", "--model", model, "--horizon", "2")[1]


def test_forecast_data_at_another_frequency(tmp_path, model):
    days = write_series(tmp_path / "days.csv", WAVE.tolist(), freq="D")
    check_error(*run_cli("forecast", "--model", model, "--horizon", "2", "--data", days),
                r"days\.csv: series 'value', line 3: 2000-01-02 is not on the grid of the model's frequency \('MS', "
                r"from 2000-01-01\); --data must continue the training data at that frequency$")


def test_report_table_rmse_of_values_near_1e300():
    from lstmcast.report.tables import series_metrics
    ds = pd.date_range("2000-01-01", periods=30, freq="MS")
    for k in (1000, -1000, 0):
        y = np.ldexp(WAVE[:30], k)
        hist = pd.DataFrame({"unique_id": "a", "ds": ds, "y": y})
        cv = pd.DataFrame({"unique_id": "a", "ds": ds[-4:], "cutoff": ds[-5], "y": y[-4:],
                           "naive": np.ldexp(np.full(4, WAVE[25]), k)})
        got = series_metrics(cv, hist, ["naive"], 12)["rmse"].iloc[0]
        want = np.ldexp(np.sqrt(np.mean((WAVE[26:30] - WAVE[25]) ** 2)), k)      # was inf (k=1000) and 0 (k=-1000)
        assert got == pytest.approx(want, rel=1e-12)


def test_daily_data_spanning_over_292_years():
    # int64 nanoseconds from the first day overflowed after 292 years: 'not on the D grid' at line 106754
    from lstmcast.data import validate_panel
    from lstmcast.data.panel_core import grid_positions, to_offset
    days = pd.date_range("1700-01-01", "2250-01-01", freq="D")
    origin, pos, on = grid_positions(days.asi8[::-1], to_offset("D"))
    assert origin == days[0] and on.all() and np.array_equal(pos, np.arange(len(days))[::-1])
    panel = validate_panel(pd.DataFrame({"unique_id": "a", "ds": days, "y": np.arange(len(days)) % 7.0}))
    assert panel.freq == "D" and panel.lengths[0] == len(days) and np.isfinite(panel.values[0]).all()


def test_iso_week_dates(tmp_path):
    from lstmcast.data import load_panel_csv
    weeks = pd.date_range("2000-01-03", periods=30, freq="W-MON")
    p = _text(tmp_path, "week,value\n" + "".join(f"{t.strftime('%G-W%V')},{v}\n" for t, v in zip(weeks, WAVE)))
    panel = load_panel_csv(p)
    assert panel.freq == "W-MON" and panel.starts[0] == weeks[0] and panel.lengths[0] == 30


BODY = "".join(f"{d},{v}\n" for d, v in zip(MONTHS, WAVE))


@pytest.mark.parametrize("name, text, line", [
    ("preamble", "# Source: a download\n# Units: kg\n\ndate,value\n" + BODY, 5),   # 'Expected 1 fields in line 4'
    ("title", "Monthly sales\nGenerated 2024-01-01\ndate,value\n" + BODY, 4),
    ("excel sep line", "sep=;\ndate;value\n" + BODY.replace(",", ";"), 3),         # 'sep=' read as a column
])
def test_lines_before_the_header(tmp_path, name, text, line):
    from lstmcast.data import load_panel_csv
    p = _text(tmp_path, text.replace(f"{MONTHS[3]},{WAVE[3]}", f"{MONTHS[3]},x").replace(
        f"{MONTHS[3]};{WAVE[3]}", f"{MONTHS[3]};x"))
    with pytest.raises(Exception, match=rf"column 'value', line {line + 3}: 'x' is not a number"):
        load_panel_csv(p)
    panel = load_panel_csv(_text(tmp_path, text, "ok.csv"))
    assert panel.lengths[0] == 24 and np.array_equal(panel.values[0], WAVE[:24])


def test_spreadsheet_missing_markers_are_missing_values(tmp_path):
    vals = [*WAVE[:5], "#N/A", *WAVE[6:10], "#DIV/0!", *WAVE[11:24]]
    p = _text(tmp_path, "date,value\n" + "".join(f"{d},{v}\n" for d, v in zip(MONTHS, vals)))
    check_error(*run_cli("fit", p, "--model", tmp_path / "m"),
                r"the series has 2 missing values, first at 2000-06-01 \(line 7\); fill them with --fill")


def test_dates_and_clock_times_in_two_columns(tmp_path):
    from lstmcast.data import load_csv, load_panel_csv
    times = pd.date_range("2000-01-01", periods=30, freq="6h")
    p = _text(tmp_path, "date,time,value\n" + "".join(f"{t.date()},{t.strftime('%H:%M')},{v}\n"
                                                      for t, v in zip(times, WAVE)))
    panel = load_panel_csv(p)          # was 'duplicate time 2000-01-01' (the clock column ignored)
    assert panel.freq == "6h" and panel.lengths[0] == 30 and panel.starts[0] == times[0]
    assert load_csv(p).index.equals(pd.DatetimeIndex(times, freq="6h"))


@pytest.mark.parametrize("cells, pattern", [
    (["1", "2", "3", "4"], r"no column of dates found in \['t', 'value'\] \(column 't': '1' is not a date; the column "
                           r"holds numbers, not dates: write dates such as 2000-01-31"),
    # dates past pandas' 2262 are read since the dates-of-any-era work (data/era.py): four of them are too few
    (["2300-01-01", "2300-02-01", "2300-03-01", "2300-04-01"], r"the series is too short: 4 values"),
])
def test_found_no_dates(tmp_path, cells, pattern):
    rows = "".join(f"{c},{v}\n" for c, v in zip(cells, WAVE))
    check_error(*run_cli("fit", _text(tmp_path, "t,value\n" + rows), "--model", tmp_path / "m"), pattern)


def test_a_placeholder_for_a_missing_value(tmp_path):
    rows = "".join(f"{d},{'-' if i == 1 else v}\n" for i, (d, v) in enumerate(zip(MONTHS, WAVE)))
    check_error(*run_cli("fit", _text(tmp_path, "t,value\n" + rows), "--model", tmp_path / "m"),
                r"column 'value', line 3: '-' is not a number; if it marks a missing value, leave the cell empty "
                r"\(or write NA\)")


def test_yyyymmdd_numbers_are_dates_and_one_row_is_too_few(tmp_path):
    from lstmcast.data import load_panel_csv
    p = _text(tmp_path, "day,value\n" + "".join(f"{d.replace('-', '')},{v}\n" for d, v in zip(MONTHS, WAVE)))
    panel = load_panel_csv(p)
    assert panel.freq == "MS" and panel.starts[0] == pd.Timestamp(MONTHS[0]) and panel.lengths[0] == 24
    check_error(*run_cli("fit", _text(tmp_path, f"date,value\n{MONTHS[0]},1\n", "one.csv"), "--model", tmp_path / "m"),
                r"one\.csv: the series has only 1 row\(s\): too few to infer a frequency, let alone to forecast")


def test_spaces_around_header_names_and_ids(tmp_path):
    from lstmcast.data import load_panel_csv
    rows = "".join(f"{'a ' if i % 5 == 0 else 'a'}, {d} ,{v}\n" for i, (d, v) in enumerate(zip(MONTHS, WAVE)))
    # 'a ' was a second series on a 5-month grid: 'mixed frequencies'; ' value ' was no column 'value'
    panel = load_panel_csv(_text(tmp_path, " unique_id , ds , value \n" + rows), value_col="value", time_col="ds")
    assert list(panel.ids) == ["a"] and panel.lengths[0] == 24 and panel.freq == "MS"


def test_a_header_shorter_than_its_rows_is_no_preamble(tmp_path):
    from lstmcast.data import load_panel_csv
    rows = "".join(f"{i},{d},{v}\n" for i, (d, v) in enumerate(zip(MONTHS, WAVE)))     # pandas' index column
    panel = load_panel_csv(_text(tmp_path, "date,value\n" + rows))
    assert panel.ids[0] == "value" and panel.lengths[0] == 24


@pytest.mark.parametrize("name", ["plot.txt", "plot", "plot.html"])
def test_plot_file_names_without_an_image_format(tmp_path, model, name):
    # 'plot.txt' raised matplotlib's ValueError after the forecast was printed
    check_error(*run_cli("forecast", "--model", model, "--horizon", "2", "--plot", tmp_path / name),
                r"--plot '.*': the file name must end in an image format \(\.png, \.pdf, \.svg, \.\.\.\)")
    assert not (tmp_path / name).exists()


def test_out_to_a_device_or_stdout_is_written_not_replaced(tmp_path, model):
    import os
    import stat
    import threading
    # with --force, /dev/stdout (a pipe, a device) was replaced by a regular file: a root user lost /dev/stdout
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    def read():
        with open(fifo) as f:
            got.append(f.read())
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    code, out, err = run_cli("forecast", "--model", model, "--horizon", "2", "--out", fifo, "--force")
    reader.join(30)
    assert code == 0, err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and got and got[0].startswith("unique_id,date,mean,model\n"), got
    code, out, err = run_cli("forecast", "--model", model, "--horizon", "2", "--out", "-", "--quiet")
    assert code == 0 and out.splitlines()[0] == "unique_id,date,mean,model" and len(out.splitlines()) == 3, out
    assert not os.path.exists("-")


@pytest.fixture(scope="module")
def cov_model(tmp_path_factory):
    d = tmp_path_factory.mktemp("cov")
    rows = "".join(f"{k},{t},{v + (k == 'b') * 50},{10 + j % 5}\n" for k in "ab" for j, (t, v) in
                   enumerate(zip([str(x.date()) for x in pd.date_range("2000-01-01", periods=48, freq="MS")], WAVE)))
    (d / "c.csv").write_text("unique_id,ds,y,price\n" + rows)
    code, _, err = run_cli("fit", d / "c.csv", "--futr-exog", "price", "--model", d / "model", *FAST,
                           "--combination", "lstm", "--quiet")
    assert code == 0, err
    return d


FUTURE = [str(t.date()) for t in pd.date_range("2004-01-01", periods=3, freq="MS")]


@pytest.mark.parametrize("rows, pattern", [
    # a second row for the same time was dropped (the last kept), silently
    ([("a", FUTURE[0], 11), ("b", FUTURE[0], 11), ("a", FUTURE[0], 12)],
     r"f\.csv: series 'a' has two rows at 2004-01-01; keep one row per series and time"),
    # 'soon' was a missing date: 'no future value at 2004-02-01'
    ([("a", FUTURE[0], 11), ("a", "soon", 11)], r"f\.csv: column 'ds', line 3: the time is missing or not a date"),
    # 1e300 overflowed the scaling: 'non-finite value in column mean ... try --transform none'
    ([(k, t, 1e300) for k in "ab" for t in FUTURE], r"f\.csv: covariate 'price' of series 'a' at 2004-01-01 is "
                                                     r"1e\+300, too large to scale \(over 1e150\)"),
])
def test_bad_future_covariate_files(tmp_path, cov_model, rows, pattern):
    f = _text(tmp_path, "unique_id,ds,price\n" + "".join(f"{k},{t},{v}\n" for k, t, v in rows), "f.csv")
    check_error(*run_cli("forecast", "--model", cov_model / "model", "--horizon", "3", "--future", f), pattern)


def test_huge_covariate_in_the_training_data(tmp_path, cov_model):
    text = (cov_model / "c.csv").read_text().replace(",10\n", ",1e300\n", 1)
    check_error(*run_cli("fit", _text(tmp_path, text, "h.csv"), "--futr-exog", "price", "--model", tmp_path / "m"),
                r"h\.csv: covariate 'price' of series 'a' at 2000-01-01 is 1e\+300, too large to scale")


@pytest.mark.parametrize("header, row", [
    (",date,value", lambda i, d, v: f"{i},{d},{v}"),                 # pandas' to_csv index: 'Unnamed: 0'
    ("store_id,date,value", lambda i, d, v: f"7,{d},{v}"),
    ("date,n,value", lambda i, d, v: f"{d},{i + 1},{v}"),
])
def test_a_row_number_or_id_is_not_the_value_column(tmp_path, header, row):
    from lstmcast.data import load_panel_csv
    notes = []
    p = _text(tmp_path, header + "\n" + "".join(row(i, d, v) + "\n" for i, (d, v) in enumerate(zip(MONTHS, WAVE))))
    panel = load_panel_csv(p, report=notes.append)          # the row number was forecast, silently
    assert panel.target_col == "value" and np.array_equal(panel.values[0], WAVE[:24])
    assert any("skipped: a row number or id" in n for n in notes), notes


def test_a_panel_without_a_unique_id_column_is_found_by_its_repeating_times(tmp_path):
    from lstmcast.data import load_panel_csv
    rows = "".join(f"{t},{k},{v * k}\n" for k in (101, 102, 103) for t, v in zip(MONTHS, WAVE))
    notes = []
    # was: value column 'store', then 'duplicate time 2000-01-01'
    panel = load_panel_csv(_text(tmp_path, "date,store,sales\n" + rows), report=notes.append)
    assert list(panel.ids) == ["101", "102", "103"] and panel.target_col == "sales" and list(panel.lengths) == [24] * 3
    assert np.array_equal(panel.values[1], WAVE[:24] * 102)
    assert any("read as a panel: 3 series told apart by column 'store'" in n for n in notes), notes
    dup = "date,price,sales\n" + "".join(f"{t},{i},{v}\n" for i, (t, v) in enumerate(zip(MONTHS + MONTHS[-1:], WAVE)))
    with pytest.raises(Exception, match=r"duplicate time 2001-12-01 in column 'date'"):   # a measure is no id
        load_panel_csv(_text(tmp_path, dup, "dup.csv"))


def test_smape_near_the_largest_float():
    from lstmcast.evaluate.metrics import smape
    assert smape([1.7e308], [1.5e308]) == pytest.approx(12.5, rel=1e-12)   # was 0: den = inf
    assert smape([3.0, 0.0], [1.0, 0.0]) == 50.0 and smape([2.0], [2.0]) == 0.0


def test_business_days_with_holidays_suggest_freq_b(tmp_path):
    days = pd.bdate_range("2020-01-01", periods=60).delete([13, 33])        # two holidays
    p = _text(tmp_path, "Date,Close\n" + "".join(f"{t.date()},{v}\n" for t, v in zip(days, WAVE)))
    check_error(*run_cli("fit", p, "--model", tmp_path / "m"),
                r"cannot infer the frequency: no series has 3 or more evenly spaced timestamps \(the longest series "
                r"is on weekdays only, with gaps such as holidays: try --freq B, with --fill for the gaps\)")


def test_one_date_a_month_on_varying_days(tmp_path):
    days = [pd.Timestamp(2000 + i // 12, i % 12 + 1, 10 + (i * 7) % 15) for i in range(30)]
    p = _text(tmp_path, "date,value\n" + "".join(f"{t.date()},{v}\n" for t, v in zip(days, WAVE)))
    check_error(*run_cli("fit", p, "--model", tmp_path / "m"),
                r"\(the longest series has one date a month, on varying days: write them as months, e\.g\. 2000-01, "
                r"or as the first of each month\)")


def test_forecast_model_that_is_a_file(tmp_path):
    csv = write_series(tmp_path / "s.csv", WAVE.tolist())
    check_error(*run_cli("forecast", "--model", csv, "--horizon", "2"),
                r"s\.csv: is a file, not a model directory \(the folder `lstmcast fit --model` wrote\)")


def test_long_time_columns_parse_as_cell_by_cell():
    # 300,000 dd/mm/yyyy times took 8 s cell by cell (dateutil); one format for all now, same answers
    from lstmcast.data.series import _parse_times
    t = pd.date_range("2021-03-20", periods=1500, freq="h", tz="Europe/Berlin")
    got = _parse_times(pd.Series([x.strftime("%d/%m/%Y %H:%M") for x in t.tz_localize(None)], name="t"))
    assert got.tolist() == list(t.tz_localize(None))
    mixed = _parse_times(pd.Series([x.isoformat() for x in t], name="t"))          # two offsets: UTC
    assert mixed.tolist() == list(t.tz_convert("UTC"))
    odd = [x.strftime("%Y-%m-%d") for x in t.tz_localize(None)]
    odd[700] = "March 3, 2021"                                                     # one other format
    assert _parse_times(pd.Series(odd, name="t")).iloc[700] == pd.Timestamp("2021-03-03")


@pytest.mark.parametrize("header, row, freq", [
    ("year,quarter,gdp", lambda i, v: f"{1960 + i // 4},{i % 4 + 1},{v}", "QS"),       # statsmodels' macrodata
    ("Series id,Year,Period,Value", lambda i, v: f"X,{1960 + i // 4},Q0{i % 4 + 1},{v}", "QS"),   # BLS
    ("year,month,sales", lambda i, v: f"{1960 + i // 12},{i % 12 + 1},{v}", "MS"),
])
def test_years_and_quarters_or_months_in_two_columns(tmp_path, header, row, freq):
    from lstmcast.data import load_panel_csv
    # was: the quarter taken for the values, then 'duplicate time 1960-01-01'
    panel = load_panel_csv(_text(tmp_path, header + "\n" + "".join(row(i, v) + "\n" for i, v in enumerate(WAVE))))
    assert panel.freq.startswith(freq) and panel.starts[0] == pd.Timestamp("1960-01-01") and len(panel) == 1
    assert np.array_equal(panel.values[0], WAVE) and panel.target_col == header.split(",")[-1]


def test_a_wide_file_says_reshape(tmp_path):
    text = "country,1960,1961,1962,1963\nA,1,2,3,4\nB,5,6,7,8\n"
    check_error(*run_cli("fit", _text(tmp_path, text), "--model", tmp_path / "m"),
                r"d\.csv: the file is wide: its column names are times \(1960, 1961, 1962, \.\.\.\), one row per "
                r"series; lstmcast reads long files, one row per series and time: reshape it")


def test_empty_rows_off_the_step_do_not_hide_the_frequency(tmp_path):
    from lstmcast.data import load_panel_csv
    rows = [f"{d},{v}" for d, v in zip(MONTHS, WAVE)]
    rows.insert(3, "2000-03-05,")                       # as matplotlib's Stocks.csv: days with no values
    rows.insert(9, "2000-08-06,")
    panel = load_panel_csv(_text(tmp_path, "date,value\n" + "\n".join(rows) + "\n"))    # was: no frequency
    assert panel.freq == "MS" and panel.lengths[0] == 24 and np.array_equal(panel.values[0], WAVE[:24])
    rows[5] = rows[5].split(",")[0] + ",x"                                       # line numbers still right
    with pytest.raises(Exception, match=r"line 7: 'x' is not a number"):
        load_panel_csv(_text(tmp_path, "date,value\n" + "\n".join(rows) + "\n", "x.csv"))
    rows[5] = "2000-04-09,7"                                                     # a value off the grid: refused
    with pytest.raises(Exception, match=r"y\.csv: cannot infer the frequency.*one date a month, on varying days"):
        load_panel_csv(_text(tmp_path, "date,value\n" + "\n".join(rows) + "\n", "y.csv"))


def test_the_plot_shows_a_series_that_has_a_forecast(tmp_path, monkeypatch):
    rows = "".join(f"{k},{d},{v}\n" for k in ("a", "b") for d, v in
                   zip(pd.date_range("2000-01-01", periods=48, freq="MS").date, [""] * 48 if k == "a" else WAVE))
    code, _, err = run_cli("fit", _text(tmp_path, "unique_id,ds,y\n" + rows), "--model", tmp_path / "m", *FAST,
                           "--combination", "lstm", "--quiet")
    assert code == 0, err
    seen = {}
    import lstmcast.cli.forecast as command
    monkeypatch.setattr(command, "plot_forecast", lambda hist, fc, path, title="", levels=(): seen.update(
        title=title, n=len(fc), finite=bool(np.isfinite(hist).any())))
    code, _, err = run_cli("forecast", "--model", tmp_path / "m", "--horizon", "2", "--plot", tmp_path / "p.png")
    assert code == 0, err
    assert "series 'b' of 2" in seen["title"] and seen["n"] == 2 and seen["finite"], seen   # was 'a': no values


def test_a_row_with_too_many_fields(tmp_path):
    rows = [f"{d},{v}" for d, v in zip(MONTHS, WAVE)]
    rows[10] += ",9,9"
    check_error(*run_cli("fit", _text(tmp_path, "date,value\n" + "\n".join(rows) + "\n"), "--model", tmp_path / "m"),
                r"d\.csv: line 12 has 4 fields but the lines before it have 2: quote cells that contain the "
                r"delimiter, delete note lines above the header, or pass --sep")


def test_a_model_whose_scope_trials_both_failed_saves_and_loads(tmp_path):
    """Series too short for the scope trials (each loses its last season) but long enough to fit: both
    trials fail (score inf), the fit goes on in global scope, and the model file stores the failed scores
    as null; it loaded as 'corrupt' before (JSON Infinity refused by the checks)."""
    import numpy as np
    import pandas as pd

    from lstmcast import Forecaster
    rng = np.random.default_rng(0)
    df = pd.concat([pd.DataFrame({"unique_id": k, "ds": pd.date_range("2000-01-01", periods=40, freq="MS"),
                                  "y": np.arange(40.0) + j + rng.normal(size=40)}) for j, k in enumerate("ab")])
    fc = Forecaster(epochs=2, seeds=1, units=(4,), model="lstm").fit(df)
    assert fc.scope_scores_ == {"local": float("inf"), "global": float("inf")} and fc.scope_ == "global"
    fc.save(tmp_path / "m")
    back = Forecaster.load(tmp_path / "m")
    assert back.scope_scores_ == fc.scope_scores_
    pd.testing.assert_frame_equal(back.forecast(3), fc.forecast(3))


@pytest.mark.slow
def test_failed_differencing_scores_round_trip_as_null(tmp_path):
    """A differencing candidate whose trials failed scores inf (or NaN): the file stores null, which loads
    back as inf (JSON Infinity / NaN were refused as a corrupt model)."""
    import json

    import numpy as np

    from lstmcast import Forecaster, datasets
    fc = Forecaster(epochs=2, seeds=1, units=(4,), model="lstm").fit(datasets.airline())
    scores = fc.diff_scores_[0]
    assert scores
    worst = max(scores, key=scores.get)
    scores[worst], scores["9"] = float("inf"), float("nan")
    fc.save(tmp_path / "m")
    stored = json.loads((tmp_path / "m" / "config.json").read_text())["series"]["diff_scores"]["0"]
    assert stored[worst] is None and stored["9"] is None
    back = Forecaster.load(tmp_path / "m").diff_scores_[0]
    assert back[worst] == float("inf") and back["9"] == float("inf")
    assert all(back[k] == v for k, v in scores.items() if np.isfinite(v))
