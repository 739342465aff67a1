"""How many differences a series needs, as AutoARIMA decides it, without importing statsforecast.arima.

    d = ndiffs(x)                 # first differences (0-2): KPSS level-stationarity test at 5%
    D = nsdiffs(x, period=12)     # seasonal differences (0-1): STL seasonal strength above 0.64

These are statsforecast's `ndiffs(test="kpss")` and `nsdiffs(test="seas")` (themselves R forecast's),
step for step; tests/test_unitroot.py checks they return the same numbers on hundreds of series. Why
here: `statsforecast.arima` imports statsmodels.api (about 1 s per process, most of it not needed for two
tests), and every `fit` with automatic differencing asks for them. The KPSS statistic is a few lines of
numpy (statsmodels' formula: residuals from the mean, Bartlett long-run variance, lags floor(3 sqrt(n) /
13), p-value interpolated in the 10/5/2.5/1 % table); the seasonal strength uses STL (seasonal window
11, seasonal degree 0), as statsforecast's `mstl` does for one season: statsmodels' STL (netlib's
Fortran in Cython) written here in numpy, every non-robust loess pass being a fixed linear map, because
importing it pulls scipy.signal (about 0.9 s of the first fit in a process).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

KPSS_CRIT = [0.347, 0.463, 0.574, 0.739]     # level stationarity, Kwiatkowski et al. (1992), table 1
KPSS_P = [0.10, 0.05, 0.025, 0.01]
SEAS_THRESHOLD = 0.64


def _is_constant(x) -> bool:
    return bool(np.all(x[0] == x))


def kpss_pvalue(x) -> float:
    """p-value of the KPSS level-stationarity test (statsmodels' `kpss(x, "c", nlags)` with statsforecast's
    nlags), from the interpolated table: 0.10 means 0.10 or more, 0.01 means 0.01 or less."""
    x = np.asarray(x, np.float64)
    n = len(x)
    lags = math.floor(3 * math.sqrt(n) / 13)
    if lags >= n:
        raise ValueError(f"lags ({lags}) must be < number of observations ({n})")
    resids = x - x.mean()
    eta = np.sum(resids.cumsum() ** 2) / (n ** 2)
    s_hat = np.sum(resids ** 2)
    for i in range(1, lags + 1):
        s_hat += 2 * np.dot(resids[i:], resids[: n - i]) * (1.0 - (i / (lags + 1.0)))
    return float(np.interp(eta / (s_hat / n), KPSS_CRIT, KPSS_P))


def ndiffs(x, alpha: float = 0.05, max_d: int = 2) -> int:
    """First differences until KPSS no longer rejects level stationarity at `alpha` (at most max_d)."""
    x = np.asarray(x, np.float64)
    x = x[~np.isnan(x)]
    d = 0
    if _is_constant(x):
        return d

    def rejects(x):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                return kpss_pvalue(x) < alpha
            except Exception:  # noqa: BLE001  (statsforecast: an error counts as "no difference")
                return False

    dodiff = rejects(x)
    while dodiff and d < max_d:
        d += 1
        x = (x[1:] - x[:-1])[1:]          # statsforecast's `diff(x, 1, 1)[1:]`: one more value dropped
        if _is_constant(x):
            return d
        dodiff = rejects(x)
    return d


def seasonal_strength(x, period: int) -> float:
    """max(0, min(1, 1 - var(remainder) / var(remainder + seasonal))) of an STL decomposition (seasonal
    window 11, degree 0), as statsforecast's `seas_heuristic` computes it through `mstl`."""
    x = np.asarray(x, np.float64)
    seasonal, trend = stl(x, period, seasonal=11, seasonal_deg=0)
    remainder = (x - seasonal) - trend
    vare = np.var(remainder, ddof=1)
    return max(0, min(1, 1 - vare / np.var(remainder + seasonal, ddof=1)))


# STL ---------------------------------------------------------------------------------------------

def _loess_rows(n: int, span: int, deg: int, xs, left, right, pos=None):
    """Rows of the linear map of STL's local fit (netlib `est`, no robustness weights): row r fits at
    1-based position xs[r] from values left[r]..right[r] (1-based, inclusive) with tricube weights of
    bandwidth max(xs - left, right - xs) (+ (span - n) // 2 when the span exceeds n), and a local
    line when deg = 1. (R, n) weights; NaN rows where every weight is zero (the caller's fallback).
    pos: (R, W) 1-based positions each row's weights are for (a band), instead of all n."""
    xs, left, right = (np.asarray(a, np.float64) for a in (xs, left, right))
    pos = np.arange(1, n + 1, dtype=np.float64)[None, :] if pos is None else pos
    h = np.maximum(xs - left, right - xs)[:, None]
    if span > n:
        h = h + (span - n) // 2
    inside = (pos >= left[:, None]) & (pos <= right[:, None])
    r = np.abs(pos - xs[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(r <= 0.001 * h, 1.0, np.where(r <= 0.999 * h, (1.0 - (r / h) ** 3) ** 3, 0.0)) * inside
        total = w.sum(axis=1, keepdims=True)
        w = w / total
        if deg > 0:
            a = (w * pos).sum(axis=1, keepdims=True)
            c = (w * (pos - a) ** 2).sum(axis=1, keepdims=True)
            line = (h > 0) & (np.sqrt(c) > 0.001 * (n - 1.0))
            w = np.where(line, w * ((xs[:, None] - a) / c * (pos - a) + 1.0), w)
    w[total[:, 0] <= 0] = np.nan
    return w


DENSE_UP_TO = 1000     # longer series smooth with banded rows: (n, span) weights, not an (n, n) matrix


class _Band:
    """An (n, n) smoothing matrix held as its band: row i weighs values cols[i] (0-based) by w[i]."""

    def __init__(self, cols, w):
        self.cols, self.w = cols, w

    def __matmul__(self, v):
        return np.sum(self.w * np.asarray(v)[self.cols], axis=1)


def _smoother(n: int, span: int, deg: int):
    """STL's `ess` with jump 1 as an (n, n) matrix (a `_Band` past DENSE_UP_TO values): a row with no
    weight keeps its own value."""
    i = np.arange(1, n + 1)
    if span >= n:
        left, right = np.ones(n), np.full(n, n)
    else:
        nsh = (span + 2) // 2
        left = np.clip(i - nsh + 1, 1, n - span + 1)
        right = left + span - 1
    if n > DENSE_UP_TO and span < n:
        cols = (left.astype(np.int64) - 1)[:, None] + np.arange(span)[None, :]        # (n, span), inside 0..n-1
        w = _loess_rows(n, span, deg, i, left, right, pos=(cols + 1).astype(np.float64))
        bad = np.isnan(w[:, 0])
        w[bad] = (cols[bad] == (i[bad] - 1)[:, None]).astype(np.float64)
        return _Band(cols, w)
    w = _loess_rows(n, span, deg, i, left, right)
    bad = np.isnan(w[:, 0])
    w[bad] = np.eye(n)[bad]
    return w


def stl(x, period: int, seasonal: int, seasonal_deg: int = 1, inner: int = 5):
    """statsmodels' STL(x, period, seasonal, seasonal_deg).fit() (not robust: `inner` passes, jumps of
    1, default trend and low-pass windows) in numpy, each loess pass one matrix product. -> (seasonal, trend)"""
    y = np.asarray(x, np.float64)
    n, p = len(y), int(period)
    trend_span = int(np.ceil(1.5 * p / (1 - 1.5 / seasonal)))
    trend_span += trend_span % 2 == 0
    low_span = p + 1 + ((p + 1) % 2 == 0)
    sub = {}
    for j in range(p):                       # each phase's cycle-subseries: smoothed, one value beyond each end
        k = (n - j - 1) // p + 1
        if k not in sub:
            inner_rows = _smoother(k, seasonal, seasonal_deg)
            ends = _loess_rows(k, seasonal, seasonal_deg, [0, k + 1], [1, max(1, k - seasonal + 1)],
                               [min(seasonal, k), k])
            sub[k] = (inner_rows, ends)
    low, trend_s = _smoother(n, low_span, 1), _smoother(n, trend_span, 1)
    ones = lambda q: np.full(q, 1.0 / q)  # noqa: E731
    trend = np.zeros(n)
    for _ in range(inner):
        detr = y - trend
        ext = np.empty(n + 2 * p)
        for j in range(p):
            v = detr[j::p]
            inner_rows, ends = sub[len(v)]
            mid = inner_rows @ v
            first = mid[0] if np.isnan(ends[0, 0]) else ends[0] @ v
            last = mid[-1] if np.isnan(ends[1, 0]) else ends[1] @ v
            ext[j::p] = np.concatenate([[first], mid, [last]])
        c = np.convolve(np.convolve(np.convolve(ext, ones(p), "valid"), ones(p), "valid"), ones(3), "valid")
        season = ext[p:p + n] - low @ c
        trend = trend_s @ (y - season)
    return season, trend


def nsdiffs(x, period: int) -> int:
    """One seasonal difference if the seasonal strength exceeds 0.64 (statsforecast's `nsdiffs(test=
    "seas")` with max_D = 1); 0 for constant series or a period not below the length."""
    x = np.asarray(x, np.float64)
    if _is_constant(x) or period >= len(x):
        return 0
    if period <= 1:
        raise ValueError("Non seasonal data")
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return int(seasonal_strength(x, period) > SEAS_THRESHOLD)
    except Exception:  # noqa: BLE001  (statsforecast: an error in the test counts as no difference)
        return 0
