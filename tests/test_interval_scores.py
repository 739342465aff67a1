"""Interval scores (coverage, MSIS, scaled quantile loss) against utilsforecast.losses and by hand."""
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from lstmcast.data.panel import as_panel
from lstmcast.evaluate import metrics
from lstmcast.evaluate.backtest import per_series_scores, summarise

losses = pytest.importorskip("utilsforecast.losses")


def test_interval_scores_by_hand():
    y = np.array([10.0, 20.0, 30.0, 40.0])
    lo, hi = np.array([9.0, 21.0, 25.0, 30.0]), np.array([11.0, 25.0, 35.0, 38.0])
    assert metrics.coverage(y, lo, hi) == 0.5                      # 10 in, 20 below, 30 in, 40 above
    # widths 2, 4, 10, 8; alpha 0.2: penalties 2/0.2 * 1 (y=20 under 21) and 2/0.2 * 2 (y=40 over 38)
    assert metrics.interval_score(y, lo, hi, 80) == pytest.approx((2 + 4 + 10 + 8 + 10 + 20) / 4)
    train = np.array([1.0, 2.0, 4.0, 7.0, 11.0])                   # seasonal-naive MAE, m=2: (3+5+7)/3 = 5
    assert metrics.msis(y, lo, hi, 80, train, 2) == pytest.approx(54 / 4 / 5)
    assert metrics.quantiles_of([80, 95]) == [0.025, 0.1, 0.5, 0.9, 0.975]
    f = np.array([12.0, 18.0, 33.0, 40.0])
    # q=0.9: errors y-f = -2, 2, -3, 0 -> 0.1*2 + 0.9*2 + 0.1*3 + 0 = 2.3, mean 0.575
    assert metrics.quantile_loss(y, f, 0.9) == pytest.approx(0.575)
    sql = metrics.scaled_quantile_loss(y, {0.5: f, 0.9: f}, train, 2)
    assert sql == pytest.approx((0.5 * 7 / 4 + 0.575) / 2 / 5)
    with pytest.raises(ValueError, match="strictly between"):
        metrics.interval_score(y, lo, hi, 100)


def _example(seed=0):
    """Two series, two windows of 3 steps each, a model `m` with 80 and 95% bands."""
    rng = np.random.default_rng(seed)
    hist, rows = [], []
    for uid, n in (("a", 20), ("b", 24)):
        ds = pd.date_range("2000-01-01", periods=n, freq="MS")
        y = 50 + np.cumsum(rng.normal(0, 3, n)) + 5 * np.sin(np.arange(n) * 2 * np.pi / 4)
        hist.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": y}))
        for c in (n - 7, n - 4):
            f = y[c] + rng.normal(0, 2, 3)
            s80, s95 = rng.uniform(1, 6, 3), rng.uniform(6, 12, 3)
            rows.append(pd.DataFrame({"unique_id": uid, "ds": ds[c + 1: c + 4], "cutoff": ds[c], "y": y[c + 1: c + 4],
                                      "m": f, "m-lo-80": f - s80, "m-hi-80": f + s80,
                                      "m-lo-95": f - s95, "m-hi-95": f + s95}))
    return pd.concat(hist, ignore_index=True), pd.concat(rows, ignore_index=True)


def test_per_series_scores_equal_utilsforecast():
    history, cv = _example()
    panel = as_panel(history)
    table = per_series_scores(cv, panel, ["m"], 4, levels=[80, 95]).set_index("unique_id")
    for lv in (80, 95):
        ref = losses.coverage(cv, ["m"], lv).groupby("unique_id")["m"].mean()       # per (id, cutoff)
        np.testing.assert_allclose(table[f"coverage-{lv}"], ref.loc[table.index], rtol=1e-12)
        wink = losses.winkler_score(cv, ["m"], lv)
        scale = losses.mae(_naive_rows(history, cv, 4), ["scale"])
        msis = wink.merge(scale, on=["unique_id", "cutoff"]).eval("m / scale").groupby(wink["unique_id"]).mean()
        np.testing.assert_allclose(table[f"msis-{lv}"], msis.loc[table.index], rtol=1e-12)
    qs = np.array(metrics.quantiles_of([80, 95]))
    cols = {0.025: "m-lo-95", 0.1: "m-lo-80", 0.5: "m", 0.9: "m-hi-80", 0.975: "m-hi-95"}
    ref = losses.scaled_mqloss(cv, {"m": [cols[q] for q in qs]}, qs, seasonality=4, train_df=history)
    np.testing.assert_allclose(table["sql"], ref.groupby("unique_id")["m"].mean().loc[table.index], rtol=1e-12)
    doc = summarise(per_series_scores(cv, panel, ["m"], 4, levels=[80, 95]), ["m"])["m"]
    assert doc["coverage"]["80"] == pytest.approx(table["coverage-80"].mean())
    assert doc["sql"] == pytest.approx(table["sql"].mean())


def _naive_rows(history, cv, m):
    """Each window's training part with the seasonal-naive forecast as column `scale` (utilsforecast's way)."""
    parts = []
    for (uid, cut), _ in cv.groupby(["unique_id", "cutoff"]):
        h = history[(history["unique_id"] == uid) & (history["ds"] <= cut)].copy()
        h["scale"] = h["y"].shift(m)
        parts.append(h.dropna().assign(cutoff=cut))
    return pd.concat(parts)


def test_known_gaussian_noise_gets_nominal_coverage():
    """y = a seasonal mean + N(0, 2^2): the exact Gaussian bands hold 80 / 95% of 2,000 held-out values."""
    rng = np.random.default_rng(7)
    n, h, sigma = 2100, 20, 2.0
    t = np.arange(n)
    mu = 100 + 10 * np.sin(2 * np.pi * t / 12)
    y = mu + rng.normal(0, sigma, n)
    ds = pd.date_range("1800-01-01", periods=n, freq="MS")
    history = pd.DataFrame({"unique_id": "g", "ds": ds, "y": y})
    rows = {"unique_id": "g", "ds": ds[100:], "cutoff": ds[(t[100:] - 100) // h * h + 99], "y": y[100:],
            "m": mu[100:]}
    for lv in (80, 95):
        z = norm.ppf(0.5 + lv / 200)
        rows[f"m-lo-{lv}"], rows[f"m-hi-{lv}"] = mu[100:] - z * sigma, mu[100:] + z * sigma
    cv = pd.DataFrame(rows)
    assert len(cv) == 2000
    table = per_series_scores(cv, as_panel(history), ["m"], 12, levels=[80, 95])
    assert abs(table["coverage-80"].iloc[0] - 0.80) < 0.03
    assert abs(table["coverage-95"].iloc[0] - 0.95) < 0.03
    # a band half as wide covers clearly less: the score can tell
    assert metrics.coverage(y[100:], mu[100:] - 0.64 * sigma, mu[100:] + 0.64 * sigma) < 0.6


def test_baseline_bands_are_statsforecasts_own():
    """naive, snaive and drift in a backtest with levels carry the bands of statsforecast's Naive,
    SeasonalNaive and RandomWalkWithDrift run through its own cross_validation."""
    from statsforecast import StatsForecast
    from statsforecast.models import Naive, RandomWalkWithDrift, SeasonalNaive

    from lstmcast import Forecaster, datasets
    from lstmcast.evaluate.backtest import backtest
    y = datasets.airline()
    cv, info = backtest(Forecaster(), y, 6, 3, models=("naive", "snaive", "drift", "ets"), levels=[80, 95])
    df = pd.DataFrame({"unique_id": cv["unique_id"].iloc[0], "ds": y.index, "y": y.to_numpy()})
    sf = StatsForecast(models=[Naive(alias="naive"), SeasonalNaive(12, alias="snaive"),
                               RandomWalkWithDrift(alias="drift")], freq="MS")
    ref = sf.cross_validation(df=df, h=6, n_windows=3, step_size=6, level=[80, 95])
    for c in [f"{m}-{b}-{lv}" for m in ("naive", "snaive", "drift") for lv in (80, 95) for b in ("lo", "hi")]:
        np.testing.assert_allclose(cv[c].to_numpy(), ref[c].to_numpy(), rtol=1e-9, err_msg=c)
    assert {"ets-lo-80", "ets-hi-95"} <= set(cv.columns)
    doc = summarise(per_series_scores(cv, info["panel"], ["naive", "ets"], 12, [80, 95]), ["naive", "ets"])
    assert set(doc["ets"]["coverage"]) == {"80", "95"} and 0 <= doc["ets"]["coverage"]["95"] <= 1
    assert doc["naive"]["sql"] > 0


def test_a_new_row_takes_one_function(monkeypatch):
    """add_row: a model from elsewhere (a pretrained network, another library) joins the table and its
    bands are scored like the others'."""
    import importlib

    from lstmcast import Forecaster, datasets
    bt = importlib.import_module("lstmcast.evaluate.backtest")

    def shifted(panel, h, windows, step, refit, m, levels):
        cv = bt.skeleton(panel, h, windows, step)
        flat = np.full(len(cv), 300.0)                                      # a flat 300 with +-50 bands
        return cv.assign(flat=flat, **{"flat-lo-80": flat - 50, "flat-hi-80": flat + 50})
    monkeypatch.setitem(bt.ROWS, "flat", shifted)
    y = datasets.airline()
    cv, info = bt.backtest(Forecaster(), y, 6, 2, models=("naive", "flat"), levels=[80])
    assert (cv["flat"] == 300).all()
    got = per_series_scores(cv, info["panel"], ["flat"], 12, [80]).iloc[0]
    actual = cv["y"].to_numpy()
    assert got["coverage-80"] == np.mean((actual >= 250) & (actual <= 350))
    with pytest.raises(ValueError, match="cannot name"):
        bt.add_row("naive", shifted)
