"""Calibrated bands: the combination's from its own fold errors, the levels few errors cannot support
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
    np.testing.assert_allclose(cal[0]["lstm"], np.abs(e_lstm))
    np.testing.assert_allclose(cal[0]["combo"], np.abs(0.5 * e_lstm + 0.25 * e_ets + 0.25 * e_arima), rtol=1e-12)
    w0 = {"lstm": [0.0] * 4, "ets": [0.5] * 4, "arima": [0.5] * 4}      # a member without weight is not in it
    cal = calibrate({0: (1,)}, {0: {"errors": e_lstm}}, {0: w0}, {0: {"ets": e_ets, "arima": e_arima}})
    np.testing.assert_allclose(cal[0]["combo"], np.abs(0.5 * e_ets + 0.5 * e_arima), rtol=1e-12)
    cal = calibrate({0: (1,)}, {0: {"errors": e_lstm}}, {0: w}, {0: {"ets": e_ets, "arima": None}})
    assert "combo" not in cal[0]                                        # a member without fold errors: no combo


def _quarterly(n=44, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 50 + 0.5 * t + 6 * np.sin(2 * np.pi * t / 4) + rng.normal(0, 1.5, n)
    return pd.Series(y, index=pd.date_range("2000-01-01", periods=n, freq="QS"))


@pytest.mark.slow
def test_combination_bands_rest_on_its_fold_errors_and_survive_a_save(tmp_path):
    y = _quarterly()
    fc = Forecaster(epochs=2, seeds=2, units=4, model="lstm+ets").fit(y)
    cal = at_origin(fc.calibration_[0], y)                             # relative errors at today's level
    n = int(np.isfinite(cal["combo"][:, 0]).sum())
    assert n == 12 and rank(n, 95) > n                                 # 3 folds x 4 origins: too few for 95%
    f = fc.forecast(8, level=[80, 95])
    mean = f["mean"].to_numpy()
    for lv in (80, 95):
        q, ok = half_width(cal["combo"], lv)
        np.testing.assert_allclose(f[f"hi-{lv}"].to_numpy() - mean, q[:8], rtol=1e-9)
        np.testing.assert_allclose(mean - f[f"lo-{lv}"].to_numpy(), q[:8], rtol=1e-9)
        assert ok == (lv == 80)
    np.testing.assert_allclose(f["hi-95"].to_numpy() - mean, np.nanmax(cal["combo"], axis=0)[:8], rtol=1e-9)
    note = fc.interval_note_
    assert "combined forecast's own rolling-origin validation errors" in note and "12 errors" in note
    assert "too few errors for 95%" in note and "92.3%" in note
    fc.save(tmp_path / "m")
    again = Forecaster.load(tmp_path / "m").forecast(8, level=[80, 95])
    pd.testing.assert_frame_equal(again, f)
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
