"""Forecast accuracy metrics: small pure functions of arrays (numpy; no pandas).

    rmse(y, yhat); mae(y, yhat); mape(y, yhat); smape(y, yhat); mase(y, yhat, y_train, season_length)

Each takes actuals and forecasts of the same shape and averages over all elements.
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


ALL = {"rmse": rmse, "mae": mae, "mape": mape, "smape": smape}
