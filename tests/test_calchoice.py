"""calendar="auto" (the default): calendar groups offered on daily and finer data, each kept only where the
rolling validation folds say it lowers the LSTM's error (fit/calchoice.py)."""
import json

import numpy as np
import pandas as pd
import pytest

from lstmcast import Forecaster
from lstmcast.data.calendar import calendar_columns, calendar_groups, valid_names
from lstmcast.evaluate.metrics import mase

PAT = np.array([0, 0, 1, 0, 0, 3, 3.0])
DOW = tuple(f"cal_dow_{d}" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
# look_back 2, no differencing: the network cannot tell the day of week from its inputs, the calendar can
FAST = {"model": "lstm", "seeds": 2, "steps": 600, "look_back": 2, "horizon": 7, "transform": "none", "diff": ()}


def weekly(n, h=14, seed=0, effect=2.0):
    """y = 10 + effect PAT[day of week] + N(0, 0.3^2) from Monday 2021-01-04; (train, test)."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2021-01-04", periods=n + h, freq="D")
    df = pd.DataFrame({"unique_id": "s", "ds": ds, "y": 10 + effect * PAT[ds.dayofweek] + 0.3 * rng.normal(size=n + h)})
    return df.iloc[:n], df.iloc[n:]


def test_fourier_terms_and_groups_by_hand():
    t = pd.DatetimeIndex(["2000-01-03", "2001-01-03", "2024-01-03 12:00"])      # Mondays 00:00, a Wednesday noon
    X = calendar_columns(t, "D", ("cal_yearly_sin1", "cal_yearly_cos2", "cal_weekly_sin1", "cal_weekly_cos2"))
    u = np.array([0, 366, (pd.Timestamp("2024-01-03 12:00") - pd.Timestamp("2000-01-03")).days + 0.5]) / 365.25
    w = np.array([0, 2, 2.5]) / 7                                                # 2001-01-03 is a Wednesday
    np.testing.assert_allclose(X, np.c_[np.sin(2 * np.pi * u), np.cos(4 * np.pi * u), np.sin(2 * np.pi * w),
                                        np.cos(4 * np.pi * w)], atol=1e-9)
    assert list(calendar_groups("D", 800)) == ["day of week", "yearly Fourier"]
    assert calendar_groups("D", 700) == {"day of week": DOW}                    # under two years: no yearly terms
    assert list(calendar_groups("30min", 17_520)) == ["time of day", "day of week", "weekly Fourier"]
    assert len(calendar_groups("h", 24 * 800)["yearly Fourier"]) == 6 and calendar_groups("MS", 1000) == {}
    assert valid_names(DOW + calendar_groups("D", 800)["yearly Fourier"], "D")
    assert not valid_names(DOW[2:], "D") and not valid_names(("cal_month_sin",), "D")


@pytest.fixture(scope="module")
def planted():
    """760 days of a weekday effect (the calendar's day of week helps, the yearly terms cannot)."""
    train, test = weekly(760)
    return Forecaster(**FAST).fit(train), train, test


def test_a_planted_weekday_effect_is_kept_and_a_useless_group_dropped(planted):
    fc, train, test = planted
    rec = fc.cov_choice_["calendar"]
    assert rec["kept"] == ["day of week"] and list(rec["offered"]) == ["day of week", "yearly Fourier"]
    assert fc.cov_.calendar == DOW and fc.cov_.futr_names == DOW and fc.spec_.recipe.n_cov == 7
    assert rec["with"] < 0.5 * rec["without"]                                   # seen: 0.196x
    assert rec["why"]["yearly Fourier"].startswith("dropped: the validation error is lower without it")
    y, ytr = test.y.to_numpy(), train.y.to_numpy()
    with_cal = mase(y, fc.forecast(14)["mean"].to_numpy(), ytr, 7)
    without = mase(y, Forecaster(calendar=False, **FAST).fit(train).forecast(14)["mean"].to_numpy(), ytr, 7)
    assert with_cal < 0.5 * without, (with_cal, without)                        # seen: 0.73 vs 5.25


@pytest.mark.slow
def test_no_calendar_effect_drops_the_calendar():
    """A random walk: the weekday says nothing, so no variant earns its place and nothing is added."""
    rng = np.random.default_rng(4)
    ds = pd.date_range("2021-01-04", periods=300, freq="D")
    df = pd.DataFrame({"unique_id": "s", "ds": ds, "y": 50 + np.cumsum(rng.normal(size=300))})
    fc = Forecaster(**{**FAST, "diff": (1,)}).fit(df)
    rec = fc.cov_choice_["calendar"]
    assert rec["kept"] == [] and rec["variants"][0]["ratio"] >= 1 and fc.cov_ is None
    assert rec["why"]["day of week"].startswith("dropped: no calendar variant lowers the validation error")
    assert fc.spec_.recipe.n_cov == 0


def test_saved_model_forecasts_without_a_future_file(planted, tmp_path):
    fc = planted[0]
    assert list(fc.make_future_frame(14).columns) == ["unique_id", "ds"]
    fc.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "covariates.json").read_text())
    assert meta["calendar"] == list(DOW) and meta["choice"]["calendar"]["kept"] == ["day of week"]
    back = Forecaster.load(tmp_path / "m")
    pd.testing.assert_frame_equal(back.forecast(21, level=[80]), fc.forecast(21, level=[80]))
    (tmp_path / "m" / "covariates.json").write_text(json.dumps({**meta, "calendar": list(DOW[1:])}))
    with pytest.raises(Exception, match=r"calendar columns \['cal_dow_tue', .*\] are not those of frequency 'D'"):
        Forecaster.load(tmp_path / "m")


def test_backtest_reuses_the_first_windows_calendar(planted):
    _, train, test = planted
    df = pd.concat([train, test])
    for refit in (True, False):
        fc = Forecaster(**FAST)
        cv = fc.cross_validation(df, h=7, n_windows=2, refit=refit)
        assert fc.cv_first_.cov_choice["calendar"]["kept"] == ["day of week"]
        assert np.abs(cv["lstm"] - cv["y"]).mean() < 0.6, refit                   # the weekday is followed


def test_cli_fit_says_what_the_calendar_kept_and_no_calendar_turns_it_off(tmp_path):
    from helpers import run_cli
    train, _ = weekly(760)      # the module fit's series and settings (run_cli is in-process): its programs serve
    train.drop(columns="unique_id").to_csv(tmp_path / "d.csv", index=False)
    flags = ["--combination", "lstm", "--seeds", "2", "--steps", "600", "--look-back", "2", "--direct-horizon", "7",
             "--transform", "none", "--diff", "none"]
    code, out, err = run_cli("fit", tmp_path / "d.csv", "--model", tmp_path / "m", *flags)
    assert code == 0, err
    assert "covariates, calendar: kept day of week (validation RMSE" in out + err
    code, out, err = run_cli("fit", tmp_path / "d.csv", "--model", tmp_path / "m2", "--no-calendar", *flags)
    assert code == 0 and "calendar" not in out + err and not (tmp_path / "m2" / "covariates.json").exists()
