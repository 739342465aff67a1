"""Calendar features (calendar=True, --calendar): built-in future covariates computed from the timestamps."""
import json
import re

import numpy as np
import pandas as pd
import pytest

from lstmcast import Forecaster
from lstmcast.data.calendar import calendar_columns, calendar_names
from lstmcast.errors import DataError
from lstmcast.evaluate.metrics import mase

DOW = ("cal_dow_mon", "cal_dow_tue", "cal_dow_wed", "cal_dow_thu", "cal_dow_fri", "cal_dow_sat", "cal_dow_sun")
PAT = np.array([0, 0, 1, 0, 0, 3, 3.0])     # by day of week, Monday first: a weekend block
N, H = 210, 14
# look_back=2: two values cannot tell the day of week (0, 0 comes three times a week), the calendar can
FAST = {"model": "lstm", "seeds": 2, "steps": 600, "look_back": 2, "horizon": 7, "transform": "none", "diff": ()}


def weekly_pattern(seed=0, n=N, h=H, start="2021-01-04"):
    """y = 10 + 2 PAT[day of week] + N(0, 0.1^2): the value depends only on the day of week."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range(start, periods=n + h, freq="D")
    df = pd.DataFrame({"unique_id": "s", "ds": ds, "y": 10 + 2 * PAT[ds.dayofweek] + 0.1 * rng.normal(size=n + h)})
    return df.iloc[:n], df.iloc[n:]


def test_calendar_columns_by_hand():
    s, c = np.sin, np.cos
    t = pd.DatetimeIndex(["2024-01-01", "2024-04-01", "2024-12-01"])
    assert calendar_names("MS") == ("cal_month_sin", "cal_month_cos")
    np.testing.assert_allclose(calendar_columns(t, "MS"),               # angle 2 pi (month - 1) / 12
                               [[0, 1], [1, 0], [s(11 * np.pi / 6), c(11 * np.pi / 6)]], atol=1e-12)
    t = pd.DatetimeIndex(["2023-10-01", "2024-01-01", "2024-04-01"])
    assert calendar_names("QS-OCT") == ("cal_quarter_sin", "cal_quarter_cos")
    np.testing.assert_allclose(calendar_columns(t, "QS-OCT"), [[-1, 0], [0, 1], [1, 0]], atol=1e-12)
    t = pd.DatetimeIndex(["2024-01-06", "2024-01-07", "2024-01-08"])    # Saturday, Sunday, Monday
    assert calendar_names("D") == DOW
    np.testing.assert_array_equal(calendar_columns(t, "D"), np.eye(7)[[5, 6, 0]])
    t = pd.DatetimeIndex(["2024-01-05", "2024-01-08"])                  # Friday, Monday
    assert calendar_names("B") == DOW[:5]
    np.testing.assert_array_equal(calendar_columns(t, "B"), np.eye(5)[[4, 0]])
    t = pd.DatetimeIndex(["2024-01-03 06:00", "2024-01-03 18:00"])      # a Wednesday
    assert calendar_names("h") == ("cal_hour_sin", "cal_hour_cos") + DOW
    np.testing.assert_allclose(calendar_columns(t, "h"), np.c_[[[1, 0], [-1, 0]], np.eye(7)[[2, 2]]], atol=1e-12)
    t = pd.DatetimeIndex(["2023-07-02", "2024-07-02"])                  # day 183 of 365, of 366
    np.testing.assert_allclose(calendar_columns(t, "W-SUN"),
                               [[s(2 * np.pi * 182 / 365), c(2 * np.pi * 182 / 365)],
                                [s(2 * np.pi * 183 / 366), c(2 * np.pi * 183 / 366)]], atol=1e-12)
    assert calendar_names("YS") == () and calendar_columns(t, "YS").shape == (2, 0)


@pytest.fixture(scope="module")
def fitted():
    train, test = weekly_pattern()
    return Forecaster(calendar=True, **FAST).fit(train), train, test


def test_day_of_week_pattern_needs_the_calendar(fitted):
    fc, train, test = fitted
    y, ytr = test.y.to_numpy(), train.y.to_numpy()
    with_cal = mase(y, fc.forecast(H)["mean"].to_numpy(), ytr, 7)
    without = mase(y, Forecaster(calendar=False, **FAST).fit(train).forecast(H)["mean"].to_numpy(), ytr, 7)
    assert with_cal <= 0.5 * without, (with_cal, without)                       # seen: 0.92 vs 2.40


def test_forecast_needs_no_future_frame_and_the_future_calendar_is_right(fitted):
    from lstmcast.data.covariates import with_future
    fc, train, test = fitted
    assert fc.cov_.futr_names == DOW and fc.cov_.user_futr == ()
    assert (fc.spec_.recipe.n_cov, fc.spec_.recipe.n_head) == (7, 7)          # no leads: cal_t, also into the head
    assert list(fc.make_future_frame(H).columns) == ["unique_id", "ds"]
    f = fc.forecast(H)
    assert list(f.ds) == list(test.ds) and np.abs(f["mean"].to_numpy() - test.y.to_numpy()).max() < 1.0
    fut = with_future(fc.cov_, fc.panel_, None, H).futr[0]                        # (N + H, 7)
    np.testing.assert_array_equal(fut[N:], np.eye(7)[test.ds.dt.dayofweek])
    np.testing.assert_array_equal(fut[:N], np.eye(7)[train.ds.dt.dayofweek])
    # scaled with the training part's statistics: 30 weeks, each day 1/7 of the rows
    loc, spread = fc.ensemble_.extra["cov_scaler"].futr
    np.testing.assert_allclose(loc[0], np.full(7, 1 / 7))
    np.testing.assert_allclose(spread[0], np.full(7, np.sqrt(1 / 7 * 6 / 7)))
    with pytest.raises(DataError, match=r"trained without future covariates to give; drop futr_df"):
        fc.forecast(H, futr_df=fc.make_future_frame(H))


@pytest.mark.slow
def test_monthly_panel_calendar_future_values():
    """Two monthly series starting in different months (global scope): each one's future month angles."""
    rng = np.random.default_rng(1)
    parts = []
    for k, start in (("a", "2000-01-01"), ("b", "2001-05-01")):
        ds = pd.date_range(start, periods=60, freq="MS")
        parts.append(pd.DataFrame({"unique_id": k, "ds": ds, "y": 5 + np.sin(2 * np.pi * (ds.month - 1) / 12)
                                   + 0.05 * rng.normal(size=60)}))
    df = pd.concat(parts, ignore_index=True)
    fc = Forecaster(calendar=True, seeds=1, steps=100, transform="none", scope="global").fit(df)
    from lstmcast.data.covariates import with_future
    assert fc.scope_ == "global" and fc.cov_.calendar == ("cal_month_sin", "cal_month_cos")
    cov = with_future(fc.cov_, fc.panel_, None, 5)
    for i, k in enumerate(("a", "b")):
        need = fc.make_future_frame(5)
        months = need[need.unique_id == k].ds.dt.month.to_numpy()
        ang = 2 * np.pi * (months - 1) / 12
        np.testing.assert_allclose(cov.futr[i][60:], np.c_[np.sin(ang), np.cos(ang)], atol=1e-12)
    assert len(fc.forecast(5)) == 10


def test_yearly_data_has_no_calendar_columns():
    ds = pd.date_range("1950-01-01", periods=40, freq="YS")
    df = pd.DataFrame({"unique_id": "s", "ds": ds, "y": np.arange(40.0) + 1})
    fc = Forecaster(calendar=True, seeds=1, steps=20, diff=(), transform="none").fit(df)
    assert fc.cov_ is None and fc.spec_.recipe.n_cov == 0
    with pytest.raises(DataError, match=r"calendar must be True, False or 'auto'; got 'yes'"):
        Forecaster(calendar="yes").fit(df)


def test_backtest_computes_the_calendar_per_cutoff(fitted):
    _, train, test = fitted
    df = pd.concat([train, test])
    for refit in (True, False):
        cv = Forecaster(calendar=True, **FAST).cross_validation(df, h=7, n_windows=2, refit=refit)
        assert len(cv) == 14 and cv.cutoff.nunique() == 2
        assert np.abs(cv["lstm"] - cv["y"]).max() < 1.0, (refit, cv)


def test_a_column_named_like_a_calendar_one_is_refused(fitted):
    train = fitted[1].assign(cal_dow_mon=1.0)
    with pytest.raises(DataError, match=r"covariate 'cal_dow_mon' has the name of a built-in one .*rename the column"):
        Forecaster(calendar=True, **FAST).fit(train, futr_exog=["cal_dow_mon"])


def test_save_load_round_trip(fitted, tmp_path):
    fc = fitted[0]
    fc.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "covariates.json").read_text())
    assert meta["calendar"] == list(DOW) and meta["covariates"]["futr_exog"] == list(DOW)
    assert json.loads((tmp_path / "m" / "config.json").read_text())["resolved"]["calendar"] is True
    back = Forecaster.load(tmp_path / "m")
    assert back.cov_.calendar == DOW
    pd.testing.assert_frame_equal(back.forecast(H, level=[80]), fc.forecast(H, level=[80]))
    for bad, msg in ((["cal_month_sin"], r"covariates.json: corrupt .*calendar columns are not among the future"),
                     (list(DOW[2:]), r"calendar columns \['cal_dow_wed', .*\] are not those of frequency 'D'"),
                     (7, r"covariates.json: corrupt \(TypeError")):
        (tmp_path / "m" / "covariates.json").write_text(json.dumps({**meta, "calendar": bad}))
        with pytest.raises(DataError, match=msg):
            Forecaster.load(tmp_path / "m")


def test_old_model_file_with_calendar_inputs_is_refused(fitted, tmp_path):
    """Format 2 files of older versions had sin/cos inputs inside the network ("calendar": true and no
    calendar covariates): their input layout is gone, so loading says to refit."""
    Forecaster(calendar=False, **FAST).fit(fitted[1]).save(tmp_path / "old")
    cfg = json.loads((tmp_path / "old" / "config.json").read_text())
    cfg["resolved"]["calendar"] = cfg["hyper_parameters"]["calendar"] = True
    (tmp_path / "old" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(DataError, match=r"saved by an older lstmcast whose calendar inputs are no longer read.*"
                                        r"fit the model again \(--calendar\)"):
        Forecaster.load(tmp_path / "old")


def test_cli_fit_calendar_then_forecast(fitted, tmp_path):
    from helpers import run_cli
    _, train, test = fitted
    train.drop(columns="unique_id").rename(columns={"ds": "date", "y": "value"}).to_csv(tmp_path / "d.csv",
                                                                                          index=False)
    code, _, err = run_cli("fit", tmp_path / "d.csv", "--calendar", "--model", tmp_path / "m", "--seeds", "2",
                           "--steps", "600", "--look-back", "2", "--direct-horizon", "7", "--transform", "none",
                           "--diff", "none", "--quiet")
    assert code == 0, err
    assert json.loads((tmp_path / "m" / "covariates.json").read_text())["calendar"] == list(DOW)
    code, _, err = run_cli("forecast", "--model", tmp_path / "m", "--horizon", H, "--out", tmp_path / "f.csv")
    assert code == 0, err
    f = pd.read_csv(tmp_path / "f.csv")
    assert len(f) == H and np.abs(f["mean"].to_numpy() - test.y.to_numpy()).max() < 1.0
    code, _, err = run_cli("forecast", "--model", tmp_path / "m", "--horizon", H, "--future-template",
                           tmp_path / "need.csv")
    assert code == 2 and re.search(r"has no future covariates; nothing to fill in", err), err
    assert not (tmp_path / "need.csv").exists()


def test_step_features_put_the_calendar_at_t_and_the_leads_last():
    """[futr_t, cal_t, then at the last step only futr_{t+1}, futr_{t+2}] per step; the head takes the
    last (C_cal + C_f * H), of which the last C_f * H (the leads) are zero before the last step."""
    from lstmcast.data.covariates import Covariates
    from lstmcast.models.covfeat import (
        CovScaler,
        n_head_features,
        n_lead_features,
        n_step_features,
        step_features,
        widths,
    )
    cal = ("cal_month_sin", "cal_month_cos")
    f = np.c_[np.arange(10.0), 100 + np.arange(10.0), 200 + np.arange(10.0)]   # x, sin, cos stand-ins
    cov = Covariates((), ("x", *cal), (), [np.zeros((10, 0))], [f], np.zeros((1, 0)), None, cal)
    one = (np.zeros((1, 3)), np.ones((1, 3)))
    sc = CovScaler((np.zeros((1, 0)), np.ones((1, 0))), one, (np.zeros((1, 0)), np.ones((1, 0))))
    x = step_features(cov, sc, 2, 2, [0], [5], [5])[0]                          # steps t = 4, 5
    np.testing.assert_array_equal(x, [[4, 104, 204, 0, 0], [5, 105, 205, 6, 7]])
    assert widths(cov, 2) == (5, 4, 2) == (n_step_features(0, 3, 0, 2, 2), n_head_features(3, 2, 2),
                                           n_lead_features(3, 2, 2))


def test_user_future_covariates_beside_the_calendar():
    """The template asks only for the user's columns; the calendar is computed after them."""
    rng = np.random.default_rng(3)
    ds = pd.date_range("2021-01-04", periods=N + 7, freq="D")
    x = rng.normal(size=N + 7)
    df = pd.DataFrame({"unique_id": "s", "ds": ds, "x": x,
                       "y": 10 + 2 * PAT[ds.dayofweek] + x + 0.1 * rng.normal(size=N + 7)})
    fc = Forecaster(calendar=True, keep_covariates=True, **FAST).fit(df.iloc[:N], futr_exog=["x"])
    assert fc.cov_.futr_names == ("x", *DOW) and fc.cov_.user_futr == ("x",)
    need = fc.make_future_frame(7)
    assert list(need.columns) == ["unique_id", "ds", "x"]
    f = fc.forecast(7, futr_df=need.assign(x=x[N:]))
    assert np.abs(f["mean"].to_numpy() - df.y.to_numpy()[N:]).mean() < 0.35       # seen: 0.18; no calendar 0.44
    with pytest.raises(DataError, match=r"future covariates \['x'\] of series 's' end at"):
        fc.forecast(7)
    with pytest.raises(DataError, match=r"newer observations \(df=\) with a model trained on covariates"):
        fc.forecast(7, df=df.iloc[N:N + 2][["unique_id", "ds", "y"]], futr_df=need.assign(x=x[N:]))


@pytest.mark.slow
def test_calendar_keeps_the_choice_of_differencing():
    """Built-in covariates only: diff="auto" still chooses by validation (with the calendar in every
    trial), so a trending airline series is differenced rather than fitted raw (MASE 2.1 raw)."""
    from lstmcast.datasets import airline
    s = airline()
    df = pd.DataFrame({"unique_id": "air", "ds": s.index, "y": s.to_numpy()})
    fc = Forecaster(calendar=True, seeds=3, epochs=40).fit(df.iloc[:-12])
    assert fc.cov_.calendar == ("cal_month_sin", "cal_month_cos") and len(fc.diff_scores_[0]) >= 3
    assert 12 in fc.diffs_[0] or 1 in fc.diffs_[0]
    f = fc.forecast(12)["mean"].to_numpy()
    assert mase(df.y.to_numpy()[-12:], f, df.y.to_numpy()[:-12], 12) < 1.0        # seen: 0.65


@pytest.mark.parametrize("kw", [{"strategy": "recursive"}, {"framing": "window"}])
def test_recursive_and_window_framing_follow_the_weekday(kw, fitted):
    """Recursive: each step's calendar is computed for its own date; window framing: one flat step."""
    _, train, test = fitted
    fc = Forecaster(calendar=True, **{**FAST, **kw}).fit(train)
    got = mase(test.y.to_numpy(), fc.forecast(H)["mean"].to_numpy(), train.y.to_numpy(), 7)
    assert got < 1.5, got                                          # seen: 0.79 (recursive), 0.91 (window)


def test_newer_observations_with_a_calendar_model(fitted):
    """Built-in covariates only: forecast(df=newer) computes the calendar for the longer series (a user's
    future covariate still refuses newer observations: test_user_future_covariates_beside_the_calendar)."""
    _, train, test = fitted
    fc = Forecaster(calendar=True, **FAST).fit(train.iloc[:-10])
    f = fc.forecast(H, df=train.iloc[-10:])
    assert list(f.ds) == list(test.ds) and np.abs(f["mean"].to_numpy() - test.y.to_numpy()).max() < 1.0
