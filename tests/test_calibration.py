"""Calibrated bands: the LSTM's conformal on its fold errors, a combination's its members' bounds averaged
with the forecast's weights (or conformal on its own fold errors), the levels few errors cannot support
said and widened, and the same bands from a saved model (older files without the errors still load)."""

import numpy as np
import pandas as pd
import pytest

from lstmcast import Forecaster
from lstmcast.fit.calibration import at_origin, calibrate
from lstmcast.models.conformal import half_width, rank


def test_calibrate_combines_the_members_signed_errors():
    rng = np.random.default_rng(1)
    e_lstm, e_ets, e_arima = (rng.normal(size=(12, 8)) for _ in range(3))
    w = {"lstm": [0.5] * 4, "ets": [0.25] * 4, "arima": [0.25] * 4}     # 4 weights: later steps take the last
    cal = calibrate({0: (1,), 1: (4, 1)}, {0: {"errors": e_lstm}, 1: {}}, {0: w},
                    {0: {"ets": e_ets, "arima": e_arima}})
    assert set(cal) == {0}                                              # series 1 was not validated: no errors
    np.testing.assert_allclose(cal[0]["lstm"], e_lstm)                  # signed: forecast - actual
    np.testing.assert_allclose(cal[0]["combo"], 0.5 * e_lstm + 0.25 * e_ets + 0.25 * e_arima, rtol=1e-12)
    w0 = {"lstm": [0.0] * 4, "ets": [0.5] * 4, "arima": [0.5] * 4}      # a member without weight is not in it
    cal = calibrate({0: (1,)}, {0: {"errors": e_lstm}}, {0: w0}, {0: {"ets": e_ets, "arima": e_arima}})
    np.testing.assert_allclose(cal[0]["combo"], 0.5 * e_ets + 0.5 * e_arima, rtol=1e-12)
    cal = calibrate({0: (1,)}, {0: {"errors": e_lstm}}, {0: w}, {0: {"ets": e_ets, "arima": None}})
    assert "combo" not in cal[0]                                        # a member without fold errors: no combo


def _quarterly(n=44, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 50 + 0.5 * t + 6 * np.sin(2 * np.pi * t / 4) + rng.normal(0, 1.5, n)
    return pd.Series(y, index=pd.date_range("2000-01-01", periods=n, freq="QS"))


@pytest.mark.slow
def test_combination_bands_average_the_members_and_survive_a_save(tmp_path, monkeypatch):
    """lstm+ets: the LSTM's band is the conformal quantile of its 12 fold errors per step (95%: the largest,
    said with the 92.3% they support); the combination's bounds are the LSTM's and statsforecast's AutoETS
    bounds averaged with the forecast's weights; "own-errors" makes them conformal on the combination's fold
    errors instead."""
    from statsforecast.models import AutoETS

    import lstmcast.fit.predicting as predicting
    y = _quarterly()
    fc = Forecaster(epochs=2, seeds=2, units=4, model="lstm+ets").fit(y)
    cal = at_origin(fc.calibration_[0], y)                             # relative errors at today's level
    n = int(np.isfinite(cal["lstm"][:, 0]).sum())
    assert n == 12 and rank(n, 95) > n                                 # 3 folds x 4 origins: too few for 95%
    f = fc.forecast(8, level=[80, 95])
    parts = predicting.forecast_frame(fc.state_, 8, None, [80, 95], False, parts=True)
    np.testing.assert_allclose(parts["mean"], f["mean"], rtol=1e-12)
    ets = AutoETS(season_length=4).fit(y.to_numpy()).predict(8, level=[80, 95])
    w = fc.state_.weights[0]
    wl = np.asarray(w["lstm"])[np.minimum(np.arange(8), len(w["lstm"]) - 1)]
    we = np.asarray(w["ets"])[np.minimum(np.arange(8), len(w["ets"]) - 1)]
    wl, we = wl / (wl + we), we / (wl + we)
    for lv in (80, 95):
        q, ok = half_width(cal["lstm"], lv)                            # the LSTM's own conformal band
        np.testing.assert_allclose(parts[f"lstm-hi-{lv}"] - parts["lstm"], q[:8], rtol=1e-9)
        assert ok == (lv == 80)
        for b in ("lo", "hi"):
            np.testing.assert_allclose(f[f"{b}-{lv}"], wl * parts[f"lstm-{b}-{lv}"] + we * ets[f"{b}-{lv}"],
                                       rtol=1e-6)
    np.testing.assert_allclose(parts["lstm-hi-95"] - parts["lstm"], np.nanmax(np.abs(cal["lstm"]), axis=0)[:8])
    note = fc.interval_note_
    assert "members' bands averaged with the forecast's weights" in note and "on 12 errors" in note
    assert "too few errors for 95%" in note and "92.3%" in note
    fc.save(tmp_path / "m")
    again = Forecaster.load(tmp_path / "m").forecast(8, level=[80, 95])
    pd.testing.assert_frame_equal(again, f)
    # the alternative: split conformal on the combination's own fold errors
    monkeypatch.setattr(predicting, "COMBO_BANDS", "own-errors")
    g = fc.forecast(8, level=[80, 95])
    for lv in (80, 95):
        q, _ = half_width(cal["combo"], lv)
        np.testing.assert_allclose(g[f"hi-{lv}"].to_numpy() - g["mean"].to_numpy(), q[:8], rtol=1e-9)
    assert "combined forecast's own rolling-origin validation errors" in fc.interval_note_
    monkeypatch.undo()
    # a model file from before: no calib.* arrays; it loads and says its bands are not fold-calibrated
    z = dict(np.load(tmp_path / "m" / "weights.npz"))
    np.savez(tmp_path / "m" / "weights.npz", **{k: v for k, v in z.items() if not k.startswith("calib.")})
    old = Forecaster.load(tmp_path / "m")
    assert old.calibration_ == {}
    g = old.forecast(8, level=[80, 95])
    assert (g["hi-80"] > g["mean"]).all() and "members' bounds averaged" in old.interval_note_


def test_relative_errors_follow_the_level():
    """Level-relative errors: each fold origin's error over the mean of the season before it; at the
    forecast origin multiplied back by the level there (a series that doubled gets bands twice as wide)."""
    from lstmcast.fit.calibration import _relative
    y = np.r_[np.full(20, 10.0), np.full(20, 20.0)]                    # n = 40, h = 4, m = 4: width 4
    e = np.ones((8, 6))                                                # 2 folds x 4 origins, 6 steps
    rel = _relative({"lstm": e}, y, 4, 4)
    # fold 0 origins 32..35 (level 20), fold 1 origins 28..31 (level 20): errors 1 -> 1/20
    np.testing.assert_allclose(rel["lstm"], 1 / 20)
    assert rel["level"].tolist() == [4.0]
    y2 = np.r_[y[:-4], np.full(4, 40.0)]                               # the level doubled by the forecast origin
    np.testing.assert_allclose(at_origin(rel, y2)["lstm"], 2.0)
    assert "level" not in _relative({"lstm": e}, np.r_[y[:-1], -1.0], 4, 4)   # a value <= 0: absolute errors
