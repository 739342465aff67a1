"""Metrics by hand; baselines on the airline split; cut-offs; no leakage."""
import json

import numpy as np
import pytest
from helpers import run_cli, write_series

from lstmcast import Forecaster, datasets
from lstmcast.evaluate import backtest, cutoffs, metrics, per_series_scores, summarise


def score(cv, info, models):
    return summarise(per_series_scores(cv, info["panel"], models, info["season_length"]), models)

Y = datasets.airline()


def test_metrics_by_hand():
    y, f = np.array([10.0, 20.0, 30.0]), np.array([12.0, 18.0, 33.0])
    assert metrics.rmse(y, f) == pytest.approx(np.sqrt((4 + 4 + 9) / 3))
    assert metrics.mae(y, f) == pytest.approx(7 / 3)
    assert metrics.mape(y, f) == pytest.approx(100 * (0.2 + 0.1 + 0.1) / 3)
    assert metrics.smape(y, f) == pytest.approx(100 * (4 / 22 + 4 / 38 + 6 / 63) / 3)
    train = np.array([1.0, 2.0, 4.0, 7.0, 11.0])
    assert metrics.seasonal_naive_mae(train, 2) == pytest.approx((3 + 5 + 7) / 3)
    assert metrics.mase(y, f, train, 2) == pytest.approx((7 / 3) / 5)
    assert np.isnan(metrics.mape([0.0, 1.0], [1.0, 1.0]))
    assert metrics.smape([0.0], [0.0]) == 0.0
    with pytest.raises(ValueError, match="same shape"):
        metrics.rmse([1, 2], [1])


def test_cutoffs_match_the_tutorial_split():
    c = cutoffs(144, 1, 48, 1)
    assert c[0] == 95 and c[-1] == 142 and len(c) == 48     # first window trains on months 1..96
    assert cutoffs(144, 12, 1, 12).tolist() == [131]          # forecast 1960 from 1949-1959


def test_baselines_on_the_airline_split():
    cv, info = backtest(Forecaster(), Y, 1, 48, refit=False, models=("naive", "snaive", "drift", "ets", "arima"))
    s = score(cv, info, ["naive", "snaive", "drift", "ets", "arima"])
    v = Y.to_numpy()
    # independent numbers: persistence and seasonal naive from the raw values
    assert s["naive"]["rmse"] == pytest.approx(np.sqrt(np.mean((v[96:] - v[95:143]) ** 2)))
    assert round(s["naive"]["rmse"], 2) == 48.04 and round(s["snaive"]["rmse"], 2) == 41.85
    assert s["arima"]["rmse"] == pytest.approx(14.6, abs=0.5)
    assert s["ets"]["rmse"] == pytest.approx(25.5, abs=1.0)
    assert info["cutoffs"][0] == "1956-12-01"


def test_drift_by_hand():
    cv, _ = backtest(Forecaster(), Y, 3, 2, refit=True, models=("drift",))
    v = Y.to_numpy()
    c = 144 - 3 - 1  # the last window ends 3 months before the end
    np.testing.assert_allclose(cv["drift"].to_numpy()[-3:], v[c + 0] + np.arange(1, 4) * (v[c] - v[0]) / c)


@pytest.mark.slow
@pytest.mark.parametrize("refit", [True, False])
def test_no_leakage_after_cutoff(refit):
    """Changing values after a cut-off leaves that window's forecasts unchanged."""
    fc = Forecaster(look_back=6, epochs=3, seeds=2, units=(4,))
    y = Y.iloc[:120]
    cv1, info = backtest(fc, y, 3, 2, refit=refit, models=("lstm", "naive", "snaive", "drift"))
    cut = cutoffs(len(y), 3, 2, 3)[0]
    y2 = y.copy()
    y2.iloc[cut + 1:] = y2.iloc[cut + 1:] * 3 + 50
    cv2, _ = backtest(fc, y2, 3, 2, refit=refit, models=("lstm", "naive", "snaive", "drift"))
    first = cv1["cutoff"] == cv1["cutoff"].iloc[0]
    for m in ("lstm", "naive", "snaive", "drift"):
        np.testing.assert_allclose(cv1.loc[first, m], cv2.loc[first, m], rtol=1e-12)
    assert not np.allclose(cv1.loc[~first, "naive"], cv2.loc[~first, "naive"])  # later windows did see it


@pytest.mark.slow
def test_refit_windows_equal_separate_fits(monkeypatch):
    # cold refits (the default; warm-started ones: tests/test_speed.py)
    monkeypatch.setattr("lstmcast.fit.backtesting.WARM_REFITS", False)
    fc = Forecaster(look_back=6, epochs=3, seeds=2, units=(4,), diff=(1,))
    y = Y.iloc[:100]
    cv, info = backtest(fc, y, 2, 3, refit=True, models=("default", "lstm"))
    for j, c in enumerate(cutoffs(len(y), 2, 3, 2)):
        alone = Forecaster(**fc.get_params()).fit(y.iloc[: c + 1]).forecast(2)       # LSTM + AutoETS
        np.testing.assert_allclose(cv["default"].to_numpy()[2 * j: 2 * j + 2], alone["mean"], rtol=1e-4)
        pure = Forecaster(**{**fc.get_params(), "model": "lstm"}).fit(y.iloc[: c + 1]).forecast(2)
        np.testing.assert_allclose(cv["lstm"].to_numpy()[2 * j: 2 * j + 2], pure["mean"], rtol=1e-4)


@pytest.mark.slow
def test_evaluate_cli_json(tmp_path):
    code, out, err = run_cli("evaluate", "--horizon", "12", "--windows", "2", "--models", "lstm,naive,snaive",
                             "--epochs", "2", "--seeds", "2", "--json", "--plot", tmp_path / "b.png",
                             "--level", "80", "95")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) >= {"horizon", "windows", "step", "refit", "season_length", "cutoffs", "models", "lstm_seeds",
                        "series", "fallbacks"}
    assert doc["series"] == 1 and doc["fallbacks"] == 0
    assert doc["season_length"] == 12 and doc["cutoffs"] == ["1958-12-01", "1959-12-01"]
    assert set(doc["models"]) == {"default", "lstm", "naive", "snaive"}     # default and lstm always both shown
    assert doc["default_model"] == "lstm+pretrained+ets+arima"
    assert set(doc["models"]["naive"]) >= {"rmse", "mae", "mape", "smape", "mase", "seconds", "mase_median",
                                           "mase_gmean", "wins"}
    v = Y.to_numpy()
    naive = np.concatenate([np.full(12, v[c]) for c in (119, 131)])
    actual = np.concatenate([v[120:132], v[132:144]])
    assert doc["models"]["naive"]["rmse"] == pytest.approx(np.sqrt(np.mean((actual - naive) ** 2)))
    assert (tmp_path / "b.png").stat().st_size > 10_000
    assert doc["levels"] == ["80", "95"]
    for name in ("default", "lstm", "naive", "snaive"):                 # every row has its bands scored
        s = doc["models"][name]
        assert set(s["coverage"]) == set(s["msis"]) == {"80", "95"}, name
        assert 0 <= s["coverage"]["80"] <= s["coverage"]["95"] <= 1 and s["msis"]["95"] > 0 and s["sql"] > 0, name


def test_statsforecast_baselines_score_a_tiny_series_as_the_same_series_in_ordinary_units():
    """A seasonal series times 1e-6 scores as the series itself under statsforecast's AutoARIMA and AutoETS
    (each fitted on it in units of a power of two). Run on it directly, statsforecast's AutoARIMA forecasts
    it differently (by about 1%): it is not scale-free."""
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA
    rng = np.random.default_rng(0)
    y = pd.Series(100 + 10 * np.sin(np.arange(60) * 2 * np.pi / 12) + rng.normal(0, 1, 60),
                  index=pd.date_range("2015-01-01", periods=60, freq="MS"))
    models = ("ets", "arima")
    ref, _ = backtest(Forecaster(), y, 6, 2, models=models)
    tiny, _ = backtest(Forecaster(), y * 1e-6, 6, 2, models=models)
    for n in models:
        np.testing.assert_allclose(tiny[n].to_numpy() * 1e6, ref[n].to_numpy(), rtol=1e-6)

    def direct(factor):
        df = pd.DataFrame({"unique_id": "s", "ds": y.index, "y": y.to_numpy() * factor})
        sf = StatsForecast(models=[AutoARIMA(season_length=12)], freq="MS")
        return sf.cross_validation(df=df, h=6, n_windows=2, step_size=6)["AutoARIMA"].to_numpy() / factor
    np.testing.assert_allclose(ref["arima"].to_numpy(), direct(1.0), rtol=1e-9)       # ordinary units: untouched
    assert np.max(np.abs(direct(1e-6) / direct(1.0) - 1)) > 1e-3


def test_mase_na_is_explained(tmp_path):
    """A series whose training parts repeat every season (all zeros, then a spike in the last window) has no
    MASE scale: the table says n/a and a note says why, instead of a bare n/a."""
    path = tmp_path / "zeros.csv"
    write_series(path, [0.0] * 57 + [5.0, 0.0, 0.0])
    code, out, err = run_cli("evaluate", path, "--horizon", "3", "--windows", "2", "--models", "naive,snaive,drift")
    assert code == 0, err
    assert "n/a" in out.split("note")[0] and "MASE n/a: the seasonal-naive error inside a training part is 0" in out
