"""Baselines: naive and seasonal naive by definition, drift, AutoETS / AutoARIMA / AutoTheta by statsforecast.

    f = naive(y, h); f = snaive(y, h, m)                   # (h,) from one series' values
    f, name = fallback(y, h, m)                            # what a series the LSTM cannot take gets
    cv = stat_cross_validation(df, h, n_windows, step, refit, m, ["ets", "arima"], freq)

The fallback is seasonal naive when the series holds a full season, else naive: the forecasts every
forecasting text starts from. Missing values are carried forward first (and leading ones dropped).
"""
from __future__ import annotations

import warnings

import numpy as np

from .arima_state import step_scale

STAT_MODELS = ("ets", "arima", "theta")
BASELINES = ("naive", "snaive", "drift") + STAT_MODELS


def finite_history(y) -> np.ndarray:
    """The values with missing/infinite ones carried forward and leading ones dropped."""
    y = np.asarray(y, np.float64).copy()
    bad = ~np.isfinite(y)
    if bad.all():
        return y[:0]
    first = int(np.argmax(~bad))
    y = y[first:]
    bad = bad[first:]
    idx = np.where(~bad, np.arange(len(y)), 0)
    np.maximum.accumulate(idx, out=idx)
    return y[idx]


def naive(y, h: int) -> np.ndarray:
    return np.full(h, float(y[-1]))


def snaive(y, h: int, m: int) -> np.ndarray:
    y = np.asarray(y, np.float64)
    j = np.arange(h)
    return y[len(y) - m + j % m]


def drift(y, h: int) -> np.ndarray:
    y = np.asarray(y, np.float64)
    slope = (y[-1] - y[0]) / max(len(y) - 1, 1)
    return y[-1] + slope * np.arange(1, h + 1)


def fallback(y, h: int, m: int):
    """(forecast (h,), model name) for a series the LSTM does not take; (None, reason) if it has no values."""
    y = finite_history(y)
    if len(y) == 0:
        return None, "none"
    if m > 1 and len(y) >= m:
        return snaive(y, h, m), "snaive-fallback"
    return naive(y, h), "naive-fallback"


def insample_errors(y, h: int, m: int, max_origins: int = 300) -> np.ndarray:
    """|actual - fallback forecast| (B, h) from past origins of y: the fallback's conformal calibration."""
    y = finite_history(y)
    start = max(m if m > 1 else 1, len(y) - h - max_origins)
    rows = []
    for o in range(start, len(y) - h + 1):
        f, _ = fallback(y[:o], h, m)
        rows.append(np.abs(y[o:o + h] - f))
    return np.asarray(rows).reshape(-1, h)


def stat_cross_validation(df, h: int, n_windows: int, step: int, refit: bool, m: int, names, freq, levels=()):
    """statsforecast's cross_validation for the named models (aliases = names) on a long frame
    unique_id, ds, y. Returns its frame: unique_id, ds, cutoff, y, one column per name (and with levels,
    statsforecast's own intervals `name-lo-L`, `name-hi-L`)."""
    from statsforecast import StatsForecast  # statsforecast loads numba (~2 s)
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta  # numba (~2 s): on first use
    built = {"ets": lambda: AutoETS(season_length=m, alias="ets"),
             "arima": lambda: AutoARIMA(season_length=m, alias="arima"),
             "theta": lambda: AutoTheta(season_length=m, alias="theta")}
    sf = StatsForecast(models=[built[n]() for n in names], freq=freq, n_jobs=1)
    scale = magnitude_scale(df)
    if scale is not None:                                   # values near 1e300 or 1e-300: fitted in range
        df = df.assign(y=np.ldexp(df["y"].to_numpy(np.float64), df["unique_id"].map(scale).to_numpy(int)))
    with warnings.catch_warnings(), np.errstate(all="ignore"):   # its fits divide by zero on short series
        warnings.simplefilter("ignore", RuntimeWarning)
        cv = sf.cross_validation(df=df, h=h, n_windows=n_windows, step_size=step, refit=refit,
                                 level=list(levels) or None)
    cv = cv.reset_index() if "unique_id" not in cv.columns else cv
    if scale is not None:
        back = -cv["unique_id"].map(scale).to_numpy(int)
        for c in ["y", *names, *[f"{n}-{b}-{lv}" for n in names for lv in levels for b in ("lo", "hi")]]:
            cv[c] = np.ldexp(cv[c].to_numpy(np.float64), back)
    return cv


def magnitude_scale(df, lo: float = 2.0 ** -200, hi: float = 2.0 ** 200):
    """{unique_id: k}, y * 2**k in statsforecast's range, or None when every series is in it (k = 0):
    - a series whose largest |y| lies outside [lo, hi]: k brings it near 1 (statsforecast's fits overflow, or
      lose everything to underflow, on values near 1e300 or 1e-300);
    - else a series whose steps are tiny or huge: the unit of the AutoARIMA member (arima_state.step_scale;
      statsforecast's AutoARIMA is not scale-free: a monthly series times 1e-6 moved its forecasts by 1%).
    Powers of two scale exactly, so the forecasts scale back exactly; series in range are untouched."""
    top = df.assign(a=np.abs(df["y"].to_numpy(np.float64))).groupby("unique_id", sort=False)["a"].max()
    out = (top > hi) | ((top < lo) & (top > 0))
    k = np.where(out, -np.floor(np.log2(np.where(top > 0, top, 1.0))), 0.0)
    steps = df.groupby("unique_id", sort=False)["y"].agg(step_scale).reindex(top.index).to_numpy()
    k = np.where(out, k, -np.log2(steps))
    if not np.any(k):
        return None
    return dict(zip(top.index, k.astype(int)))
