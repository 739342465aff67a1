"""The pretrained LSTM, zero-shot: shapes, quantile order, closed-form series, corrupted weights, the API and CLI."""
import hashlib
import json
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import check_error, run_cli, write_series

from lstmcast import Forecaster
from lstmcast.errors import DataError
from lstmcast.evaluate import backtest
from lstmcast.models.pretrained import forecast_arrays, forecast_quantiles, load
from lstmcast.models.pretrained_card import WEIGHTS, card_sha256


def test_shapes_finite_and_quantiles_in_order():
    rng = np.random.default_rng(0)
    series = [rng.normal(size=n).cumsum() + 100 for n in (1, 5, 30, 200, 700)] + [np.r_[np.nan, 3.0, np.nan, 4.0]]
    q, taus = forecast_quantiles(series, 12, 100)          # past the direct 48 steps: recursive on the median
    assert q.shape == (6, 100, len(taus)) and np.isfinite(q).all()
    assert (np.diff(q, axis=-1) >= 0).all() and list(taus) == sorted(taus) and 0.5 in taus
    point, bounds = forecast_arrays(series, 12, 100, levels=(50, 80, 95, 99))
    np.testing.assert_array_equal(point, q[..., list(taus).index(0.5)])
    for a, b in ((50, 80), (80, 95), (95, 99)):
        assert (bounds[b][0] <= bounds[a][0]).all() and (bounds[a][1] <= bounds[b][1]).all()
    np.testing.assert_allclose(bounds[80][0], q[..., list(taus).index(0.1)])   # on the grid: the head's own


def test_scale_invariant():
    """Scaling and shifting a series scales and shifts its forecast (the network sees scaled windows)."""
    y = np.random.default_rng(1).normal(size=150).cumsum() + 40
    a, _ = forecast_arrays([y], 12, 12)
    b, _ = forecast_arrays([1000 * y + 5], 12, 12)
    np.testing.assert_allclose(b, 1000 * a + 5, rtol=1e-4)


def test_seasonal_sine_and_linear_trend_close_to_truth():
    """Noise-free series whose continuation is known in closed form: a monthly sine (amplitude 10) and a line
    (slope 2) read as monthly and as yearly. Bars: 5% of the amplitude; a fifth of the seasonal naive's
    error (24 at every step) and 40% of the naive's (2 k at step k, mean 13)."""
    t = np.arange(132.0)
    sine = 50 + 10 * np.sin(2 * np.pi * t / 12)
    trend = 10 + 2 * t
    p, _ = forecast_arrays([sine[:120], trend[:120], trend[:120]], [12, 12, 1], 12)
    assert np.abs(p[0] - sine[120:]).mean() < 0.05 * 10
    assert np.abs(p[1] - trend[120:]).mean() < 0.2 * 24
    assert np.abs(p[2] - trend[120:]).mean() < 0.4 * 13


def test_corrupted_weights_refused_in_one_line(tmp_path, monkeypatch):
    bad = tmp_path / "w"
    shutil.copytree(WEIGHTS, bad)
    blob = bytearray((bad / "pretrained.npz").read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (bad / "pretrained.npz").write_bytes(bytes(blob))
    with pytest.raises(DataError, match=r"pretrained\.npz: corrupted .*sha256.*; reinstall lstmcast") as e:
        load(str(bad))
    assert "\n" not in str(e.value)
    monkeypatch.setenv("LSTMCAST_PRETRAINED_DIR", str(bad))
    f = write_series(tmp_path / "s.csv", np.arange(40.0) + 1)
    check_error(*run_cli("forecast", "--data", f, "--horizon", "3"), r"corrupted")


def _frame(n=96):
    t = np.arange(n)
    return pd.DataFrame({"unique_id": np.repeat(["a", "b"], n), "ds": np.tile(pd.date_range("2000-01-01", periods=n,
                         freq="MS"), 2), "y": np.r_[100 + 10 * np.sin(2 * np.pi * t / 12), 5 + 0.5 * t]})


def test_forecaster_zero_shot_matches_arrays():
    df = _frame()
    out = Forecaster(model="pretrained").fit(df).forecast(6, level=[80])
    assert list(out.columns) == ["unique_id", "ds", "mean", "lo-80", "hi-80", "model"] and len(out) == 12
    assert (out["model"] == "pretrained").all() and (out["lo-80"] <= out["mean"]).all()
    assert out["ds"].iloc[0] == pd.Timestamp("2008-01-01")
    ref, bounds = forecast_arrays([df.y[:96].to_numpy(), df.y[96:].to_numpy()], 12, 6, levels=[80])
    np.testing.assert_allclose(out["mean"].to_numpy(), ref.ravel())
    np.testing.assert_allclose(out["hi-80"].to_numpy(), bounds[80][1].ravel())


def test_zero_shot_backtest_uses_only_the_past():
    df = _frame()
    cv, info = backtest(Forecaster(), df, h=6, n_windows=2, models=("pretrained", "snaive"))
    assert len(cv) == 2 * 2 * 6 and set(cv["cutoff"]) == {pd.Timestamp("2006-12-01"), pd.Timestamp("2007-06-01")}
    first = cv[(cv.unique_id == "a") & (cv.cutoff == pd.Timestamp("2006-12-01"))]
    ref, _ = forecast_arrays([df.y[:84].to_numpy()], 12, 6)
    np.testing.assert_allclose(first["pretrained"], ref[0], rtol=1e-6)
    np.testing.assert_allclose(first["y"], df.y[84:90])
    fcv = Forecaster(model="pretrained").cross_validation(df, h=6, n_windows=2)
    np.testing.assert_allclose(fcv.sort_values(["unique_id", "cutoff", "ds"])["lstm"],
                               cv.sort_values(["unique_id", "cutoff", "ds"])["pretrained"], rtol=1e-5)


def test_cli_forecast_without_model_is_zero_shot(tmp_path):
    f = write_series(tmp_path / "s.csv", np.round(100 + 10 * np.sin(np.arange(60) * 2 * np.pi / 12), 3))
    code, out, err = run_cli("forecast", "--data", f, "--horizon", "12", "--level", "90", "--out", tmp_path / "o.csv")
    assert code == 0, err
    got = pd.read_csv(tmp_path / "o.csv")
    assert list(got.columns) == ["unique_id", "date", "mean", "lo-90", "hi-90", "model"] and len(got) == 12
    assert "zero-shot" in err
    check_error(*run_cli("forecast", "--horizon", "3"), r"give --model DIR .* or --data FILE")
    check_error(*run_cli("forecast", "--data", f, "--horizon", "3", "--plot", tmp_path / "p.png"),
                r"--plot needs --model DIR")


def test_saved_model_records_the_weights_and_says_when_they_changed(tmp_path, monkeypatch):
    """A saved model names the sha256 of the weights its zero-shot member used; read under other weights (a
    newer lstmcast, another $LSTMCAST_PRETRAINED_DIR) it still forecasts, with a note saying so."""
    Forecaster(model="pretrained").fit(_frame()).save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    shipped = hashlib.sha256(open(f"{WEIGHTS}/pretrained.npz", "rb").read()).hexdigest()
    assert config["resolved"]["pretrained_sha256"] == shipped == card_sha256()
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # same weights: no warning
        before = Forecaster.load(tmp_path / "m").forecast(6)["mean"].to_numpy()
    other = tmp_path / "w"                                       # other weights, with a card that matches them
    other.mkdir()
    with np.load(f"{WEIGHTS}/pretrained.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["dense_bias"] = arrays["dense_bias"] + np.float32(0.05)
    np.savez(other / "pretrained.npz", **arrays)
    card = json.loads(open(f"{WEIGHTS}/pretrained.json").read())
    card["sha256"] = hashlib.sha256((other / "pretrained.npz").read_bytes()).hexdigest()
    (other / "pretrained.json").write_text(json.dumps(card))
    monkeypatch.setenv("LSTMCAST_PRETRAINED_DIR", str(other))
    with pytest.warns(UserWarning, match=f"fitted with pretrained weights {shipped[:12]}, this lstmcast has "
                                         f"{card['sha256'][:12]}.*refit"):
        after = Forecaster.load(tmp_path / "m").forecast(6)["mean"].to_numpy()
    assert not np.allclose(before, after)                        # the note is true: the forecasts moved
    code, out, err = run_cli("forecast", "--model", tmp_path / "m", "--horizon", "3")
    assert code == 0 and err.count(shipped[:12]) == 1 and "Warning" not in err, err
    config["resolved"]["pretrained_sha256"] = "not-a-sha"
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    check_error(*run_cli("forecast", "--model", tmp_path / "m", "--horizon", "3"), r"pretrained_sha256.*sha256 in hex")
