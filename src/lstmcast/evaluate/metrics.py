"""Forecast accuracy metrics: small pure functions of arrays (numpy; no pandas).

    rmse(y, yhat); mae(y, yhat); mape(y, yhat); smape(y, yhat); mase(y, yhat, y_train, season_length)
    coverage(y, lo, hi); interval_score(y, lo, hi, level); msis(y, lo, hi, level, y_train, season_length)
    quantiles_of([80, 95]); quantile_loss(y, f_q, q); scaled_quantile_loss(y, {q: f_q}, y_train, season_length)

Each takes actuals and forecasts (or bounds) of the same shape and averages over all elements. The
interval scores are M4's (MSIS, coverage) and the M5 / GIFT-Eval's (scaled quantile loss), scaled like
MASE by the in-sample seasonal-naive MAE of the training part.
"""
from __future__ import annotations

import numpy as np


def _pair(y, yhat):
    y, yhat = np.asarray(y, np.float64), np.asarray(yhat, np.float64)
    if y.shape != yhat.shape:
        raise ValueError(f"y and yhat must have the same shape; got {y.shape} and {yhat.shape}")
    return y, yhat


def rmse(y, yhat) -> float:
    """sqrt(mean((y - yhat)^2)), without overflow or underflow: errors near 1e300 (whose squares are inf)
    or 1e-300 (whose squares are 0) are measured in units of the largest error."""
    y, yhat = _pair(y, yhat)
    e = y - yhat
    with np.errstate(over="ignore", under="ignore"):
        r = float(np.sqrt(np.mean(e ** 2)))
    if np.isfinite(r) and (r > 0 or not np.any(e)) or not np.all(np.isfinite(e)):
        return r
    s = float(np.max(np.abs(e)))
    return float(s * np.sqrt(np.mean((e / s) ** 2)))


def mae(y, yhat) -> float:
    """mean(|y - yhat|)."""
    y, yhat = _pair(y, yhat)
    return float(np.mean(np.abs(y - yhat)))


def mape(y, yhat) -> float:
    """100 * mean(|y - yhat| / |y|); NaN when an actual is 0 (undefined there)."""
    y, yhat = _pair(y, yhat)
    if np.any(y == 0):
        return float("nan")
    return float(100 * np.mean(np.abs(y - yhat) / np.abs(y)))


def smape(y, yhat) -> float:
    """100 * mean(2 |y - yhat| / (|y| + |yhat|)), with 0/0 counted as 0."""
    y, yhat = _pair(y, yhat)
    den = 0.5 * np.abs(y) + 0.5 * np.abs(yhat)              # halves: no overflow near 1.8e308; exact
    ratio = np.where(den == 0, 0.0, np.abs(y - yhat) / np.where(den == 0, 1, den))
    return float(100 * np.mean(ratio))


def seasonal_naive_mae(y_train, season_length: int = 1) -> float:
    """In-sample MAE of the seasonal-naive forecast y[t] = y[t - m]: MASE's scale."""
    y_train = np.asarray(y_train, np.float64)
    m = season_length if len(y_train) > season_length else 1
    return float(np.mean(np.abs(y_train[m:] - y_train[:-m])))


def mase(y, yhat, y_train, season_length: int = 1) -> float:
    """mean(|y - yhat|) / (in-sample MAE of the seasonal-naive forecast on y_train)."""
    scale = seasonal_naive_mae(y_train, season_length)
    return mae(y, yhat) / scale if scale > 0 else float("nan")


def _bounds(y, lo, hi):
    y, lo = _pair(y, lo)
    _, hi = _pair(y, hi)
    return y, lo, hi


def _alpha(level) -> float:
    a = 1 - float(level) / 100
    if not 0 < a < 1:
        raise ValueError(f"level must be a percentage strictly between 0 and 100; got {level!r}")
    return a


def coverage(y, lo, hi) -> float:
    """mean(lo <= y <= hi): the share of actuals inside the band (bounds included)."""
    y, lo, hi = _bounds(y, lo, hi)
    return float(np.mean((y >= lo) & (y <= hi)))


def interval_score(y, lo, hi, level) -> float:
    """Winkler / Gneiting-Raftery interval score of a central (level)% band, alpha = 1 - level/100:
    mean( (hi - lo) + 2/alpha (lo - y) 1{y < lo} + 2/alpha (y - hi) 1{y > hi} )."""
    y, lo, hi = _bounds(y, lo, hi)
    a = _alpha(level)
    pen = (2 / a) * (np.maximum(lo - y, 0) + np.maximum(y - hi, 0))
    return float(np.mean(hi - lo + pen))


def msis(y, lo, hi, level, y_train, season_length: int = 1) -> float:
    """M4's mean scaled interval score: interval_score(y, lo, hi, level) / seasonal_naive_mae(y_train, m);
    NaN when the scale is 0."""
    scale = seasonal_naive_mae(y_train, season_length)
    return interval_score(y, lo, hi, level) / scale if scale > 0 else float("nan")


def quantiles_of(levels) -> list:
    """The quantiles that central bands at `levels` (percent) imply, and the median: for each level L,
    (1 - L/100)/2 and (1 + L/100)/2; sorted, e.g. [80, 95] -> [0.025, 0.1, 0.5, 0.9, 0.975]."""
    qs = {0.5}
    for lv in levels:
        a = _alpha(lv)
        qs |= {round(a / 2, 10), round(1 - a / 2, 10)}
    return sorted(qs)


def quantile_loss(y, f, q: float) -> float:
    """Pinball loss of the q-quantile forecast f: mean(max(q (y - f), (q - 1) (y - f)))."""
    y, f = _pair(y, f)
    d = y - f
    return float(np.mean(np.maximum(q * d, (q - 1) * d)))


def scaled_quantile_loss(y, forecasts: dict, y_train, season_length: int = 1) -> float:
    """mean over q of quantile_loss(y, forecasts[q], q), divided by seasonal_naive_mae(y_train, m): the
    scaled multi-quantile loss (utilsforecast's scaled_mqloss; M5's with m = 1). NaN when the scale is 0."""
    scale = seasonal_naive_mae(y_train, season_length)
    if not scale > 0:
        return float("nan")
    return float(np.mean([quantile_loss(y, f, q) for q, f in forecasts.items()])) / scale


def band_quantiles(mean, bands: dict) -> dict:
    """{q: forecast} from a point forecast (the median) and {level: (lo, hi)} central bands."""
    out = {0.5: np.asarray(mean, np.float64)}
    for lv, (lo, hi) in bands.items():
        a = _alpha(lv)
        out[round(a / 2, 10)], out[round(1 - a / 2, 10)] = np.asarray(lo, np.float64), np.asarray(hi, np.float64)
    return dict(sorted(out.items()))


ALL = {"rmse": rmse, "mae": mae, "mape": mape, "smape": smape}
