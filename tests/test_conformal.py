"""Split-conformal bands: the order statistic by hand, the finite-sample guarantee by simulation, the
combination's errors as the weighted mean of its members' signed errors."""
import numpy as np
import pytest

from lstmcast.models.conformal import combined_errors, conformal_bands, half_width, max_level, rank


def test_rank_and_half_width_by_hand():
    err = np.arange(1.0, 11.0)[:, None] * np.array([1.0, 2.0])      # n = 10 errors, 2 steps
    assert rank(10, 80) == 9 and rank(10, 95) == 11 and max_level(10) == pytest.approx(90.909, abs=1e-3)
    q, ok = half_width(err, 80)
    assert ok and q.tolist() == [9.0, 18.0]
    q, ok = half_width(-err, 95)                                      # signed errors: their sizes count
    assert not ok and q.tolist() == [10.0, 20.0]                      # 10 errors cannot support 95%: the largest
    bands, short = conformal_bands(np.array([100.0, 100.0, 100.0]), err, [80, 95])
    assert short == [95]
    assert bands["lo-80"].tolist() == [91.0, 82.0, 82.0] and bands["hi-95"].tolist() == [110.0, 120.0, 120.0]


def test_finite_sample_guarantee_by_simulation():
    """With n exchangeable errors the band covers a new one with probability in [L, L + 1/(n + 1)]."""
    rng = np.random.default_rng(3)
    n, trials = 19, 20_000
    cal = rng.standard_t(3, size=(trials, n))
    new = rng.standard_t(3, size=trials)
    for lv in (80, 95):
        k = rank(n, lv)
        q = np.sort(np.abs(cal), axis=1)[:, k - 1]
        cover = np.mean(np.abs(new) <= q)
        assert lv / 100 - 0.01 <= cover <= lv / 100 + 1 / (n + 1) + 0.01, (lv, cover)


def test_combined_errors_are_the_combined_forecasts_errors():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(6, 3))
    f = {"lstm": y + rng.normal(size=(6, 3)), "ets": y + rng.normal(size=(6, 3))}
    w = {"lstm": [0.2, 0.5, 0.9], "ets": [0.8, 0.5, 0.1]}
    combo = np.array([0.2, 0.5, 0.9]) * f["lstm"] + np.array([0.8, 0.5, 0.1]) * f["ets"]
    got = combined_errors({k: v - y for k, v in f.items()}, w)
    np.testing.assert_allclose(got, combo - y, rtol=1e-12)
    eq = combined_errors({k: v - y for k, v in f.items()}, {})        # no weights: the plain mean
    np.testing.assert_allclose(eq, (f["lstm"] + f["ets"]) / 2 - y, rtol=1e-12)
    # the combination's own errors are smaller than averaging the members' error sizes when they offset
    assert np.mean(np.abs(eq)) <= np.mean((np.abs(f["lstm"] - y) + np.abs(f["ets"] - y)) / 2)


def test_steps_without_errors_take_the_last_width():
    """Later steps of the newest folds lie past the series' end: a step with no error at all takes the
    width of the step before it, so the band stays finite."""
    err = np.array([[1.0, 2.0, np.nan, np.nan], [3.0, 4.0, np.nan, np.nan]])
    q, _ = half_width(err, 50)
    assert q.tolist() == [3.0, 4.0, 4.0, 4.0]
    q, _ = half_width(np.array([[np.nan, 2.0], [np.nan, 5.0]]), 50)
    assert q.tolist() == [5.0, 5.0]


def test_averaged_member_bands_cover_gaussian_noise():
    """A combination's bands are its members' bounds averaged with its weights (fit/combine.py): with a
    model-based member (the exact Gaussian band) and a conformal one (199 past errors per step: ranks 160
    and 190 of 200, exactly 80 / 95%) both forecasting the true mean, the averaged band holds 80 / 95% of
    2,000 held-out values of y = mean + N(0, 3^2) within 3 points; a conformal band on 12 errors holds
    about 12 / 13 = 92.3% at "95%" (the largest error: the level they support, as the note says)."""
    from scipy.stats import norm

    from lstmcast.fit.combine import combine
    rng = np.random.default_rng(11)
    windows, h, sigma = 100, 20, 3.0
    inside = {80: 0, 95: 0, "few": 0}
    for _ in range(windows):
        mu = 50 + 5 * np.sin(np.arange(h))
        y = mu + rng.normal(0, sigma, h)
        exact = {"mean": mu, **{f"{b}-{lv}": mu + s * norm.ppf(0.5 + lv / 200) * sigma
                                for lv in (80, 95) for b, s in (("lo", -1), ("hi", 1))}}
        conf, short = conformal_bands(mu, rng.normal(0, sigma, (199, h)), [80, 95])
        assert short == []
        out = combine([("lstm", {"mean": mu, **conf}), ("ets", exact)], [80, 95], {"lstm": [0.6], "ets": [0.4]})
        np.testing.assert_allclose(out["lo-80"], 0.6 * conf["lo-80"] + 0.4 * exact["lo-80"])
        for lv in (80, 95):
            inside[lv] += int(np.sum((out[f"lo-{lv}"] <= y) & (y <= out[f"hi-{lv}"])))
        few, short = conformal_bands(mu, rng.normal(0, sigma, (12, h)), [95])
        assert short == [95]
        inside["few"] += int(np.sum((few["lo-95"] <= y) & (y <= few["hi-95"])))
    n = windows * h
    assert n == 2000
    assert abs(inside[80] / n - 0.80) < 0.03 and abs(inside[95] / n - 0.95) < 0.03
    assert abs(inside["few"] / n - 12 / 13) < 0.03
