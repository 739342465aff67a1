"""Deseasonalising pipelines (a leading lag 0): the classical seasonal component, its removal at each value's
phase and its return in forecasts, files, and the selection candidates."""
import numpy as np
import pytest

from lstmcast.errors import DataError
from lstmcast.models.lstm import Recipe, windows, windows_many
from lstmcast.prep.pipes import Pipes, fit_pipes, seasonal_component

RNG = np.random.default_rng(3)


def _seasonal(n, m=12, start=0, noise=0.0):
    t = np.arange(start, start + n)
    return 50 + 0.3 * t + 8 * np.sin(2 * np.pi * t / m) + 3 * np.cos(4 * np.pi * t / m) + noise * RNG.normal(size=n)


def test_seasonal_component_by_hand_quarterly():
    # m = 4 (even): trend = 2x4 moving average, weights (1/8, 1/4, 1/4, 1/4, 1/8), defined at t = 2 .. n - 3
    u = np.array([1.0, 5, 3, 7, 2, 6, 4, 8, 3, 7, 5, 9])
    w = np.array([1, 2, 2, 2, 1]) / 8
    trend = {t: float(np.dot(w, u[t - 2:t + 3])) for t in range(2, 10)}
    per = [np.mean([u[t] - trend[t] for t in trend if t % 4 == k]) for k in range(4)]
    expect = np.array(per) - np.mean(per)
    np.testing.assert_allclose(seasonal_component(u, 4), expect, rtol=0, atol=1e-12)
    assert abs(seasonal_component(u, 4).sum()) < 1e-12


@pytest.mark.parametrize("m", [3, 4, 12])
def test_seasonal_component_equals_statsmodels(m):
    sm = pytest.importorskip("statsmodels.tsa.seasonal")
    u = _seasonal(5 * m + 3, m, noise=1.0)
    ref = sm.seasonal_decompose(u, model="additive", period=m).seasonal[:m]
    np.testing.assert_allclose(seasonal_component(u, m), ref, rtol=0, atol=1e-10)


def test_seasonal_component_too_short_or_trailing_nan():
    assert np.all(seasonal_component(np.arange(20.0), 12) == 0)       # under two seasons: nothing removed
    u = _seasonal(40)
    padded = np.r_[u, np.full(7, np.nan)]                              # fit_pipes pads rows with NaN
    np.testing.assert_allclose(seasonal_component(padded, 12), seasonal_component(u, 12), atol=1e-12)


@pytest.mark.parametrize("diff", [(0,), (0, 1)])
@pytest.mark.parametrize("transform", ["log", "none", "boxcox"])
def test_forward_then_invert_is_identity_at_every_phase(diff, transform):
    vals = [_seasonal(n, noise=0.5) for n in (40, 53, 61)]
    P = fit_pipes(vals, transform, diff, "standard", m=12)
    assert P.season.shape == (3, 12) and np.all(np.abs(P.season).max(axis=1) > 0.01)
    for r, v in enumerate(vals):
        p = P.take([r])
        z = p.forward(v[None])[0]                                      # (n - D,)
        D = p.n_lost
        for k in range(16, len(v)):                                    # history v[:k], next value v[k]
            back = p.invert_next(v[None, :k], z[k - D:k - D + 1])
            np.testing.assert_allclose(back, v[k:k + 1], rtol=1e-10)
            tail = v[k - 15:k]                                         # a tail, told where it ends
            np.testing.assert_allclose(p.forward(tail[None], end=np.array([k - 1]))[0], z[k - 15:k - D],
                                       rtol=1e-10, atol=1e-10)
            np.testing.assert_allclose(p.invert_next(tail[None], z[k - D:k - D + 1], end=np.array([k - 1])),
                                       v[k:k + 1], rtol=1e-10)


def test_deseasonalised_values_are_the_values_minus_the_component():
    v = _seasonal(48, noise=0.2)
    P = fit_pipes([v], "none", (0,), "standard", m=12)
    s = seasonal_component(v, 12)
    d = v - s[np.arange(48) % 12]
    np.testing.assert_allclose(P.forward(v[None])[0], (d - d.mean()) / d.std(), rtol=1e-10)


@pytest.mark.parametrize("kw", [{}, {"level_norm": True}])
def test_windows_many_equals_windows_per_series(kw):
    rec = Recipe(m=12, look_back=5, h=3, **kw)
    vals = [_seasonal(n, noise=1.0) for n in (40, 55)]
    P = fit_pipes(vals, "log", (0, 1), "standard", m=12)
    x, t, counts = windows_many(rec, P, vals)
    start = 0
    for r, v in enumerate(vals):
        xr, tr = windows(rec, P.take([r]), v)
        np.testing.assert_allclose(x[start:start + counts[r]], xr, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(t[start:start + counts[r]], tr, rtol=1e-5, atol=1e-6)
        start += counts[r]


def test_file_round_trip_and_a_missing_component():
    P = fit_pipes([_seasonal(40), _seasonal(50)], "log", (0, 1), "standard", m=12)
    Q = Pipes.from_dict(P.to_dict())
    np.testing.assert_array_equal(Q.season, P.season)
    v = _seasonal(50)
    np.testing.assert_array_equal(Q.forward(v[None].repeat(2, 0)), P.forward(v[None].repeat(2, 0)))
    d = P.to_dict()
    del d["season"]
    with pytest.raises(DataError, match="seasonal component"):
        Pipes.from_dict(d)
    with pytest.raises(DataError, match="lag 0"):
        fit_pipes([_seasonal(40)], "log", (1, 0), "standard", m=12)


def test_candidates_include_deseasonalising_for_seasonal_series_only():
    from lstmcast import Forecaster
    from lstmcast.fit.select import candidates
    y = _seasonal(120, noise=1.0)
    c12 = candidates(y, Forecaster().spec("local", 12, len(y)), "auto")
    assert (0, 1) in c12
    c1 = candidates(y, Forecaster().spec("local", 1, len(y)), "auto")
    assert all(0 not in c for c in c1)


def test_pure_seasonal_series_is_forecast_and_survives_save(tmp_path):
    import pandas as pd

    from lstmcast import Forecaster
    n, h = 72, 12
    t = np.arange(n + h)
    y = 100 + 10 * np.sin(2 * np.pi * t / 12) + 4 * np.cos(4 * np.pi * t / 12)    # exactly periodic
    df = pd.DataFrame({"unique_id": "s", "ds": pd.date_range("2000-01-01", periods=n, freq="MS"), "y": y[:n]})
    fc = Forecaster(model="lstm", diff=(0,), seeds=2, epochs=30).fit(df)
    f = fc.forecast(h)["mean"].to_numpy()
    # the deseasonalised series is constant: the forecast is the seasonal pattern, to well under 1% of its range
    assert np.max(np.abs(f - y[n:])) < 0.01 * np.ptp(y)
    # a seasonal naive of the (log) seasonal component alone would be exact too; the phase must be right
    assert np.max(np.abs(f - np.roll(y[n:], 1))) > 0.2 * np.ptp(y)
    fc.save(tmp_path / "m")
    back = Forecaster.load(tmp_path / "m")
    np.testing.assert_allclose(back.forecast(h)["mean"].to_numpy(), f, rtol=1e-6)
    with pytest.raises(DataError, match="diff lags"):
        Forecaster(diff=(1, 0)).fit(df)


def test_recent_seasons_only_with_phases_from_the_start():
    u = _seasonal(100, noise=1.0) + np.where(np.arange(100) < 50, 5.0, 0.0) * np.sin(np.arange(100))
    start = 100 - 4 * 12                                       # 3 seasons + 1 of the newest values
    tail = seasonal_component(u[start:], 12)                   # phase 0 = index start there
    np.testing.assert_allclose(seasonal_component(u, 12, seasons=3), [tail[(k - start) % 12] for k in range(12)],
                               atol=1e-12)
    sm = pytest.importorskip("statsmodels.tsa.seasonal")
    ref = sm.seasonal_decompose(u[start:], model="additive", period=12).seasonal
    expect = np.array([ref[(k - start) % 12] for k in range(12)])    # phase k: series index = k mod 12
    np.testing.assert_allclose(seasonal_component(u, 12, seasons=3), expect, atol=1e-10)
    assert np.max(np.abs(seasonal_component(u, 12) - expect)) > 0.1  # the whole history differs
    np.testing.assert_allclose(seasonal_component(u[:40], 12, seasons=3), seasonal_component(u[:40], 12))


def test_cli_diff_with_a_leading_zero(tmp_path):
    """`--diff 0,1` deseasonalises (stored as such); a 0 anywhere else is refused in one line."""
    import json

    from helpers import run_cli

    from lstmcast import datasets
    csv = tmp_path / "air.csv"
    datasets.airline().rename("y").rename_axis("ds").reset_index().to_csv(csv, index=False)
    code, out, err = run_cli("fit", csv, "--model", tmp_path / "m", "--diff", "0,1", "--epochs", "2", "--seeds", "1",
                             "--combination", "lstm", "--quiet")
    assert code == 0, err
    assert json.loads((tmp_path / "m" / "config.json").read_text())["series"]["diffs"] == {"0": [0, 1]}
    code, out, err = run_cli("fit", csv, "--model", tmp_path / "m2", "--diff", "12,0", "--quiet")
    assert code == 2 and "leading 0" in err and len(err.strip().splitlines()) == 1
