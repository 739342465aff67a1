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
