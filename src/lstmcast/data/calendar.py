"""Calendar features of a time grid: built-in future covariates computed from the timestamps alone.

    names = calendar_names("MS")                  # ("cal_month_sin", "cal_month_cos")
    X = calendar_columns(times, "MS")             # (n, 2): sin/cos of 2*pi*(month - 1)/12

Known over any horizon, so forecasts never ask for them. Which features depend on the step of the grid:
    sub-daily (h, 30min, ...): time of day (sin/cos of seconds since midnight / 86400) + day of week;
    daily (D, 2D, ...): day of week as 7 one-hots (business days B, C: 5, Monday to Friday);
    weekly (W-SUN, SMS, ...): position in the year, sin/cos of (day of year - 1) / days in that year;
    monthly: month of year, sin/cos of (month - 1) / 12;   quarterly: sin/cos of (quarter - 1) / 4;
    yearly and longer: none.
Smooth cycles (hour, month, quarter, week of year) are a sin/cos pair: neighbours stay neighbours and
December meets January. The day of week is one-hot: weekday effects are rarely a sinusoid (a weekend
block, a market day), and one-hots let the network's linear head learn any weekly profile exactly
(with sin/cos it would see only the first harmonic linearly), at 7 columns instead of 2.
Every column lies in [-1, 1]. Pure functions of the timestamps (pandas only for date parts).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .panel_core import to_offset

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _step_days(offset) -> float:
    """The typical length of one step of `offset` in days (e.g. 30.4 for MS, 1.33 for B)."""
    r = pd.date_range("2001-01-01", periods=13, freq=offset)
    return (r[-1] - r[0]).total_seconds() / 86400 / 12


def _kind(freq) -> str:
    off = to_offset(freq)
    d = _step_days(off)
    if d < 1:
        return "subdaily"
    if isinstance(off, (pd.offsets.BusinessDay, pd.offsets.CustomBusinessDay)):
        return "business"
    if d < 7:
        return "daily"
    if d < 28:
        return "weekly"
    if d < 80:
        return "monthly"
    if d < 300:
        return "quarterly"
    return "none"


def _pair(name):
    return (f"cal_{name}_sin", f"cal_{name}_cos")


def calendar_names(freq) -> tuple:
    """The calendar columns of a grid of frequency `freq` (a pandas alias); () for yearly grids."""
    kind = _kind(freq)
    dow = tuple(f"cal_dow_{d}" for d in DAYS)
    return {"subdaily": _pair("hour") + dow, "daily": dow, "business": dow[:5], "weekly": _pair("week"),
            "monthly": _pair("month"), "quarterly": _pair("quarter"), "none": ()}[kind]


def calendar_columns(times, freq) -> np.ndarray:
    """(n, C) the `calendar_names(freq)` columns at the (wall-clock) timestamps `times`."""
    t = pd.DatetimeIndex(times)
    kind = _kind(freq)
    cols = []

    def pair(frac):                                              # frac in [0, 1): position in the cycle
        ang = 2 * np.pi * np.asarray(frac, np.float64)
        cols.extend([np.sin(ang), np.cos(ang)])
    if kind == "subdaily":
        secs = t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6
        pair(np.asarray(secs, np.float64) / 86400)
    if kind in ("subdaily", "daily", "business"):
        dow = np.asarray(t.dayofweek)
        cols.extend((dow == k).astype(np.float64) for k in range(5 if kind == "business" else 7))
    if kind == "weekly":
        pair((np.asarray(t.dayofyear) - 1) / np.where(t.is_leap_year, 366, 365))
    if kind == "monthly":
        pair((np.asarray(t.month) - 1) / 12)
    if kind == "quarterly":
        pair((np.asarray(t.quarter) - 1) / 4)
    return np.column_stack(cols) if cols else np.zeros((len(t), 0))
