"""The default forecast: the LSTM combined with AutoETS and AutoARIMA (fit/combine.py, models/statmembers.py),
checked against statsforecast called directly and against the LSTM fitted alone."""
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli

from lstmcast import Forecaster
from lstmcast.errors import DataError
from lstmcast.fit.combine import combine, inverse_mse_weights
from lstmcast.fit.settings import Settings
from lstmcast.models.statmembers import members

FAST = dict(epochs=3, seeds=2, units=(4,), look_back=6, diff=(1,))   # explicit diff: no validation, equal weights
ETS = dict(FAST, model="lstm+ets")


def _series(n=72, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 100 + 0.8 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, n)
    return pd.Series(y, index=pd.date_range("2000-01-01", periods=n, freq="MS"), name="y")


def _ets(y, h, level=None, m=12):
    from statsforecast.models import AutoETS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AutoETS(season_length=m).forecast(y=np.asarray(y, np.float64), h=h, level=level)


def test_weights_and_combination_by_hand():
    w = inverse_mse_weights({"lstm": 1.0, "ets": 3.0})          # 1/1 : 1/3 -> 3/4, 1/4
    assert w == pytest.approx({"lstm": 0.75, "ets": 0.25})
    assert inverse_mse_weights({"lstm": 1.0, "ets": float("nan")}) == {"lstm": 0.5, "ets": 0.5}
    parts = [("lstm", {"mean": np.array([1.0, 2.0]), "lo-80": np.array([0.0, 1.0]), "hi-80": np.array([2.0, 3.0])}),
             ("ets", {"mean": np.array([5.0, 6.0]), "lo-80": np.array([4.0, 4.0]), "hi-80": np.array([6.0, 9.0])})]
    out = combine(parts, [80], {"lstm": 0.75, "ets": 0.25})
    np.testing.assert_allclose(out["mean"], [2.0, 3.0])
    np.testing.assert_allclose(out["lo-80"], [1.0, 1.75])
    np.testing.assert_allclose(out["hi-80"], [3.0, 4.5])
    np.testing.assert_allclose(combine(parts, [])["mean"], [3.0, 4.0])     # equal weights by default
    per_step = combine(parts, [], {"lstm": [1.0, 0.5], "ets": [0.0, 0.5]})  # weights per horizon step
    np.testing.assert_allclose(per_step["mean"], [1.0, 4.0])
    from lstmcast.fit.combine import step_weights
    sw = step_weights({"lstm": [1.0, 3.0], "ets": [3.0, 1.0]})             # cumulative MSE: (1, 2) vs (3, 2)
    assert sw == {"lstm": [0.75, 0.5], "ets": [0.25, 0.5]}


def test_model_names():
    assert members("lstm+ets") == ("lstm", "ets") and members("lstm") == ("lstm",)
    assert members("ets") == ("ets",) and members("pretrained+ets") == ("pretrained", "ets")   # no network trained
    for bad in ("lstm+prophet", "lstm+ets+ets", "", "pretrained+lstm"):
        with pytest.raises(DataError, match="model must be"):
            members(bad)
    with pytest.raises(DataError, match="model must be"):
        Forecaster(model="ets+lstm", **FAST).fit(_series())


def _arima(y, h, level=None, m=12):
    from statsforecast.models import AutoARIMA
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AutoARIMA(season_length=m).forecast(y=np.asarray(y, np.float64), h=h, level=level)


@pytest.mark.slow
def test_default_is_the_mean_of_the_lstm_the_pretrained_lstm_and_statsforecasts_autoets_and_autoarima():
    from lstmcast.models.pretrained import forecast_arrays
    y = _series()
    combo = Forecaster(**FAST).fit(y)
    pure = Forecaster(model="lstm", **FAST).fit(y)
    a, b = combo.forecast(7, level=[80]), pure.forecast(7, level=[80])
    e, r = _ets(y.to_numpy(), 7, level=[80]), _arima(y.to_numpy(), 7, level=[80])
    point, bounds = forecast_arrays([y.to_numpy()], 12, 7, [80])                  # the network's own call
    z = {"mean": point[0], "lo-80": bounds[80][0][0], "hi-80": bounds[80][1][0]}
    for k in ("mean", "lo-80", "hi-80"):
        np.testing.assert_allclose(a[k], (b[k] + z[k] + e[k] + r[k]) / 4, rtol=1e-6)
    assert set(a["model"]) == {"lstm+pretrained+ets+arima"} and set(b["model"]) == {"lstm"}
    assert combo.members_ == ("lstm", "pretrained", "ets", "arima")
    assert combo.per_series_["model"].tolist() == ["lstm+pretrained+ets+arima"]
    two = Forecaster(**ETS).fit(y).forecast(7)                         # model="lstm+ets": the two alone
    np.testing.assert_allclose(two["mean"], (b["mean"] + e["mean"]) / 2, rtol=1e-6)


@pytest.mark.slow
def test_validation_weights_combine_the_members(tmp_path):
    """diff="auto": the differencing folds give each member inverse-MSE weights per horizon step (from its
    errors over steps 1..k); the forecast is that weighted mean of the LSTM alone and AutoETS, and
    survives save/load."""
    y = _series(90, seed=3)
    params = dict(epochs=3, seeds=2, units=(4,), look_back=6, model="lstm+ets")
    combo = Forecaster(**params).fit(y)
    w = {n: np.asarray(v) for n, v in combo.weights_[0].items()}
    assert set(w) == {"lstm", "ets"} and np.allclose(w["lstm"] + w["ets"], 1) and len(w["lstm"]) == 12
    assert np.all((w["ets"] > 0) & (w["ets"] < 1))
    pure = Forecaster(**dict(params, model="lstm"), diff=combo.diffs_[0]).fit(y).forecast(5)
    e = _ets(y.to_numpy(), 5)
    np.testing.assert_allclose(combo.forecast(5)["mean"], w["lstm"][:5] * pure["mean"] + w["ets"][:5] * e["mean"],
                               rtol=1e-5)
    # the last step's weights use every step's errors: their ratio is the ratio of the pooled fold MSEs
    lstm_rmse = combo.diff_scores_[0][",".join(map(str, combo.diffs_[0])) or "none"]
    assert w["lstm"][-1] / w["ets"][-1] == pytest.approx(combo_ets_mse(combo).mean() / lstm_rmse ** 2, rel=1e-4)
    combo.save(tmp_path / "m")
    back = Forecaster.load(tmp_path / "m")
    pd.testing.assert_frame_equal(combo.forecast(5, level=[80, 95]), back.forecast(5, level=[80, 95]))


def combo_ets_mse(fc):
    from lstmcast.fit.combine import fold_mse
    from lstmcast.fit.select import FOLDS
    R = fc.spec_.recipe
    return fold_mse(fc.panel_.values[0], R.h, R.m, "ets", FOLDS, max(R.m, 4))


def test_newer_data_moves_autoets_with_frozen_parameters():
    y = _series(84)
    fc = Forecaster(**ETS).fit(y.iloc[:72])
    pure = Forecaster(model="lstm", **FAST).fit(y.iloc[:72])
    out = fc.forecast(4, y.iloc[72:])
    from statsforecast.models import AutoETS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ets = AutoETS(season_length=12).fit(y.to_numpy()[:72]).forward(y=y.to_numpy(), h=4)["mean"]
    np.testing.assert_allclose(out["mean"], (pure.forecast(4, y.iloc[72:])["mean"] + ets) / 2, rtol=1e-6)
    assert out["ds"].iloc[0] == y.index[-1] + y.index.freq


def test_backtest_windows_too_short_for_the_lstm_use_autoets_and_say_so():
    y = _series(40)
    fc = Forecaster(epochs=2, seeds=1, units=(4,), look_back=12, diff=(1,), model="lstm+ets")
    with pytest.raises(DataError, match="too short"):
        Forecaster(**fc.get_params()).fit(y.iloc[:20])             # a fit of one short series is an error
    cv = fc.cross_validation(y, h=4, n_windows=3, step_size=8)      # cut-offs after 20, 28 and 36 values
    first = cv["cutoff"] == cv["cutoff"].min()
    assert cv["cutoff"].min() == y.index[19]
    np.testing.assert_allclose(cv.loc[first, "combo"], _ets(y.to_numpy()[:20], 4)["mean"], rtol=1e-6)
    used = fc.cv_models_.set_index("cutoff")["model"]
    assert used.iloc[0] == "ets-fallback" and used.iloc[-1] == "lstm+ets"


@pytest.mark.slow
def test_covariates_keep_the_default_combination():
    """Historical covariates: the default combination stays (it was the LSTM alone); AutoETS and the
    pretrained LSTM take no covariates, AutoARIMA only future ones; the LSTM's record follows its errors."""
    y = _series(60)
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"unique_id": "a", "ds": y.index, "y": y.to_numpy(), "x": rng.normal(size=60)})
    fc = Forecaster(epochs=2, seeds=1, units=(4,), look_back=6, transform="none").fit(df, hist_exog=["x"])
    assert fc.members_ == ("lstm", "pretrained", "ets", "arima")
    assert set(fc.forecast(3)["model"]) == {"lstm+pretrained+ets+arima"}
    ch = fc.cov_choice_
    assert ch["covariates"] == ["x"] and not ch["ets"]["kept"] and not ch["arima"]["kept"]
    assert "future covariates only" in ch["arima"]["why"]
    assert "with" not in ch["lstm"] or ch["lstm"]["kept"] == (ch["lstm"]["with"] < ch["lstm"]["without"])


def test_evaluate_shows_default_and_lstm_rows(tmp_path):
    args = ("evaluate", "--horizon", "12", "--windows", "1", "--models", "snaive", "--epochs", "2", "--seeds", "1",
            "--diff", "12", "--json")
    code, out, err = run_cli(*args)
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc["models"]) == {"default", "lstm", "snaive"} and doc["default_model"] == "lstm+pretrained+ets+arima"
    assert doc["models"]["default"]["mase"] != doc["models"]["lstm"]["mase"]
    code, out, err = run_cli(*args, "--combination", "lstm")
    doc = json.loads(out)
    assert doc["default_model"] == "lstm" and doc["models"]["default"]["mase"] == doc["models"]["lstm"]["mase"]
    code, out, err = run_cli(*args[:-1], "--combination", "lstm+prophet")
    assert code == 2 and "--combination" in err and "prophet" in err and "Traceback" not in err


def test_default_combines_up_to_a_panel_size(monkeypatch):
    """model=None is 'lstm+pretrained+ets+arima' up to ARIMA_UP_TO series, 'lstm+pretrained+ets' up to
    STATS_UP_TO and the LSTM alone above; an explicit combination always combines."""
    import lstmcast.models.statmembers as C
    full, no_arima = ("lstm", "pretrained", "ets", "arima"), ("lstm", "pretrained", "ets")
    assert C.members(None) == C.members(None, C.ARIMA_UP_TO) == full
    assert C.members(None, C.ARIMA_UP_TO + 1) == C.members(None, C.STATS_UP_TO) == no_arima
    assert C.members(None, C.STATS_UP_TO + 1) == ("lstm",)
    assert C.members(None, 1, C.ARIMA_SIZE) == full                                 # longest length x season
    assert C.members(None, 1, C.ARIMA_SIZE + 1) == no_arima                         # weekly 520 values: 27,040
    assert C.members("lstm+ets", C.STATS_UP_TO + 1) == ("lstm", "ets")
    y = _series(60)
    monkeypatch.setattr(C, "ARIMA_SIZE", 60 * 12 - 1)          # the fit measures the series it is given
    assert Forecaster(**FAST).fit(y).members_ == no_arima
    monkeypatch.setattr(C, "ARIMA_SIZE", 60 * 12)
    assert Forecaster(**FAST).fit(y).members_ == full
    monkeypatch.setattr(C, "ARIMA_UP_TO", 1)
    monkeypatch.setattr(C, "STATS_UP_TO", 1)
    rng = np.random.default_rng(0)
    df = pd.concat([pd.DataFrame({"unique_id": k, "ds": pd.date_range("2000-01-01", periods=60, freq="MS"),
                                  "y": 50 + np.cumsum(rng.normal(size=60))}) for k in ("a", "b")])
    assert Forecaster(**FAST, scope="local").fit(df).members_ == ("lstm",)
    assert Forecaster(**FAST, scope="local", model="lstm+ets").fit(df).members_ == ("lstm", "ets")


@pytest.fixture(scope="module")
def validated():
    """The default combination on one series, its weights from validation (the corrupt-file tests' model)."""
    fc = Forecaster(epochs=2, seeds=1, units=(4,), look_back=6).fit(_series(90, seed=3))
    assert fc.weights_                                   # validation ran: the file holds weights
    return fc


@pytest.mark.slow
@pytest.mark.parametrize("mutate, message", [
    (lambda c: c["hyper_parameters"].__setitem__("model", "ets+lstm"), "model must be"),
    (lambda c: c["series"]["weights"]["0"].__setitem__("ets", [2.0]), "series.weights.0.ets"),
    (lambda c: c["series"]["weights"]["0"].__setitem__("ets", []), "at least 1"),
    (lambda c: c["series"]["weights"].__setitem__("7", {"lstm": [1.0]}), "'7' is not a trained series"),
    (lambda c: c["series"]["weights"]["0"].__setitem__("prophet", [0.5]),
     "'prophet' is not a member of lstm+pretrained+ets+arima"),
])
def test_corrupt_combination_in_a_model_directory_is_one_line(tmp_path, validated, mutate, message):
    validated.save(tmp_path / "m")
    c = json.loads((tmp_path / "m" / "config.json").read_text())
    mutate(c)
    (tmp_path / "m" / "config.json").write_text(json.dumps(c))
    code, out, err = run_cli("forecast", "--model", tmp_path / "m", "--horizon", "3")
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_the_lstm_member_of_a_combination_trains_3_seeds_the_lstm_alone_10_unless_asked():
    from lstmcast import Forecaster, datasets
    y = datasets.airline().iloc[:72]
    kw = dict(epochs=2, diff=(12,))
    assert Forecaster(model="lstm+ets", **kw).fit(y).spec_.seeds == 3      # fit_panel says "combined"
    spec = Settings(**Forecaster(**kw).get_params()).spec
    assert (spec("local", 12).seeds, spec("local", 12, combined=True).seeds, spec("global", 12, combined=True).seeds) \
        == (10, 3, 5)
    assert Settings(**Forecaster(seeds=7).get_params()).spec("local", 12, combined=True).seeds == 7
