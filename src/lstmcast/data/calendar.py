"""Calendar features of a time grid: built-in future covariates computed from the timestamps alone.

    names = calendar_names("MS")                  # ("cal_month_sin", "cal_month_cos")
    X = calendar_columns(times, "MS")             # (n, 2): sin/cos of 2*pi*(month - 1)/12
    groups = calendar_groups("D", 900)            # {"day of week": (7 one-hots), "yearly Fourier": (6 terms)}

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

Fourier terms of a long season the network's look-back cannot see (`calendar_groups`, calendar="auto"):
    yearly (daily, business-daily and sub-daily data): cal_yearly_sin{k}, cal_yearly_cos{k} =
        sin/cos(2 pi k u), u = (days since Monday 2000-01-03) / 365.25, k = 1..YEARLY_K;
    weekly (sub-daily data): cal_weekly_sin{k}, cal_weekly_cos{k} = sin/cos(2 pi k w), w = (days since
        Monday 00:00) / 7, k = 1..WEEKLY_K.
A group is offered only where the series spans two of its seasons (`SPAN_DAYS`): one season to learn
it, one for the validation folds to see it again. Every column lies in [-1, 1]. Pure functions of the
timestamps (pandas only for date parts).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .panel_core import to_offset

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
YEARLY_K, WEEKLY_K = 3, 2           # harmonics of the yearly and of the weekly season
SPAN_DAYS = {"day of week": 21, "time of day": 2, "weekly Fourier": 14, "yearly Fourier": 730}


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


def _fourier(name, K):
    return tuple(f"cal_{name}_{f}{k}" for k in range(1, K + 1) for f in ("sin", "cos"))


def _dow(kind):
    return tuple(f"cal_dow_{d}" for d in DAYS[:5 if kind == "business" else 7])


def calendar_names(freq) -> tuple:
    """The calendar columns of calendar=True on a grid of frequency `freq` (a pandas alias); () for yearly grids."""
    kind = _kind(freq)
    return {"subdaily": _pair("hour") + _dow(kind), "daily": _dow(kind), "business": _dow(kind),
            "weekly": _pair("week"), "monthly": _pair("month"), "quarterly": _pair("quarter"), "none": ()}[kind]


def _all_groups(kind) -> dict:
    """{group label: its columns} that calendar="auto" may offer on a grid of this kind, in column order."""
    if kind == "subdaily":
        return {"time of day": _pair("hour"), "day of week": _dow(kind), "weekly Fourier": _fourier("weekly", WEEKLY_K),
                "yearly Fourier": _fourier("yearly", YEARLY_K)}
    if kind in ("daily", "business"):
        return {"day of week": _dow(kind), "yearly Fourier": _fourier("yearly", YEARLY_K)}
    return {}


def calendar_groups(freq, n: int) -> dict:
    """{group label: columns} that calendar="auto" validates for a series of n steps of `freq`: daily or
    finer grids only, each group where n steps span SPAN_DAYS of it ({} for coarser grids)."""
    kind = _kind(freq)
    days = n * _step_days(to_offset(freq))
    return {g: names for g, names in _all_groups(kind).items() if days >= SPAN_DAYS[g]}


def valid_names(names, freq) -> bool:
    """Whether `names` are the calendar columns of some fit on `freq`: calendar=True's, or whole groups of
    calendar="auto"'s in their order."""
    names = tuple(names)
    if names == calendar_names(freq):
        return True
    groups = list(_all_groups(_kind(freq)).values())
    picked = tuple(c for g in groups if set(g) <= set(names) for c in g)
    return bool(names) and picked == names


def _column(t, name: str) -> np.ndarray:
    """One calendar column at the DatetimeIndex t."""
    field = name[4:]
    if field.startswith("dow_"):
        return (np.asarray(t.dayofweek) == DAYS.index(field[4:])).astype(np.float64)
    base, fn = field.rsplit("_", 1)
    trig = np.sin if fn.startswith("sin") else np.cos
    if base in ("yearly", "weekly"):
        k = int(fn[3:])
        days = (t.asi8 - pd.Timestamp("2000-01-03").value) / 86400e9          # 2000-01-03: a Monday
        frac = days / 365.25 if base == "yearly" else np.mod(days, 7.0) / 7.0
        return trig(2 * np.pi * k * frac)
    if base == "hour":
        frac = np.asarray(t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6, np.float64) / 86400
    elif base == "week":
        frac = (np.asarray(t.dayofyear) - 1) / np.where(t.is_leap_year, 366, 365)
    elif base == "month":
        frac = (np.asarray(t.month) - 1) / 12
    else:                                                                    # quarter
        frac = (np.asarray(t.quarter) - 1) / 4
    return trig(2 * np.pi * np.asarray(frac, np.float64))


def calendar_columns(times, freq, names=None) -> np.ndarray:
    """(n, C) the calendar columns `names` (default `calendar_names(freq)`) at the (wall-clock) timestamps `times`."""
    t = pd.DatetimeIndex(times)
    names = calendar_names(freq) if names is None else tuple(names)
    return np.column_stack([_column(t, c) for c in names]) if names else np.zeros((len(t), 0))
