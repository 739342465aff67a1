"""The Forecaster's contract on one series: dates, save/load, newer data, predict vs forecast, seeds."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmcast import Forecaster, datasets
from lstmcast.data import DataError

FAST = dict(epochs=3, seeds=2, units=(4,), scope="local", model="lstm",   # the LSTM alone: its machinery
            calendar=False)   # no calendar validation on the daily series (test_calchoice.py tests it)


def _series(n, freq, start="2000-01-01", seed=0, name="y"):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.Series(100 + t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, n),
                     index=pd.date_range(start, periods=n, freq=freq), name=name)


@pytest.fixture(scope="module")
def fitted():
    y = _series(80, "MS")                   # = _series(90)[:80]: the newer-data test continues it
    return y, Forecaster(look_back=6, **FAST).fit(y)


@pytest.mark.slow
@pytest.mark.parametrize("freq,n", [("MS", 80), ("QS", 80), ("D", 80), ("YS", 80)])
def test_forecast_dates_continue_the_series(freq, n, fitted):
    y = _series(n, freq)
    # the module fit's length, look_back and horizon, one differencing for every frequency (the dates are the
    # point; test_auto_diff_* tests the choice of differencing): the fits reuse the module fit's compiled programs
    fc = Forecaster(look_back=6, horizon=12, diff=(1,), **FAST).fit(y)
    out = fc.forecast(5)
    expected = pd.date_range(y.index[-1], periods=6, freq=y.index.freq)[1:]
    assert list(out["ds"]) == list(expected)
    assert list(out.columns) == ["unique_id", "ds", "mean", "model"] and np.isfinite(out["mean"]).all()
    assert set(out["unique_id"]) == {"y"} and set(out["model"]) == {"lstm"}


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


def test_newer_data_extends_without_refitting(fitted):
    _, short = fitted                                         # fitted on the first 80 values of y
    y = _series(90, "MS")
    ext = short.forecast(4, y.iloc[70:])                      # overlapping rows are ignored
    # the same parameters with the longer history, by hand
    manual = short.ensemble_.paths([y.to_numpy()], {0: np.array([len(y) - 1])}, 4)[0][:, 0, :].mean(0)
    np.testing.assert_allclose(ext["mean"], manual)
    assert ext["ds"].iloc[0] == y.index[-1] + y.index.freq
    with pytest.raises(DataError, match="must continue after"):
        short.forecast(2, y.iloc[85:])


@pytest.mark.slow
def test_recursive_first_step_equals_predict():
    y = _series(80, "MS")
    fc = Forecaster(look_back=6, strategy="recursive", **FAST).fit(y)
    p = fc.predict()
    # forecasting from the history that ends just before the last month = predict's last row
    members = fc.ensemble_.paths([y.to_numpy()], {0: np.array([len(y) - 2])}, 1)[0][:, 0, 0]
    assert p["ds"].iloc[-1] == y.index[-1]
    np.testing.assert_allclose(members.mean(), p["mean"].iloc[-1], rtol=1e-10)


def test_members_and_intervals(fitted):
    _, fc = fitted
    out = fc.forecast(6, level=[80, 95], members=True)
    m = out[[f"member-{k}" for k in range(2)]].to_numpy()
    np.testing.assert_allclose(out["mean"], m.mean(1))
    assert (out["lo-95"] <= out["lo-80"]).all() and (out["hi-80"] <= out["hi-95"]).all()
    assert (out["lo-80"] < out["mean"]).all() and (out["mean"] < out["hi-80"]).all()


def test_conformal_quantile_by_hand(fitted):
    """lo/hi = mean -/+ the ceil((n+1) 0.8)-th smallest absolute 3-step error of the validation folds
    (split conformal on out-of-sample errors: each fold's model never saw the values it forecast)."""
    from lstmcast.fit.calibration import at_origin
    y, fc = fitted
    err = at_origin(fc.calibration_[0], y)["lstm"][:, :3]          # (n, 3): 12 origins in each fold
    n = len(err)
    assert n == 12 * fc.step_mse_[0]["folds"] and n >= 24 and np.isfinite(err).all()
    k = int(np.ceil((n + 1) * 0.8))                                # the k-th smallest error
    expected = np.sort(np.abs(err), axis=0)[k - 1]                 # signed errors: their sizes count
    out = fc.forecast(3, level=[80])
    np.testing.assert_allclose(out["hi-80"] - out["mean"], expected)
    assert "LSTM's rolling-origin validation errors" in fc.interval_note_ and f"{n} errors" in fc.interval_note_


def test_in_sample_conformal_where_no_validation_ran():
    """A fixed differencing runs no validation folds: the bands come from in-sample errors, and say so."""
    from lstmcast.fit.predicting import lstm_errors
    y = _series(80, "MS")
    fc = Forecaster(look_back=6, diff=(1,), **FAST).fit(y)
    assert fc.calibration_ == {}
    err = lstm_errors(fc.state_, {0: y.to_numpy()}, 3)[0]                # (n, 3)
    k = int(np.ceil((len(err) + 1) * 0.8))
    out = fc.forecast(3, level=[80])
    np.testing.assert_allclose(out["hi-80"] - out["mean"], np.sort(err, axis=0)[k - 1])
    assert "in-sample errors (optimistic" in fc.interval_note_


def test_direct_strategy_outputs_horizon(fitted):
    _, fc = fitted                          # the default strategy: direct, horizon = the season (12)
    assert fc.ensemble_.groups[0].params["dense"]["kernel"].shape == (1, 2, 4, 12)
    block = fc.forecast(12, members=True)
    more = fc.forecast(18, members=True)    # past its 12 outputs the next block starts from the forecasts
    np.testing.assert_allclose(more["mean"][:12], block["mean"])
    assert len(more) == 18 and np.isfinite(more["mean"]).all()


def test_same_seed_same_forecast(fitted):
    y, _ = fitted                           # the module fit's series and settings: its compiled programs serve
    a = Forecaster(look_back=6, **FAST).fit(y).forecast(3)
    b = Forecaster(look_back=6, **FAST).fit(y).forecast(3)
    c = Forecaster(look_back=6, **{**FAST, "seed": 5}).fit(y).forecast(3)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["mean"], c["mean"])


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=30, max_size=60), st.integers(1, 6))
def test_random_finite_series_never_crash(values, h):
    y = pd.Series(values, index=pd.date_range("2001-01-01", periods=len(values), freq="D"))
    try:
        fc = Forecaster(look_back=3, epochs=2, seeds=2, units=(3,), diff=(1,), calendar=False).fit(y)
    except DataError as e:   # a constant series is the one legitimate refusal here
        assert "constant" in str(e)
        return
    out = fc.forecast(h)
    assert len(out) == h and np.isfinite(out["mean"]).all()


def test_auto_diff_is_chosen_by_rolling_validation_inside_the_data():
    y = _series(90, "MS")                   # its first 80 values and the settings are the module fit's: its
    a = Forecaster(look_back=6, **FAST).fit(y.iloc[:80])    # compiled programs serve these fits
    scores = a.diff_scores_[0]
    assert set(scores) >= {"12,1", "12", "1"}
    assert ",".join(map(str, a.diffs_[0])) == min(scores, key=scores.get)
    assert Forecaster(look_back=6, **{**FAST, "diff": (1,)}).fit(y.iloc[:80]).diff_scores_ == {0: {}}
    # the choice sees only the data it is given: changing later values changes nothing before them
    y2 = y.copy()
    y2.iloc[80:] *= 5
    b = Forecaster(look_back=6, **FAST).fit(y2.iloc[:80])
    assert a.diffs_ == b.diffs_ and a.diff_scores_ == b.diff_scores_


@pytest.mark.parametrize("kw,pattern", [
    (dict(seeds=0), r"seeds must be a whole number >= 1; got 0"),
    (dict(units=(0,)), r"units must be whole numbers > 0"),
    (dict(scope="galactic"), r"scope must be one of"),
    (dict(learning_rate=float("nan")), r"learning_rate must be a number > 0"),
    (dict(diff="sometimes"), r"diff must be 'auto' or lags"),
    (dict(strategy="magic"), r"strategy must be 'recursive' or 'direct'"),
    (dict(validation=1.5), r"validation must be a fraction in \[0, 1\)"),
])
def test_bad_hyper_parameters_are_one_line_errors(kw, pattern):
    with pytest.raises(DataError, match=pattern):
        Forecaster(**kw).fit(_series(60, "MS"))


@pytest.mark.slow
@pytest.mark.parametrize("factor", [1e-20, 1e140])
def test_the_default_forecast_does_not_depend_on_units(factor):
    """README's claim: the airline series times 1e-20 or 1e140 gets the same default forecast (LSTM, pretrained,
    AutoETS, AutoARIMA combined) and bands in its units, and the same weights. Before AutoETS fitted tiny
    series in units of a power of two, x1e-20 chose another ETS model and moved the weights."""
    y = datasets.airline()
    a = Forecaster(epochs=2, seeds=1).fit(y)
    b = Forecaster(epochs=2, seeds=1).fit(y * factor)
    fa, fb = a.forecast(12, level=[80]), b.forecast(12, level=[80])
    for c in ("mean", "lo-80", "hi-80"):
        np.testing.assert_allclose(fb[c].to_numpy(), fa[c].to_numpy() * factor, rtol=1e-8, err_msg=c)
    assert set(a.weights_[0]) == {"lstm", "pretrained", "ets", "arima"}
    for k, w in a.weights_[0].items():
        np.testing.assert_allclose(b.weights_[0][k], w, atol=1e-6, err_msg=k)
