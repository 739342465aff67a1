"""AutoETS from a stored state (models/ets_state.py) against statsforecast's own forecasts, and the model
file that stores it: identical forecasts after load, no statsforecast import, corrupt states refused."""
import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli

from lstmcast import Forecaster, datasets
from lstmcast.models.ets_state import check_state, forecast, state_of

# every class-1..3 model: (model, damped); AutoETS chooses among these by default
SPECS = [("ANN", False), ("AAN", False), ("AAN", True), ("ANA", False), ("AAA", False), ("AAA", True),
         ("MNN", False), ("MAN", False), ("MAN", True), ("MNA", False), ("MAA", False), ("MAA", True),
         ("MNM", False), ("MAM", False), ("MAM", True)]


@pytest.fixture(scope="module")
def airline():
    return datasets.airline().to_numpy().astype(np.float64)


@pytest.mark.parametrize("model, damped", SPECS)
def test_forecast_from_the_state_equals_statsforecast(airline, model, damped):
    from statsforecast.ets import ets_f, forecast_ets
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ets_f(airline[:100], m=12, model=model, damped=damped, phi=None)
    st = state_of(fit)
    assert st is not None and st["components"] == fit["components"]
    st = json.loads(json.dumps(st))                    # what a model file gives back
    assert check_state(st, 12) is None
    for h in (1, 7, 30):
        ref = forecast_ets(fit, h=h, level=[80, 95])
        got = forecast(st, h, [80, 95])
        for k in ("mean", "lo-80", "hi-80", "lo-95", "hi-95"):
            np.testing.assert_allclose(got[k], ref[k], rtol=1e-10, err_msg=f"{model} damped={damped} {k} h={h}")


def test_models_with_simulated_intervals_are_not_stored():
    base = {"m": 12, "par": np.array([0.3, 0.1, 0.1, np.nan]), "sigma2": 1.0, "states": np.ones((3, 14))}
    assert state_of({**base, "components": "ANMN"}) is None        # class 4-5: statsforecast simulates
    assert state_of({**base, "components": "AMNN"}) is None        # multiplicative trend
    assert state_of({**base, "components": "AANN", "distribution": "t"}) is None
    trend_only = {**base, "components": "AANN", "states": np.ones((3, 2))}
    assert state_of(trend_only) is not None
    assert state_of({**trend_only, "sigma2": float("nan")}) is None        # nothing non-finite in a file


@pytest.mark.parametrize("mutate, why", [
    (lambda s: s.__setitem__("components", "XYZN"), "not a stored AutoETS"),
    (lambda s: s.__setitem__("m", 4), "not a stored AutoETS"),
    (lambda s: s["last"].pop(), "not finite"),
    (lambda s: s.__setitem__("sigma2", -1.0), "not finite"),
    (lambda s: s.pop("par"), "missing"),
])
def test_check_state_names_the_problem(airline, mutate, why):
    from statsforecast.ets import ets_f
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        st = state_of(ets_f(airline, m=12, model="MAM", damped=False, phi=None))
    mutate(st)
    assert why in check_state(st, 12)


FAST = dict(epochs=2, seeds=2, units=(4,), look_back=6, diff=(12,))


@pytest.mark.slow
def test_saved_default_forecasts_without_statsforecast(tmp_path):
    """The model file holds AutoETS's and AutoARIMA's states: a new process forecasts exactly as the fitted
    Forecaster did, intervals included, and never imports statsforecast (nor refits); newer data still
    moves both."""
    y = datasets.airline()
    fc = Forecaster(**FAST).fit(y)
    assert fc.members_ == ("lstm", "pretrained", "ets", "arima")
    fc.save(tmp_path / "m")
    series = json.loads((tmp_path / "m" / "config.json").read_text())["series"]
    stored = series["ets_states"]
    assert list(stored) == ["0"] and stored["0"]["components"] == fc.stat_fits_["ets"][0].model_["components"]
    assert list(series["arima_states"]) == ["0"]
    assert series["arima_states"]["0"]["arma"] == [int(v) for v in fc.stat_fits_["arima"][0].model_["arma"]]
    want = fc.forecast(18, level=[80, 95])
    code = (f"import sys; from lstmcast import Forecaster; f = Forecaster.load({str(tmp_path / 'm')!r}); "
            f"f.forecast(18, level=[80, 95]).to_csv({str(tmp_path / 'f.csv')!r}, index=False); "
            "print(any(k.startswith('statsforecast') for k in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    got = pd.read_csv(tmp_path / "f.csv", parse_dates=["ds"])
    cols = ["mean", "lo-80", "hi-80", "lo-95", "hi-95"]
    np.testing.assert_allclose(got[cols].to_numpy(), want[cols].to_numpy(), rtol=1e-12)
    back = Forecaster.load(tmp_path / "m")               # newer observations: AutoETS refitted from the file
    newer = pd.Series([420.0, 410.0], index=pd.date_range("1961-01-01", periods=2, freq="MS"))
    pd.testing.assert_frame_equal(back.forecast(4, newer), fc.forecast(4, newer))


def test_old_files_without_states_refit(tmp_path):
    fc = Forecaster(**FAST).fit(datasets.airline())
    fc.save(tmp_path / "m")
    c = json.loads((tmp_path / "m" / "config.json").read_text())
    del c["series"]["ets_states"]
    (tmp_path / "m" / "config.json").write_text(json.dumps(c))
    back = Forecaster.load(tmp_path / "m")
    pd.testing.assert_frame_equal(back.forecast(6, level=[90]), fc.forecast(6, level=[90]))


@pytest.mark.parametrize("mutate, message", [
    (lambda s: s["ets_states"]["0"].__setitem__("last", [1.0, 2.0]), "series.ets_states.0: parameters or states"),
    (lambda s: s["ets_states"].__setitem__("5", s["ets_states"]["0"]), "'5' is not a series AutoETS fits"),
    (lambda s: s["ets_states"]["0"].__setitem__("components", "QQQQ"), "not a stored AutoETS model"),
])
def test_corrupt_states_are_one_line(tmp_path, mutate, message):
    Forecaster(**FAST).fit(datasets.airline()).save(tmp_path / "m")
    c = json.loads((tmp_path / "m" / "config.json").read_text())
    mutate(c["series"])
    (tmp_path / "m" / "config.json").write_text(json.dumps(c))
    code, out, err = run_cli("forecast", "--model", tmp_path / "m", "--horizon", "3")
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("factor", [2.0 ** -60, 1e-20, 1e-30])
def test_tiny_series_forecast_as_the_same_series_in_ordinary_units(airline, factor):
    """statsforecast's AutoETS is not scale-free below about 1e-12: the first 120 airline months x 2^-60 chose another
    model than in ordinary units (shown here). The member fits such a series in units of a power of two: its
    forecasts, bands, stored state and forward equal statsforecast's on the series in ordinary units, times
    the factor."""
    from statsforecast.ets import ets_f, forecast_ets, forward_ets

    from lstmcast.models.statmembers import _AutoETS
    y = airline[:120]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ets_f(y, m=12, model="ZZZ", damped=None, phi=None)
        raw = ets_f(y * 2.0 ** -60, m=12, model="ZZZ", damped=None, phi=None)
        mod = _AutoETS(12).fit(y * factor)
        newer = mod.forward(airline * factor, 12, [80])
        want_newer = forecast_ets(forward_ets(ref, y=airline), h=12, level=[80])
    assert raw["components"] != ref["components"]                 # why: statsforecast alone at 2^-60
    assert mod.scale != 1.0 and mod.state["scale"] == mod.scale and mod.state["components"] == ref["components"]
    want = forecast_ets(ref, h=12, level=[80])
    got = mod.predict(12, [80])
    for k in ("mean", "lo-80", "hi-80"):
        np.testing.assert_allclose(got[k], want[k] * factor, rtol=1e-6, err_msg=k)
        np.testing.assert_allclose(newer[k], want_newer[k] * factor, rtol=1e-6, err_msg=k)
    back = _AutoETS.from_state(12, json.loads(json.dumps(mod.state)), y * factor)    # what a model file gives
    assert check_state(back.state, 12) is None
    np.testing.assert_array_equal(back.predict(12, [80])["lo-80"], got["lo-80"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(back.forward(airline * factor, 12, [80])["hi-80"], newer["hi-80"], rtol=1e-9)
    assert check_state({**mod.state, "scale": 0.0}, 12) == "scale is not a number > 0"


def test_series_in_ordinary_units_keep_the_plain_fit(airline):
    """Steps of ordinary size fit unscaled, exactly as statsforecast: no "scale" in the state."""
    from lstmcast.models.statmembers import _AutoETS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mods = [_AutoETS(12).fit(airline * f) for f in (1.0, 1e-2, 1e4)]
    assert all(m.scale == 1.0 and "scale" not in m.state for m in mods)
