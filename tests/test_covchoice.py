"""Covariates in the default combination, validated per member (fit/covchoice.py): AutoARIMA takes the
future ones as regressors (statsforecast's ARIMAX, checked against StatsForecast with X_df), each member
keeps them only where they lower its validation error, keep_covariates forces them; the record reaches
fit's output, the model card and the model file."""
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli

from lstmcast import Forecaster
from lstmcast.data.covariates import builtin_part, covariates_from_frame, lstm_part, user_X
from lstmcast.data.panel import as_panel

N, H = 96, 12
SMALL = dict(seeds=2, epochs=20)


def _driven(seed=0):
    """A monthly series: trend, season, 6 x a known-ahead regressor x, and an unrelated column noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(N + H)
    x, noise = np.round(rng.normal(size=(2, N + H)), 3)
    y = 50 + 0.2 * t + 5 * np.sin(2 * np.pi * t / 12) + 6 * x + rng.normal(0, 0.5, N + H)
    return pd.DataFrame({"unique_id": "s", "ds": pd.date_range("2010-01-01", periods=N + H, freq="MS"), "y": y,
                         "x": x, "noise": noise})


def _recorded_rule(rec):
    """A member's record keeps the covariates exactly when their validation error is the lower one."""
    if "with" in rec:
        assert rec["kept"] == (rec["with"] < rec["without"]), rec
    if "ratio" in rec and "series_kept" not in rec:
        assert rec["kept"] == (rec["ratio"] < 1), rec


def test_builtin_part_and_regressors():
    df = _driven()
    panel = as_panel(df[["unique_id", "ds", "y"]])
    cov = covariates_from_frame(panel, df, futr_exog=["x"], hist_exog=["noise"], calendar=True)
    cal = builtin_part(cov)
    assert cal.futr_names == cov.calendar and not cal.hist_names and cal.builtin_only
    np.testing.assert_array_equal(cal.futr[0], cov.futr[0][:, 1:])
    np.testing.assert_array_equal(user_X(cov)[0][:, 0], df.x.to_numpy())       # through the future rows
    assert lstm_part(cov, {"lstm": {"kept": False}}).futr_names == cov.calendar and lstm_part(cov, None) is cov
    plain = covariates_from_frame(panel, df, hist_exog=["noise"])
    assert builtin_part(plain) is None and user_X(plain) == {}


@pytest.mark.slow
def test_default_keeps_its_combination_and_arimax_equals_statsforecast(tmp_path):
    """x drives y: the default is still the LSTM, the pretrained LSTM, AutoETS and AutoARIMA; AutoARIMA keeps x as a
    regressor, and the member inside the fit is statsforecast's AutoARIMA with X_df (rtol 1e-6); its validated weight
    dominates (its folds see x); a saved model forecasts the same, AutoARIMA from its stored state."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA
    df = _driven()
    train, fut = df.iloc[:N], df.iloc[N:]
    fc = Forecaster(**SMALL).fit(train, futr_exog=["x"])
    ch = fc.cov_choice_
    assert fc.members_ == ("lstm", "pretrained", "ets", "arima") and ch["arima"]["series_kept"] == [0]
    assert not ch["ets"]["kept"] and not ch["pretrained"]["kept"]
    _recorded_rule(ch["lstm"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = StatsForecast(models=[AutoARIMA(season_length=12)], freq="MS").forecast(
            df=train[["unique_id", "ds", "y", "x"]], h=H, X_df=fut[["unique_id", "ds", "x"]])
    got = fc.stat_fits_["arima"][0].predict(H, None, df[["x"]].to_numpy())["mean"]
    np.testing.assert_allclose(got, want["AutoARIMA"], rtol=1e-6)
    w = fc.weights_[0]
    assert w["arima"][0] > 0.5 and len(w["arima"]) == fc.spec_.recipe.h          # per step, from the folds
    f = fc.forecast(H, futr_df=fut[["unique_id", "ds", "x"]], level=[80])
    assert set(f["model"]) == {"lstm+pretrained+ets+arima"}
    assert np.abs(f["mean"].to_numpy() - fut.y.to_numpy()).mean() < 2.0          # ARIMAX carries x (seen: 0.6)
    fc.save(tmp_path / "m")
    back = Forecaster.load(tmp_path / "m")
    assert back.cov_choice_ == ch
    pd.testing.assert_frame_equal(back.forecast(H, futr_df=fut[["unique_id", "ds", "x"]], level=[80]), f)
    assert back.stat_fits_["arima"][0]._model is None                         # no refit: the stored state


@pytest.mark.slow
def test_an_unrelated_covariate_is_dropped_and_keep_forces_it():
    """noise has nothing to do with y: AutoARIMA's validation error with it is not lower, so it is dropped
    (its AutoARIMA is the one without regressors); keep_covariates=True keeps it in every member that
    can take it; the records say why."""
    df = _driven()
    train = df.iloc[:N]
    fc = Forecaster(**SMALL).fit(train, futr_exog=["noise"])
    ch = fc.cov_choice_
    assert not ch["arima"]["kept"] and ch["arima"]["ratio"] >= 1 and fc.stat_fits_["arima"][0].k == 0
    assert ch["arima"]["why"].startswith("dropped") and not ch["forced"]
    _recorded_rule(ch["lstm"])
    forced = Forecaster(keep_covariates=True, **SMALL).fit(train, futr_exog=["noise"])
    fch = forced.cov_choice_
    assert fch["forced"] and fch["lstm"]["kept"] and fch["arima"]["series_kept"] == [0]
    assert forced.stat_fits_["arima"][0].k == 1 and forced.spec_.recipe.n_cov > 0
    assert "keep_covariates=True" in fch["lstm"]["why"]
    cvf = Forecaster(**SMALL)
    cv = cvf.cross_validation(df, h=6, n_windows=2, futr_exog=["noise"])     # the second window reuses the choice
    assert "combo" in cv.columns and cvf.cv_first_.cov_choice["covariates"] == ["noise"]
    assert Forecaster(**SMALL).fit(train).cov_choice_ is None                 # no covariates, no record


@pytest.mark.slow
def test_cli_fit_says_what_each_member_kept(tmp_path):
    df = _driven()
    df.iloc[:N].to_csv(tmp_path / "train.csv", index=False)
    code, out, err = run_cli("fit", tmp_path / "train.csv", "--futr-exog", "x", "--seeds", "2", "--epochs", "20",
                             "--model", tmp_path / "m")
    assert code == 0, err
    lines = [ln for ln in err.splitlines() if "covariates, " in ln]
    assert any("covariates, LSTM: " in ln and "RMSE on rolling folds" in ln for ln in lines), err
    assert any("covariates, AutoARIMA: kept for 1 of 1 series" in ln and "uses x" in ln for ln in lines), err
    assert any("covariates, AutoETS: AutoETS takes no covariates" in ln for ln in lines), err
    from lstmcast.report.card import card_for
    card = card_for(Forecaster.load(tmp_path / "m"))
    section = card["covariates (each member validated with and without them)"]
    assert set(section) == {"LSTM", "AutoARIMA", "AutoETS", "pretrained LSTM"} and "uses x" in section["AutoARIMA"]
