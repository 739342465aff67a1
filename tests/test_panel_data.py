"""Panels (long frames unique_id, ds, y): structural errors, per-series statuses, layout on the grid."""
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmcast import datasets
from lstmcast.data import (
    DataError,
    Panel,
    as_panel,
    load_csv,
    load_panel_csv,
    summary_line,
    validate_panel,
    validate_series,
)

MS = pd.date_range("2001-01-01", periods=24, freq="MS")
DATA = Path(__file__).parent / "data"


def long(rows, cols=("unique_id", "ds", "y")):
    return pd.DataFrame(rows, columns=list(cols))


def csv(tmp_path, text, name="p.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def three_series():
    """A: 10 months from Jan; B: 6 from Apr; C: 4 from Mar (ends differ too)."""
    rows = [("A", d, float(i)) for i, d in enumerate(MS[:10])]
    rows += [("B", d, float(i * i)) for i, d in enumerate(MS[3:9])]
    rows += [("C", d, 10.0 - i) for i, d in enumerate(MS[2:6])]
    return long(rows)


# STRUCTURAL ERRORS: ONE LINE, NAMING FILE, COLUMN, LINE AND VALUE

@pytest.mark.parametrize("text,kw,match", [
    ("unique_id,ds,y\nA,2001-01-01,1\nA,2001-02-01,2\nA,2001-03-01,3\nB,2001-01-01,4\nB,2001-01-15,5\n"
     "B,2001-02-01,6\n", {},
     r"p\.csv: mixed frequencies: series 'B', line 6: 2001-01-15 is not on the 'MS' grid; give every "
     r"series the same frequency, or set it with --freq$"),
    ("unique_id,ds,y\nA,2001-01-01,1\nA,2001-02-01,2\nA,2001-03-01,3\nB,2001-01-01 10:30,4\n", {"freq": "MS"},
     r"mixed frequencies: series 'B', line 5: 2001-01-01 10:30:00 is not on the 'MS' grid"),
    ("unique_id,ds,y\nA,2001-01-01,1\nA,2001-02-01,2\nB,2001-01-01,4\nA,2001-03-01,3\nB,2001-01-01,5\n", {},
     r"p\.csv: duplicate \(unique_id, ds\) = \('B', 2001-01-01\) at line 4 and line 6; keep one row per "
     r"series and time"),
    ("store,when,units\nA,2001-01-01,1\nA,2001-13-01,2\nA,2001-03-01,3\n", {"id_col": "store"},
     r"p\.csv: column 'when', line 3: '2001-13-01' is not a date"),
    ("store,when,units\nA,2001-01-01,1\nA,2001-02-01,2\nA,2001-03-01,3x\n", {"id_col": "store"},
     r"p\.csv: column 'units', line 4: '3x' is not a number"),
    ("store,when,units\nA,2001-01-01,1\nA,2001-02-01,1_000\nA,2001-03-01,3\n", {"id_col": "store"},
     r"p\.csv: column 'units', line 3: '1_000' is not a number"),
    ("store,when,units\nA,2001-01-01,1\n,2001-02-01,2\nA,2001-03-01,3\n", {"id_col": "store"},
     r"p\.csv: column 'store', line 3: the series id is missing; every row needs one"),
    ("store,when,units\nA,2001-01-01,1\n", {"id_col": "shop"},
     r"p\.csv: no column 'shop' for the series ids; columns are \['store', 'when', 'units'\]"),
    ("store,when,units\nA,2001-01-01,1\n", {"id_col": "store", "value_col": "sales"},
     r"p\.csv: no column 'sales' for values"),
    ("unique_id,ds,y\nA,2001-01-01,1\nA,2001-02-01,2\nA,2001-05-01,3\nB,2001-01-01,4\nB,2001-03-01,5\n", {},
     r"p\.csv: cannot infer the frequency: no series has 3 or more evenly spaced timestamps; give one with "
     r"--freq"),
    ("unique_id,ds,y\nA,2001-01-01,1\nA,2001-02-01,2\nA,2001-03-01,3\n", {"freq": "monthly"},
     r"p\.csv: 'monthly' is not a pandas frequency"),
    ("unique_id,ds,y\nA,2001-01-01,1\nA,2001-02-01,2\nA,2001-03-01,3\n", {"fill": "zero"},
     r"p\.csv: unknown fill 'zero'; use one of \('interpolate', 'ffill'\)"),
])
def test_structural_errors_name_file_column_line_value(tmp_path, text, kw, match):
    with pytest.raises(DataError, match=match):
        load_panel_csv(csv(tmp_path, text), **kw)


@pytest.mark.parametrize("content,match", [(None, r"x\.csv: no such file"),
                                           ("", r"x\.csv: the file is empty"),
                                           ("unique_id,ds,y\n", r"x\.csv: has a header but no data rows")])
def test_unreadable_files(tmp_path, content, match):
    p = tmp_path / "x.csv"
    if content is not None:
        p.write_text(content)
    with pytest.raises(DataError, match=match):
        load_panel_csv(p)


def test_frame_errors_name_the_row_label_and_the_api_argument():
    df = three_series()
    with pytest.raises(DataError, match=r"data: no column 'y' for the values; columns are \['unique_id', 'ds'\]; "
                                        r"name it with --value-col \(target_col= in the API\)"):
        validate_panel(df.drop(columns="y"))
    with pytest.raises(DataError, match=r"no column 'id' for the series ids"):
        validate_panel(df, id_col="id")
    bad = df.copy()
    bad.loc[7, "ds"] = pd.NaT
    with pytest.raises(DataError, match=r"data: column 'ds', row 7: the time is missing"):
        validate_panel(bad)
    with pytest.raises(DataError, match=r"duplicate \(unique_id, ds\) = \('A', 2001-01-01\) at row 0 and row 20"):
        validate_panel(pd.concat([df, df.iloc[:1]], ignore_index=True))
    with pytest.raises(DataError, match=r"data: expected a DataFrame .* got list"):
        validate_panel([1, 2])
    with pytest.raises(DataError, match=r"data: no data rows"):
        validate_panel(df.iloc[:0])
    with pytest.raises(DataError, match=r"expected a long DataFrame .* got ndarray"):
        as_panel(np.zeros(3))


# PER-SERIES PROBLEMS FLAG THE SERIES; STRICT MAKES THEM ERRORS

FLAGGED = ("unique_id,ds,y\n"
           "ok,2001-01-01,1\nok,2001-02-01,2\nok,2001-03-01,4\nok,2001-04-01,3\n"          # lines 2-5
           "miss,2001-01-01,1\nmiss,2001-02-01,\nmiss,2001-03-01,NA\nmiss,2001-04-01,3\n"  # lines 6-9
           "gap,2001-01-01,1\ngap,2001-02-01,2\ngap,2001-05-01,5\n"                          # lines 10-12
           "inf,2001-01-01,1\ninf,2001-02-01,-inf\ninf,2001-03-01,3\n"                       # lines 13-15
           "flat,2001-02-01,7\nflat,2001-03-01,7\nflat,2001-04-01,7\n"                       # lines 16-18
           "none,2001-03-01,\nnone,2001-04-01,nan\n")                                        # lines 19-20
REASONS = {
    "ok": ("ok", ""),
    "miss": ("missing", "2 missing values, first at 2001-02-01 (line 7)"),
    "gap": ("gaps", "2 missing timestamps (gaps), first at 2001-03-01 (after line 11)"),
    "inf": ("infinite", "1 infinite value, first at 2001-02-01 (line 14): -inf"),
    "flat": ("constant", "constant: all 3 values are 7 (from line 16)"),
    "none": ("empty", "no finite value in 2 points (first at line 19); 2 missing values, first at 2001-03-01 "
                      "(line 19)"),
}


def test_each_per_series_problem_is_flagged_with_its_line(tmp_path):
    p = load_panel_csv(csv(tmp_path, FLAGGED))
    assert isinstance(p, Panel) and list(p.ids) == sorted(REASONS) and p.freq == "MS"
    table = p.per_series().set_index("unique_id")
    for sid, (status, reason) in REASONS.items():
        assert (table.loc[sid, "status"], table.loc[sid, "reason"]) == (status, reason), sid
    assert table.loc["gap", "length"] == 5 and np.isnan(p.values[list(p.ids).index("gap")][2:4]).all()
    assert list(p.ok) == [s == "ok" for s in sorted(REASONS)]
    assert summary_line(p) == ("5 of 6 series fall back to a baseline: 1 constant, 1 missing values, 1 gaps, "
                               "1 infinite values, 1 no finite value")
    with pytest.raises(DataError, match=r"^\S*p\.csv: series 'flat', column 'y': constant: all 3 values are 7 "
                                        r"\(from line 16\); drop this series, or turn strict off"):
        load_panel_csv(tmp_path / "p.csv", strict=True)   # the first flagged series in id order
    p.set_status(list(p.ids).index("ok"), "too_short", "4 points; look_back 12 needs 13")
    assert summary_line(p.subset([0, 3, 5])) == ("3 of 3 series fall back to a baseline: 1 too short, "
                                                 "1 constant, 1 missing values")
    assert summary_line(p.subset([3])) == "1 of 1 series falls back to a baseline: 1 missing values"


@pytest.mark.parametrize("sid", ["miss", "gap", "inf", "flat", "none"])
def test_strict_turns_each_problem_into_an_error(tmp_path, sid):
    df = pd.read_csv(csv(tmp_path, FLAGGED))          # a frame: messages name its index labels (line - 2)
    one = df[df.unique_id.isin([sid, "ok"])]
    reason = REASONS[sid][1]
    reason = re.sub(r"line (\d+)", lambda m: f"row {int(m.group(1)) - 2}", reason)
    assert validate_panel(one, freq="MS").reason.tolist() == ([reason, ""] if sid < "ok" else ["", reason])
    with pytest.raises(DataError, match=rf"^data: series '{sid}', column 'y': {re.escape(reason)}; .*, or turn "
                                        r"strict off to flag the series and forecast it with a fallback$"):
        validate_panel(one, freq="MS", strict=True)
    assert validate_panel(df[df.unique_id == "ok"], strict=True).ok.all()


def test_fill_interpolates_values_and_gaps_per_series_as_pandas_does():
    rows = [("a", MS[i], v) for i, v in [(0, np.nan), (1, np.nan), (2, 2.0), (3, np.nan), (5, 8.0), (6, np.nan)]]
    rows += [("b", MS[i], float(i)) for i in (1, 2, 4)]
    df = long(rows)
    for fill in ("interpolate", "ffill"):
        p = validate_panel(df, freq="MS", fill=fill)
        for k, sid in enumerate("ab"):
            s = df[df.unique_id == sid].set_index("ds")["y"].asfreq("MS")
            ref = (s.interpolate() if fill == "interpolate" else s.ffill()).dropna()
            pd.testing.assert_series_equal(p.series(k), ref.rename(sid), check_names=False)
        assert p.status.tolist() == ["ok", "ok"] and p.starts[0] == MS[2]
        assert p.reason[0] == "dropped 2 leading missing values that fill cannot reach" and p.reason[1] == ""
    p = validate_panel(df, freq="MS")
    assert p.status.tolist() == ["missing", "gaps"] and p.starts[0] == MS[0]


def test_row_order_does_not_matter():
    df = pd.concat([three_series(), long([("D", MS[1], np.nan), ("D", MS[2], 1.0), ("D", MS[4], 2.0)])],
                   ignore_index=True)
    p = validate_panel(df)
    for seed in range(3):
        assert validate_panel(df.sample(frac=1.0, random_state=seed)) == p
    assert p.status.tolist() == ["ok", "ok", "ok", "missing"]


def test_different_starts_and_ends_methods():
    p = validate_panel(three_series())
    assert list(p.ids) == ["A", "B", "C"] and p.lengths.tolist() == [10, 6, 4]
    assert list(p.starts) == [MS[0], MS[3], MS[2]] and list(p.ends) == [MS[9], MS[8], MS[5]]
    assert p.index(1).equals(pd.DatetimeIndex(MS[3:9], name="ds")) and p.index(1).freqstr == "MS"
    assert list(p.future_index(2, 2)) == [MS[6], MS[7]]
    assert p.series(1).tolist() == [0, 1, 4, 9, 16, 25] and p.series(1).name == "B"
    sub = p.subset(np.array([False, True, True]))
    assert list(sub.ids) == ["B", "C"] and sub == p.subset([1, 2]) and len(p.subset([])) == 0
    sub.set_status(0, "too_short", "6 points; look_back 12 needs 13")
    assert sub.status.tolist() == ["too_short", "ok"] and p.status.tolist() == ["ok", "ok", "ok"]
    with pytest.raises(ValueError, match="unknown status 'bad'"):
        sub.set_status(0, "bad", "")
    cut = p.truncate(np.array([4, 0, 9]))
    assert cut.lengths.tolist() == [5, 1, 4] and list(cut.ends) == [MS[4], MS[3], MS[5]]
    assert p.truncate(2).lengths.tolist() == [3, 3, 3]
    with pytest.raises(ValueError, match="end position -1 for series 'B' is negative"):
        p.truncate([3, -1, 2])
    per = p.per_series()
    assert per.columns.tolist() == ["unique_id", "length", "start", "end", "status", "reason"]
    assert summary_line(p) == "all 3 series are usable"


def test_to_frame_round_trip_and_frequencies():
    df = three_series()
    p = validate_panel(df)
    pd.testing.assert_frame_equal(p.to_frame(), df)
    hours = pd.date_range("2020-01-01 10:00", periods=30, freq="h")
    df = long([(7, t, float(i)) for i, t in enumerate(hours[:20])] + [(3, t, -float(i)) for i, t in
                                                                      enumerate(hours[5:30:1])])
    p = validate_panel(df)
    assert p.freq == "h" and p.ids.tolist() == [3, 7] and p.ids.dtype == np.int64
    assert validate_panel(p.to_frame()) == p and list(p.ends) == [hours[29], hours[19]]
    weeks = pd.date_range("2020-01-05", periods=8, freq="W-SUN")
    p = validate_panel(long([("w", t, float(i)) for i, t in enumerate(weeks)] + [("v", weeks[3], 1.0),
                                                                                   ("v", weeks[6], 2.0)]))
    assert p.freq == "W-SUN" and p.per_series().status.tolist() == ["gaps", "ok"] and p.lengths.tolist() == [4, 8]
    qs = pd.PeriodIndex(["2001Q2", "2001Q3", "2001Q4", "2002Q1"], freq="Q")
    p = validate_panel(long([("q", t, float(i)) for i, t in enumerate(qs)]))
    assert p.freq == "QS-OCT" and p.starts[0] == pd.Timestamp("2001-04-01")


def test_mixed_id_types_sort_and_gaps_in_every_series_still_infer_the_frequency():
    df = long([(2, MS[0], 1.0), ("b", MS[1], 2.0), (2, MS[2], 3.0), ("b", MS[0], 4.0), ("a", MS[2], 5.0)])
    p = validate_panel(df)
    assert p.ids.tolist() == [2, "a", "b"] and p.freq == "MS" and p.status.tolist() == ["gaps", "ok", "ok"]


# ONE SERIES: A pd.Series AND TODAY'S SINGLE-SERIES CSV

def test_a_series_and_a_single_series_csv_are_one_series_panels(tmp_path):
    y = datasets.airline()
    p = as_panel(y)
    assert len(p) == 1 and p.ids[0] == y.name and p.freq == "MS" and p.series(0).equals(y)
    notes = []
    q = load_panel_csv(datasets.AIRLINE_CSV, report=notes.append)
    ref = load_csv(datasets.AIRLINE_CSV)
    assert len(q) == 1 and q.ids[0] == ref.name and np.array_equal(q.values[0], ref.to_numpy())
    assert q.starts[0] == ref.index[0] and q.freq == ref.index.freqstr
    assert any("footer" in n for n in notes) and not any("panel" in n for n in notes)
    f = csv(tmp_path, "t,v\n2001Q1,1\n2001Q2,2\n2001Q3,4\n2001Q4,3\n")
    assert load_panel_csv(f).series(0).equals(load_csv(f).rename("v"))
    s = pd.Series([1.0, 2, 4], index=pd.period_range("2000", periods=3, freq="Y"))
    r = as_panel(s)
    assert r.ids[0] == "series" and r.series(0).tolist() == validate_series(s).tolist() and r.freq == "YS-JAN"
    df = pd.DataFrame({"ds": MS[:5], "y": [1.0, 2, 3, 5, 8]})
    assert as_panel(df).series(0).tolist() == validate_series(df).tolist() and as_panel(df).ids[0] == "y"
    assert as_panel(p) is p


def test_unique_id_column_makes_a_panel_and_the_loader_says_so(tmp_path):
    f = csv(tmp_path, "ds,unique_id,price,y\n" + "".join(f"2001-{m:02d}-01,{k},{m}.5,{m * k}\n"
                                                         for k in (1, 2) for m in range(1, 5)))
    notes = []
    p = load_panel_csv(f, report=notes.append)
    assert notes[0] == "read as a panel: 2 series, column 'unique_id' (name another with --id-col)"
    assert p.ids.tolist() == ["1", "2"] and p.target_col == "price" and p.values[1].tolist() == [1.5, 2.5, 3.5, 4.5]
    p = load_panel_csv(f, value_col="y")
    assert p.values[1].tolist() == [2, 4, 6, 8] and p.to_frame().columns.tolist() == ["unique_id", "ds", "y"]


# HYPOTHESIS: RANDOM PANELS ROUND-TRIP THROUGH to_frame

@st.composite
def panels(draw):
    n = draw(st.integers(1, 6))
    ids = draw(st.lists(st.one_of(st.integers(-5, 50), st.text("abcXY_1", min_size=1, max_size=4)),
                        min_size=n, max_size=n, unique_by=lambda v: (isinstance(v, str), v)))
    freq = draw(st.sampled_from(["MS", "D", "W-SUN", "QS-OCT", "h"]))
    grid = pd.date_range("2000-01-02", periods=60, freq=freq)
    rows = []
    for sid in ids:
        start, length = draw(st.integers(0, 30)), draw(st.integers(1, 25))
        vals = draw(st.lists(st.floats(-1e6, 1e6), min_size=length, max_size=length))
        rows += [(sid, grid[start + i], v) for i, v in enumerate(vals)]
    return long(rows), freq


def no_reasons(p):
    q = p.subset(np.arange(len(p)))
    q.reason[:] = ""
    return q


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panels(), st.randoms())
def test_random_panels_round_trip(case, rnd):
    df, freq = case
    p = validate_panel(df, freq=freq)
    assert p.freq == freq and sorted(map(str, p.ids)) == sorted(map(str, set(df.unique_id)))
    back = p.to_frame()
    assert len(back) == len(df) and no_reasons(validate_panel(back, freq=freq)) == no_reasons(p)  # rows renumbered
    order = list(range(len(df)))
    rnd.shuffle(order)
    assert validate_panel(df.iloc[order], freq=freq) == p
    for k in range(len(p)):
        key = (isinstance(p.ids[k], str), p.ids[k])
        want = df[[(isinstance(v, str), v) == key for v in df.unique_id]].sort_values("ds")
        assert p.series(k).tolist() == want.y.tolist() and p.index(k).equals(pd.DatetimeIndex(want.ds))


def test_the_example_panel_file():
    notes = []
    p = load_panel_csv(DATA / "panel_monthly.csv", report=notes.append)
    assert notes == ["read as a panel: 4 series, column 'unique_id' (name another with --id-col)",
                     "time column: 'ds' (first column of dates)", "value column: 'y' (first numeric column)"]
    per = p.per_series().set_index("unique_id")
    assert per.length.to_dict() == {"east": 24, "north": 36, "south": 24, "west": 6}
    assert per.status.to_dict() == {"east": "missing", "north": "ok", "south": "ok", "west": "constant"}
    assert per.loc["east", "reason"] == "1 missing value, first at 2020-08-01 (line 69)"
    assert per.loc["south", "start"] == pd.Timestamp("2019-07-01")
    assert per.loc["south", "end"] == pd.Timestamp("2021-06-01")
    assert load_panel_csv(DATA / "panel_monthly.csv", fill="interpolate").values[0][7] == pytest.approx(101.0)
    with pytest.raises(DataError, match=r"column 'unique_id' cannot be both the series ids and the time column"):
        load_panel_csv(DATA / "panel_monthly.csv", time_col="unique_id")
    with pytest.raises(DataError, match=r"the id, time and value columns must differ; got 'y', 'ds', 'y'"):
        validate_panel(p.to_frame(), id_col="y")


cell = st.one_of(st.text(max_size=6), st.integers(-5, 5000).map(str), st.floats().map(str),
                 st.dates().map(str), st.sampled_from(["", "NA", "inf", "2020-13-45", "1960-01", "1999Q3", "a", "b"]))


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(cell, min_size=3, max_size=3), max_size=12), st.booleans(), st.booleans())
def test_garbage_panel_csv_gives_a_panel_or_one_line_error(tmp_path_factory, rows, header, strict):
    p = tmp_path_factory.mktemp("g") / "g.csv"
    text = ("unique_id,ds,y\n" if header else "") + "\n".join(",".join(r) for r in rows)
    p.write_bytes(text.encode("utf-8", "replace"))
    try:
        panel = load_panel_csv(p, strict=strict)
    except DataError as e:
        assert "\n" not in str(e) and str(p) in str(e)
        return
    assert len(panel) >= 1 and (panel.ok.all() or not strict)
    for v, s in zip(panel.values, panel.status):
        assert len(v) >= 1 and (s != "ok" or np.isfinite(v).all())


def test_docstring_examples_run():
    import doctest

    from lstmcast.data import panel, panel_check, panel_core
    for mod in (panel, panel_check, panel_core):
        result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0, mod.__name__
