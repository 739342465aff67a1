"""The AutoARIMA member (models/arima_state.py) against statsforecast's AutoARIMA called directly: the
forecasts from its stored state, the refits of the validation folds, the search rule; and corrupt
states in a model file."""
import json
import warnings

import numpy as np
import pytest
from helpers import run_cli

from lstmcast import Forecaster, datasets
from lstmcast.models.arima_state import ArimaMember, check_state, forecast


def _quiet():
    w = warnings.catch_warnings()
    w.__enter__()
    warnings.simplefilter("ignore")
    return w


def _series():
    """(name, values, season) covering the state's terms: seasonal differencing, drift, intercept,
    a pure random walk, and a long series (approximate search)."""
    rng = np.random.default_rng(0)
    air = datasets.airline().to_numpy(np.float64)
    t = np.arange(200)
    return [("airline", air, 12),
            ("log airline", np.log(air), 12),
            ("drift", 10 + np.cumsum(0.5 + rng.normal(size=90)), 1),
            ("intercept", 5 + rng.normal(size=70), 4),
            ("ar quarterly", 20 + np.convolve(rng.normal(size=64), [1, 0.7, 0.3])[:64], 4),
            ("long seasonal", 100 + 0.2 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 200), 12)]


@pytest.mark.parametrize("name, y, m", _series(), ids=[s[0] for s in _series()])
def test_state_forecast_equals_statsforecast(name, y, m):
    """Mean and 80/95% bounds from the stored state equal statsforecast's AutoARIMA forecast (R's search
    rule: approximate over 150 values, as `auto_arima_f`'s own default), and the model is the one
    statsforecast chooses."""
    from statsforecast.arima import auto_arima_f, forecast_arima
    w = _quiet()
    try:
        mod = ArimaMember(m).fit(y)
        want_model = auto_arima_f(y.copy(), period=m)            # approximation=None: R's rule
        want = forecast_arima(want_model, h=30, level=[80, 95])
    finally:
        w.__exit__(None, None, None)
    assert mod.state is not None
    assert list(mod.model_["arma"]) == list(want_model["arma"])
    got = forecast(*mod.state, 30, [80, 95])
    np.testing.assert_allclose(got["mean"], want["mean"], rtol=1e-9)
    for lv in (80, 95):
        np.testing.assert_allclose(got[f"lo-{lv}"], want["lower"][f"{lv}%"], rtol=1e-9)
        np.testing.assert_allclose(got[f"hi-{lv}"], want["upper"][f"{lv}%"], rtol=1e-9)
    # the stored state round-trips through JSON and npz-like arrays unchanged
    st, arrays = mod.state
    back = ArimaMember.from_state(m, (json.loads(json.dumps(st)), {k: np.array(v) for k, v in arrays.items()}), y)
    np.testing.assert_array_equal(back.predict(30, [80])["hi-80"], got["hi-80"])


def test_the_long_search_is_approximate_and_faster_but_exact_at_the_end():
    """Over 150 values the search uses approximate likelihoods (R's auto.arima rule), and the chosen model
    is then fitted exactly: its coefficients equal an exact fit of the same orders."""
    from statsforecast.arima import Arima
    y = _series()[-1][1]
    w = _quiet()
    try:
        mod = ArimaMember(12).fit(y)
        p, q, P, Q, m, d, D = mod.model_["arma"]
        coef = mod.model_["coef"]
        exact = Arima(y, order=(p, d, q), seasonal={"order": (P, D, Q), "period": m},
                      include_mean="intercept" in coef, include_drift="drift" in coef, method="CSS-ML")
    finally:
        w.__exit__(None, None, None)
    np.testing.assert_allclose(list(coef.values()), list(exact["coef"].values()), rtol=1e-6)


def test_fold_refit_keeps_the_orders_and_fits_on_the_fold_alone():
    """The validation folds refit the chosen orders on the values before the fold: the same coefficients
    as statsforecast's ARIMA with those orders on those values, and forecasts that use none after them."""
    from statsforecast.models import ARIMA
    y = datasets.airline().to_numpy(np.float64)
    w = _quiet()
    try:
        mod = ArimaMember(12).fit(y)
        fold = mod.refit(y[:100])
        p, q, P, Q, m, d, D = mod.model_["arma"]
        want = ARIMA(order=(p, d, q), seasonal_order=(P, D, Q), season_length=12, method="CSS-ML",
                     include_mean="intercept" in mod.model_["coef"],
                     include_drift="drift" in mod.model_["coef"]).fit(y[:100])
        got_f, want_f = fold.predict(12)["mean"], want.predict(12)["mean"]
        changed = y.copy()
        changed[100:] *= 3                                   # values after the fold do not matter
        again = ArimaMember(12).fit(y).refit(changed[:100]).predict(12)["mean"]
    finally:
        w.__exit__(None, None, None)
    assert list(fold.model_["arma"]) == list(mod.model_["arma"])
    np.testing.assert_allclose(got_f, want_f, rtol=1e-9)
    np.testing.assert_array_equal(again, got_f)


@pytest.mark.parametrize("mutate, why", [
    (lambda st, a: st.__setitem__("arma", [1, 0, 0]), "arma must be 7"),
    (lambda st, a: st["coef"].append(["ex_2", 0.5]), "coef does not match"),     # ex_1 must come first
    (lambda st, a: st["coef"].append(["beta", 0.5]), "coef does not match"),
    (lambda st, a: st.__setitem__("sigma2", float("nan")), "not a finite number"),
    (lambda st, a: a.pop("P"), "array 'P' is missing"),
    (lambda st, a: a.__setitem__("T", np.eye(3)), "do not agree in shape"),
    (lambda st, a: a.__setitem__("a", np.full_like(a["a"], np.inf)), "non-finite"),
])
def test_check_state_names_the_problem(mutate, why):
    w = _quiet()
    try:
        st, arrays = ArimaMember(12).fit(datasets.airline().to_numpy(np.float64)).state
    finally:
        w.__exit__(None, None, None)
    st, arrays = json.loads(json.dumps(st)), dict(arrays)
    assert check_state(st, arrays) is None
    mutate(st, arrays)
    assert why in check_state(st, arrays)


FAST = dict(epochs=2, seeds=2, units=(4,), look_back=6, diff=(12,))


def test_corrupt_arima_state_in_a_model_directory_is_one_line(tmp_path):
    Forecaster(**FAST).fit(datasets.airline()).save(tmp_path / "m")
    with np.load(tmp_path / "m" / "weights.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["arima.0.V"] = arrays["arima.0.V"][:-1]
    np.savez(tmp_path / "m" / "weights.npz", **arrays)
    code, out, err = run_cli("forecast", "--model", tmp_path / "m", "--horizon", "3")
    assert code == 2 and "AutoARIMA state of series 0" in err and "shape" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_files_from_before_the_members_were_stored_keep_lstm_and_autoets(tmp_path):
    """A model saved with model=None before AutoARIMA joined the default (no `members`, no AutoARIMA
    state) still forecasts with what it was fitted with: the LSTM and AutoETS."""
    fc = Forecaster(**FAST, model="lstm+ets").fit(datasets.airline())
    fc.save(tmp_path / "m")
    c = json.loads((tmp_path / "m" / "config.json").read_text())
    c["hyper_parameters"]["model"] = None
    del c["resolved"]["members"], c["series"]["arima_states"]
    (tmp_path / "m" / "config.json").write_text(json.dumps(c))
    back = Forecaster.load(tmp_path / "m")
    assert back.members_ == ("lstm", "ets")
    np.testing.assert_allclose(back.forecast(6)["mean"], fc.forecast(6)["mean"], rtol=1e-12)


@pytest.mark.slow
def test_a_member_that_cannot_fit_a_series_leaves_the_others_weighted_by_validation(monkeypatch):
    """AutoARIMA failing on a series (statsforecast raises) leaves it out of that series' forecast; the
    LSTM and AutoETS keep weights from validation (they fell back to equal weights before)."""
    import lstmcast.models.arima_state as A

    def fail(self, y):
        raise ValueError("no suitable ARIMA model")
    monkeypatch.setattr(A.ArimaMember, "fit", fail)
    fc = Forecaster(epochs=2, seeds=1, units=(4,), look_back=6).fit(datasets.airline())
    assert fc.members_ == ("lstm", "pretrained", "ets", "arima") and 0 not in fc.stat_fits_["arima"]
    w = fc.weights_[0]
    assert set(w) == {"lstm", "pretrained", "ets"} and w["lstm"] != w["ets"]          # from validation, not equal
    assert np.allclose(np.sum([w[k] for k in w], axis=0), 1, atol=1e-5)
    assert fc.per_series_["model"].tolist() == ["lstm+pretrained+ets"]


def _arimax_case():
    """A monthly series driven by two regressors (a price and a promotion dummy) plus AR(1) noise, its
    regressors continued over the horizon; 120 values (statsforecast's AutoARIMA default, exact search,
    and R's rule, approximate only over 150 values, coincide)."""
    rng = np.random.default_rng(5)
    n, h = 120, 12
    t = np.arange(n + h)
    X = np.column_stack([np.round(10 + np.sin(t / 3) + rng.normal(0, 0.3, n + h), 3),
                         (rng.random(n + h) < 0.2).astype(float)])
    e = np.zeros(n + h)
    for k in range(1, n + h):
        e[k] = 0.6 * e[k - 1] + rng.normal()
    y = 50 + 3 * X[:, 0] + 8 * X[:, 1] + e
    return y[:n], X, h


@pytest.mark.slow
def test_arimax_equals_statsforecast_with_X_df():
    """The AutoARIMA member with regressors equals statsforecast's AutoARIMA given the same columns as
    X_df (the StatsForecast front end), mean and 80/95% bounds, rtol 1e-6; a state restored from JSON
    forecasts the same from the future regressors alone (no refit)."""
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA
    y, X, h = _arimax_case()
    ds = pd.date_range("2010-01-01", periods=len(X), freq="MS")
    frame = pd.DataFrame({"unique_id": "s", "ds": ds, "price": X[:, 0], "promo": X[:, 1]})
    train = frame.iloc[:len(y)].assign(y=y)[["unique_id", "ds", "y", "price", "promo"]]
    w = _quiet()
    try:
        want = StatsForecast(models=[AutoARIMA(season_length=12)], freq="MS").forecast(
            df=train, h=h, X_df=frame.iloc[len(y):], level=[80, 95])
        mod = ArimaMember(12).fit(y, X)
    finally:
        w.__exit__(None, None, None)
    assert [n for n, _ in mod.state[0]["coef"]][-2:] == ["ex_1", "ex_2"]
    beta = dict(mod.state[0]["coef"])
    assert abs(beta["ex_1"] - 3) < 0.5 and abs(beta["ex_2"] - 8) < 1.5          # the regression is found
    got = mod.predict(h, [80, 95], X)
    np.testing.assert_allclose(got["mean"], want["AutoARIMA"], rtol=1e-6)
    for lv in (80, 95):
        np.testing.assert_allclose(got[f"lo-{lv}"], want[f"AutoARIMA-lo-{lv}"], rtol=1e-6)
        np.testing.assert_allclose(got[f"hi-{lv}"], want[f"AutoARIMA-hi-{lv}"], rtol=1e-6)
    st, arrays = mod.state
    back = ArimaMember.from_state(12, (json.loads(json.dumps(st)), {k: np.array(v) for k, v in arrays.items()}), y)
    assert back._model is None and back.k == 2
    np.testing.assert_allclose(back.predict(h, [95], X)["hi-95"], want["AutoARIMA-hi-95"], rtol=1e-6)
    assert back._model is None                                                   # forecast without a refit
    with pytest.raises(ValueError, match="ARIMAX needs 2 regressors over rows 120..131"):
        back.predict(h, None, X[:len(y) + 3])


@pytest.mark.slow
def test_arimax_fold_refit_and_forward_match_statsforecast():
    """A validation fold: the orders kept, coefficients re-estimated on the fold with its regressors
    (statsforecast's Arima with xreg), then forecast forward from a later origin with the fitted
    coefficients frozen (statsforecast's forward_arima / forecast_arima with xreg)."""
    from statsforecast.arima import Arima, forecast_arima, forward_arima
    y, X, h = _arimax_case()
    w = _quiet()
    try:
        mod = ArimaMember(12).fit(y, X)
        fold = mod.refit(y[:90], X)
        p, q, P, Q, m, d, D = (int(v) for v in mod.model_["arma"])
        coef = mod.model_["coef"]
        ref = Arima(y[:90], order=(p, d, q), seasonal={"order": (P, D, Q), "period": m}, xreg=X[:90].copy(),
                    include_mean="intercept" in coef, include_drift="drift" in coef, method="CSS-ML")
        got = fold.forward(y[:100], h, X=X)["mean"]
        want = forecast_arima(forward_arima(ref, y=y[:100], xreg=X[:100].copy()), h=h, xreg=X[100:100 + h].copy())
    finally:
        w.__exit__(None, None, None)
    assert list(fold.model_["coef"]) == list(coef)
    np.testing.assert_allclose(got, want["mean"], rtol=1e-9)
    assert np.mean(np.abs(got - y[100:100 + h])) < 2.0                             # it uses the regressors


@pytest.mark.parametrize("factor", [1e-6, 1e9])
def test_tiny_or_huge_series_forecast_as_the_same_series_in_ordinary_units(factor):
    """statsforecast's AutoARIMA is not scale-free (the airline series x 1e-6: every validation fold's refit
    failed). The member fits such a series in units of a power of two: its forecasts, bands, stored state,
    forward and fold refits equal statsforecast's on the series in ordinary units, times the factor."""
    from statsforecast.arima import auto_arima_f, forecast_arima
    y = datasets.airline().to_numpy(np.float64)
    w = _quiet()
    try:
        want = forecast_arima(auto_arima_f(y.copy(), period=12), h=12, level=[80])
        mod = ArimaMember(12).fit(y * factor)
        fold = mod.refit(y[:120] * factor).predict(12)["mean"]
        want_fold = ArimaMember(12).fit(y).refit(y[:120]).predict(12)["mean"]
        newer = mod.forward(y * factor, 12)["mean"]
    finally:
        w.__exit__(None, None, None)
    assert mod.scale != 1.0 and mod.state[0]["scale"] == mod.scale
    got = mod.predict(12, [80])
    np.testing.assert_allclose(got["mean"], want["mean"] * factor, rtol=1e-6)
    np.testing.assert_allclose(got["hi-80"], want["upper"]["80%"] * factor, rtol=1e-6)
    np.testing.assert_allclose(fold, want_fold * factor, rtol=1e-6)
    np.testing.assert_allclose(newer, want["mean"] * factor, rtol=1e-6)
    st, arrays = mod.state
    back = ArimaMember.from_state(12, (json.loads(json.dumps(st)), arrays), y * factor)
    np.testing.assert_array_equal(back.predict(12, [80])["lo-80"], got["lo-80"])
    assert check_state({**st, "scale": 0.0}, arrays) == "scale is not a number > 0"


def test_series_in_ordinary_units_keep_the_plain_fit():
    """Steps of ordinary size (the airline series, and it x 1e-2) fit unscaled: no "scale" in the state."""
    y = datasets.airline().to_numpy(np.float64)
    w = _quiet()
    try:
        mods = [ArimaMember(12).fit(y * f) for f in (1.0, 1e-2)]
    finally:
        w.__exit__(None, None, None)
    assert all(m.scale == 1.0 and "scale" not in m.state[0] for m in mods)
