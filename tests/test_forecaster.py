"""The Forecaster's contract: dates, save/load, y_new, predict vs forecast, properties."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lstmcast import Forecaster
from lstmcast.data import DataError

FAST = dict(epochs=3, seeds=2, units=(4,))


def _series(n, freq, start="2000-01-01", seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.Series(100 + t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, n),
                     index=pd.date_range(start, periods=n, freq=freq))


@pytest.fixture(scope="module")
def fitted():
    y = _series(80, "MS")
    return y, Forecaster(look_back=6, **FAST).fit(y)


@pytest.mark.parametrize("freq,n", [("MS", 60), ("QS", 50), ("D", 60), ("YS", 40)])
def test_forecast_dates_continue_the_series(freq, n):
    y = _series(n, freq)
    fc = Forecaster(look_back=4, **FAST).fit(y)
    out = fc.forecast(5)
    expected = pd.date_range(y.index[-1], periods=6, freq=y.index.freq)[1:]
    assert list(out["ds"]) == list(expected)
    assert list(out.columns) == ["ds", "mean", "lo", "hi"] and np.isfinite(out["mean"]).all()


def test_not_fitted_message():
    with pytest.raises(DataError, match="This Forecaster instance is not fitted yet. Call 'fit'"):
        Forecaster().forecast(3)


def test_save_load_round_trip_is_identical(tmp_path, fitted):
    y, fc = fitted
    fc.save(tmp_path / "m")
    back = Forecaster.load(tmp_path / "m")
    a, b = fc.forecast(7, level=[80]), back.forecast(7, level=[80])
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(fc.predict(), back.predict())
    assert back.get_params() == fc.get_params()
    with pytest.raises(DataError, match="already exists"):
        fc.save(tmp_path / "m")


def test_y_new_extends_without_refitting(fitted):
    y, _ = fitted
    short = Forecaster(look_back=6, **FAST).fit(y.iloc[:70])
    ext = short.forecast(4, y_new=y.iloc[60:])          # overlapping rows are ignored
    # the same parameters with the longer history: build by hand
    manual = short.paths(y.to_numpy()[None, :], np.array([len(y) - 1]), 4)[:, 0, :].mean(0)
    np.testing.assert_allclose(ext["mean"], manual)
    assert ext["ds"].iloc[0] == y.index[-1] + y.index.freq
    with pytest.raises(DataError, match="new data must continue the series"):
        short.forecast(2, y_new=y.iloc[75:])


def test_recursive_first_step_equals_predict():
    y = _series(80, "MS")
    fc = Forecaster(look_back=6, strategy="recursive", **FAST).fit(y)
    p = fc.predict()
    # forecasting from the history that ends just before the last month = predict's last row
    members = fc.paths(y.to_numpy()[None, :-1], np.array([len(y) - 2]), 1)[:, 0, 0]
    assert p["ds"].iloc[-1] == y.index[-1]
    np.testing.assert_allclose(members.mean(), p["mean"].iloc[-1], rtol=1e-10)


def test_members_and_intervals(fitted):
    _, fc = fitted
    out = fc.forecast(6, level=[80, 95], members=True)
    m = out[[f"member-{k}" for k in range(2)]].to_numpy()
    np.testing.assert_allclose(out["mean"], m.mean(1))
    assert (out["lo-95"] <= out["lo-80"]).all() and (out["hi-80"] <= out["hi-95"]).all()
    assert (out["lo-80"] < out["mean"]).all() and (out["mean"] < out["hi-80"]).all()


def test_direct_strategy_outputs_horizon():
    y = _series(70, "MS")
    fc = Forecaster(look_back=6, strategy="direct", horizon=4, **FAST).fit(y)
    assert fc.params_["dense"]["kernel"].shape == (2, 4, 4)
    four = fc.forecast(4, members=True)
    # past its 4 outputs the next block starts from the forecasts: the first 4 steps are unchanged
    six = fc.forecast(6, members=True)
    np.testing.assert_allclose(six["mean"][:4], four["mean"])
    assert len(six) == 6 and np.isfinite(six["mean"]).all()


def test_same_seed_same_forecast():
    y = _series(60, "MS")
    a = Forecaster(look_back=4, **FAST).fit(y).forecast(3)
    b = Forecaster(look_back=4, **FAST).fit(y).forecast(3)
    c = Forecaster(look_back=4, seed=5, **FAST).fit(y).forecast(3)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["mean"], c["mean"])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=30, max_size=60), st.integers(1, 6))
def test_random_finite_series_never_crash(values, h):
    y = pd.Series(values, index=pd.date_range("2001-01-01", periods=len(values), freq="D"))
    try:
        fc = Forecaster(look_back=3, epochs=2, seeds=2, units=(3,), diff=(1,)).fit(y)
    except DataError as e:   # constant series is the one legitimate refusal here
        assert "constant" in str(e)
        return
    out = fc.forecast(h)
    assert len(out) == h and np.isfinite(out["mean"]).all()


def test_auto_diff_is_chosen_by_rolling_validation_inside_the_data():
    from lstmcast.models.ensemble import choose_diffs
    y = _series(90, "MS")
    fc = Forecaster(look_back=6, **FAST)
    (diff,), (scores,) = choose_diffs([fc], [y])
    assert set(scores) == {"12,1", "12", "1"} | ({"none"} if "none" in scores else set())
    assert ",".join(map(str, diff)) == min(scores, key=scores.get)
    # fit uses that choice and keeps the scores; a fixed diff skips the selection
    fitted = Forecaster(look_back=6, **FAST).fit(y)
    assert fitted.r_["diff"] == diff and fitted.diff_scores_ == pytest.approx(scores)
    assert Forecaster(look_back=6, diff=(1,), **FAST).fit(y).diff_scores_ == {}
    # the choice sees only the series it is given: changing later values changes nothing before them
    (again,), (scores2,) = choose_diffs([fc], [y.iloc[:80]])
    y2 = y.copy()
    y2.iloc[80:] *= 5
    (same,), (scores3,) = choose_diffs([fc], [y2.iloc[:80]])
    assert same == again and scores3 == scores2
