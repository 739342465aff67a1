"""How many differences a series needs, as AutoARIMA decides it, without importing statsforecast.arima.

    d = ndiffs(x)                 # first differences (0-2): KPSS level-stationarity test at 5%
    D = nsdiffs(x, period=12)     # seasonal differences (0-1): STL seasonal strength above 0.64

These are statsforecast's `ndiffs(test="kpss")` and `nsdiffs(test="seas")` (themselves R forecast's),
step for step; tests/test_unitroot.py checks they return the same numbers on hundreds of series. Why
here: `statsforecast.arima` imports statsmodels.api (about 1 s per process, most of it not needed for two
tests), and every `fit` with automatic differencing asks for them. The KPSS statistic is a few lines of
numpy (statsmodels' formula: residuals from the mean, Bartlett long-run variance, lags floor(3 sqrt(n) /
13), p-value interpolated in the 10/5/2.5/1 % table); the seasonal strength uses statsmodels' STL
(seasonal window 11, seasonal degree 0), as statsforecast's `mstl` does for one season.
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
    from statsmodels.tsa.stl._stl import STL
    x = np.asarray(x, np.float64)
    fit = STL(x, period=period, seasonal=11, seasonal_deg=0).fit()
    seasonal = np.asarray(fit.seasonal)
    remainder = (x - seasonal) - np.asarray(fit.trend)
    vare = np.var(remainder, ddof=1)
    return max(0, min(1, 1 - vare / np.var(remainder + seasonal, ddof=1)))


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
