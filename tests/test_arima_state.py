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
    (lambda st, a: st["coef"].append(["ex_1", 0.5]), "coef does not match"),
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
