"""Dates outside pandas' nanosecond range (issue 25): read with a whole-year shift inside (data/era.py), the
user's dates in every output (forecast CSV, evaluate JSON, model files); a grid is never padded past what can
be held; what cannot be held is a one-line error naming the row."""
import json

import numpy as np
import pandas as pd
import pytest
from helpers import check_error, run_cli

from lstmcast.data import era, validate_panel
from lstmcast.errors import DataError

FAST = ["--epochs", "1", "--seeds", "1", "--diff", "1", "--combination", "lstm", "--quiet"]


def _yearly(path, first, n, header="year,ring_width"):
    rng = np.random.default_rng(first)
    y = 1 + 0.3 * np.sin(np.arange(n) / 7) + rng.normal(0, 0.1, n)
    path.write_text(header + "\n" + "".join(f"{first + i},{v:.3f}\n" for i, v in enumerate(y)))
    return path


def test_wide_times_reads_any_year_and_refuses_non_dates():
    t = era.wide_times(pd.Series(["1380", "1380-07", "1380Q3", "1676-02-29", "9999-12-01 06:30", "12345",
                                  "1381-02-30", "1380-13", "soon", "13/01/2000"]))
    want = ["1380-01-01", "1380-07-01", "1380-07-01", "1676-02-29", "9999-12-01T06:30", "12345-01-01"]
    assert list(t[:6]) == [np.datetime64(w, "s") for w in want]
    assert np.isnat(t[6:]).all()                             # Feb 30, month 13, text, day-first: not here


@pytest.mark.parametrize("first,freq", [(1380, "MS"), (1676, "D"), (2261, "QS"), (9999, "h")])
def test_shift_round_trips_exactly_and_keeps_the_grid(first, freq):
    move = first - 2000 if freq in ("MS", "QS") else (first - 2000) // 400 * 400
    t = era.shift_times(pd.date_range("2000-01-01", periods=500, freq=freq).to_numpy(), move)
    years = era.choose_shift(t)
    inside = era.shift_times(t, years)
    assert (era.shift_times(inside, -years) == t).all()
    idx = pd.DatetimeIndex(inside.astype("datetime64[ns]"))
    assert pd.infer_freq(idx) == pd.infer_freq(pd.date_range("2000-01-01", periods=5, freq=freq))
    if freq in ("D", "h"):   # 400-year cycles: the same weekdays (a daily grid keeps its business days)
        assert years % 400 == 0


def test_a_400_year_shift_keeps_weekdays_and_leap_days():
    t = np.array(["1600-02-29", "1676-03-01T13:00"], "datetime64[s]")
    u = era.shift_times(t, 400)
    assert list(u) == list(np.array(["2000-02-29", "2076-03-01T13:00"], "datetime64[s]"))
    assert list(pd.DatetimeIndex(u).dayofweek) == [1, 6]            # Tuesday 1600-02-29, Sunday 1676-03-01


@pytest.mark.parametrize("first,n,freq", [(1380, 300, "YS"), (1500, 120, "MS"), (1676, 40, "QS"),
                                          (2250, 40, "QS"), (9990, 10, "YS")])
def test_validate_panel_of_another_era_gives_the_users_dates_back(first, n, freq):
    ds = era.shift_times(pd.date_range("1700-01-01", periods=n, freq=freq).to_numpy(), first - 1700)
    df = pd.DataFrame({"unique_id": "a", "ds": [str(d)[:10] for d in ds], "y": np.arange(n, dtype=float) % 7})
    p = validate_panel(df)
    assert p.years != 0 and p.freq.startswith(freq[0])
    out = p.to_frame()
    assert [str(d)[:10] for d in out["ds"].to_numpy()] == list(df["ds"])          # the user's labels, all of them
    future = p.localize(p.future_index(0, 12))
    want = era.shift_times(pd.date_range("1700-01-01", periods=n + 12, freq=freq).to_numpy()[n:], first - 1700)
    assert list(future.to_numpy()) == list(want)


def test_modern_data_is_not_moved():
    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("1990-01-01", periods=24, freq="MS"),
                       "y": 1.0 + np.arange(24)})
    p = validate_panel(df)
    assert p.years == 0 and p.to_frame()["ds"].dtype == "datetime64[ns]"


def test_a_span_too_long_to_hold_is_one_line_naming_the_row():
    df = pd.DataFrame({"unique_id": "a", "ds": [str(y) for y in range(1300, 1950)], "y": 1.0})
    with pytest.raises(DataError, match=r"column 'ds', row 649: '1949' cannot be held with '1300' \(row 0\): the "
                                        r"times span 649 years, and lstmcast holds at most 584 years"):
        validate_panel(df)


def test_a_grid_is_never_padded_past_2262_and_a_horizon_past_it_is_one_line():
    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2100-01-01", periods=90, freq="YS"), "y": np.arange(90.)})
    p = validate_panel(df)
    assert p.years == 0 and p.index(0)[-1] == pd.Timestamp("2189-01-01")      # no OutOfBounds from padding
    assert p.future_index(0, 70)[-1] == pd.Timestamp("2259-01-01")
    with pytest.raises(DataError, match=r"series 'a': 80 steps after its end run past 2262-04-11"):
        p.future_index(0, 80)


@pytest.mark.slow
@pytest.mark.parametrize("first,n,h", [(1380, 300, 10), (1600, 70, 12), (2235, 27, 12), (9970, 30, 5)])
def test_fit_forecast_evaluate_keep_the_years(tmp_path, first, n, h):
    """Tree-ring style yearly data: 1380, 1600 -> 1682 (forecast crosses 1677), 2235 -> 2273 (crosses 2262),
    9970 -> 10004 (crosses 9999): fit, forecast, evaluate, all with the file's years."""
    csv = _yearly(tmp_path / "t.csv", first, n)
    code, out, err = run_cli("fit", csv, "--model", tmp_path / "m", *FAST)
    assert code == 0, err
    code, out, err = run_cli("forecast", "--model", tmp_path / "m", "--horizon", h, "--out", tmp_path / "f.csv",
                             "--plot", tmp_path / "f.png", "--quiet")
    assert code == 0, err
    f = pd.read_csv(tmp_path / "f.csv", dtype={"year": str})
    assert list(f["year"]) == [f"{first + n + k}-01-01" for k in range(h)]
    assert np.isfinite(f["mean"]).all() and (tmp_path / "f.png").stat().st_size > 1000
    code, out, err = run_cli("evaluate", csv, "--horizon", 3, "--windows", 2, "--json", *FAST,
                             "--models", "lstm,naive")
    assert code == 0, err
    assert json.loads(out)["cutoffs"] == [f"{first + n - 7}-01-01", f"{first + n - 4}-01-01"]


def test_cli_refuses_a_span_it_cannot_hold_naming_the_line(tmp_path):
    csv = _yearly(tmp_path / "t.csv", 1300, 650)
    check_error(*run_cli("fit", csv, "--model", tmp_path / "m", *FAST),
                r"t\.csv: column 'year', line 651: '1949' cannot be held with '1300' \(line 2\)")


@pytest.mark.parametrize("freq, first", [("Y", "1380"), ("Q", "1500Q2"), ("M", "1600-03"), ("Y", "1990")])
def test_a_period_index_of_any_era_through_the_api(freq, first):
    """A pandas Series on a PeriodIndex (any era) forecasts from the period after its last, dated at the
    periods' starts, as a modern PeriodIndex's start times are."""
    from lstmcast import Forecaster
    idx = pd.period_range(first, periods=40, freq=freq)
    y = pd.Series(np.arange(40.0) % 4 + 10, index=idx)
    out = Forecaster(model="pretrained").fit(y).forecast(2)
    nxt = pd.period_range(idx[-1] + 1, periods=2, freq=freq)
    want = [f"{p.year:04d}-{(p.quarter - 1) * 3 + 1 if freq == 'Q' else p.month if freq == 'M' else 1:02d}-01"
            for p in nxt]
    assert [str(t)[:10] for t in out["ds"]] == want


def test_a_reason_names_a_date_past_year_9999():
    """A missing value at 10000-01-01 (found by test_fuzz_round2.py): the reason names it instead of raising
    Timestamp.date()'s NotImplementedError."""
    df = pd.DataFrame({"unique_id": "a", "ds": [f"{y}-01-01" for y in range(9990, 10001)],
                       "y": [float(k) for k in range(10)] + [np.nan]})
    p = validate_panel(df)
    assert p.status[0] == "missing" and "first at 10000-01-01" in p.reason[0], p.reason[0]
