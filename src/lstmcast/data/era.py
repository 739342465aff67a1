"""Dates of any era on pandas' nanosecond grid: a whole-year shift inside, the user's dates outside.

    t = wide_times(cells)                 # datetime64[s]: '1380', '1380-07', '1380Q3', '9999-12-01' (NaT: no date)
    years = choose_shift(t)               # 0 for dates well inside 1678 .. 2200
    inside = shift_times(t, years)        # what the Panel's grid holds (datetime64[s], inside the ns range)
    shift_times(inside, -years)           # the user's dates again, exactly

pandas' Timestamps are nanoseconds: 1677-09-22 .. 2262-04-11. Yearly, quarterly and monthly data from other
eras (tree rings from 1380, demography from the 1500s, scenarios to 2300) are read, moved by a whole number
of years into that range, and moved back in every output (`Panel.localize`). Dates that are all the first of
a month at midnight move by any whole number of years (their grid does not depend on the year: only the month
and its first day); others move by whole 400-year Gregorian cycles (146,097 days: the same weekdays and leap
days), so the grid of any frequency is the same. Data beyond 2200 are moved too, so a forecast has room to run
past 2262. Data that spans more years than the range holds is refused in one line naming the row.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import DataError

LOW, HIGH = np.datetime64("1678-01-01", "s"), np.datetime64("2200-01-01", "s")   # no shift inside
LAND = 1678                      # a shifted series starts here: 584 years of room for data and horizon
LIMIT = np.datetime64(pd.Timestamp.max.floor("D").date(), "s")
CYCLE_DAYS = 146_097             # days of 400 Gregorian years
_ISO = re.compile(r"(\d{3,5})(?:[-/](\d{1,2})(?:[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?)?)?")
_QUARTER = re.compile(r"(\d{3,5})[-\s]?Q([1-4])", re.I)


def _cell(text: str):
    text = text.strip()
    m = _QUARTER.fullmatch(text)
    if m:
        return np.datetime64(f"{int(m.group(1)):04d}-{3 * int(m.group(2)) - 2:02d}", "M").astype("datetime64[s]")
    m = _ISO.fullmatch(text)
    if not m:
        return np.datetime64("NaT", "s")
    y, mo, d, hh, mm, ss = (int(g) if g else None for g in m.groups())
    try:
        month = np.datetime64(f"{y:04d}-01", "M") + ((mo or 1) - 1)
        if mo is not None and not 1 <= mo <= 12:
            return np.datetime64("NaT", "s")
        day = month.astype("datetime64[D]") + ((d or 1) - 1)
        if d is not None and (d < 1 or day.astype("datetime64[M]") != month):
            return np.datetime64("NaT", "s")
    except ValueError:
        return np.datetime64("NaT", "s")
    return day.astype("datetime64[s]") + np.timedelta64(3600 * (hh or 0) + 60 * (mm or 0) + (ss or 0), "s")


def wide_times(cells) -> np.ndarray:
    """datetime64[s] of each cell: periods, datetimes of any unit, or ISO-like text (years, 'YYYY-MM',
    'YYYYQn', dates, dates with a clock time), for any year 100 .. 99999; NaT where a cell is none of these."""
    s = pd.Series(cells) if not isinstance(cells, pd.Series) else cells
    if isinstance(s.dtype, pd.PeriodDtype):
        out = np.full(len(s), np.datetime64("NaT", "s"))
        ok = s.notna().to_numpy()
        start = s[ok].dt.asfreq("s", how="start")       # each period's first second: its ordinal counts seconds
        out[ok] = start.array.asi8.astype("datetime64[s]")  # from 1970 (integers: any era)
        return out
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return s.to_numpy().astype("datetime64[s]")
    codes, uniq = pd.factorize(s.astype(str).to_numpy(), sort=False)
    parsed = np.array([_cell(u) for u in uniq], dtype="datetime64[s]")
    return np.where(codes >= 0, parsed[np.maximum(codes, 0)], np.datetime64("NaT", "s"))


def _first_of_month(t: np.ndarray) -> bool:
    return bool((t.astype("datetime64[M]").astype("datetime64[s]") == t).all())


def choose_shift(t: np.ndarray) -> int:
    """Years to add so that the times `t` (datetime64[s], no NaT) sit inside pandas' range with room after
    them; 0 when they are inside 1678 .. 2200 already. A multiple of 400 unless every time is the first of a
    month at midnight."""
    if t.size == 0 or (t.min() >= LOW and t.max() < HIGH):
        return 0
    y0 = int(t.min().astype("datetime64[Y]").astype(np.int64)) + 1970
    if _first_of_month(t):
        return LAND - y0
    return 400 * int(np.ceil((LAND - y0) / 400))


def shift_times(t: np.ndarray, years: int) -> np.ndarray:
    """datetime64[s] times moved by `years` (whole months for first-of-month times; else whole 400-year cycles)."""
    t = np.asarray(t).astype("datetime64[s]")
    if not years:
        return t
    if years % 400 == 0:
        return t + np.timedelta64(years // 400 * CYCLE_DAYS * 86_400, "s")
    month = t.astype("datetime64[M]")
    return (month + 12 * years).astype("datetime64[s]") + (t - month.astype("datetime64[s]"))


def to_grid(t: np.ndarray, where, time_col, row, cells) -> tuple[np.ndarray, int]:
    """(int64 ns on pandas' grid, the years added): a one-line DataError naming the row whose date cannot be
    held, when the times span more than the range holds."""
    years = choose_shift(t)
    inside = shift_times(t, years)
    last = int(np.argmax(inside))
    if inside[last] >= LIMIT or inside.min() < np.datetime64(pd.Timestamp.min.ceil("D").date(), "s"):
        first = int(np.argmin(t))
        span = int(t[last].astype("datetime64[Y]").astype(np.int64) - t[first].astype("datetime64[Y]").astype(np.int64))
        raise DataError(f"{where}: column {time_col!r}, {row(last)}: {cells.iloc[last]!r} cannot be held with "
                        f"{cells.iloc[first]!r} ({row(first)}): the times span {span} years, and lstmcast holds "
                        f"at most {2262 - LAND} years of dates at once; keep the later part of the series")
    return inside.astype("datetime64[ns]").astype(np.int64), years


def to_user(times, years: int) -> pd.DatetimeIndex:
    """The user's dates of grid times (`years` added when read): a second-resolution DatetimeIndex."""
    times = pd.DatetimeIndex(times)
    if not years:
        return times
    return pd.DatetimeIndex(shift_times(times.to_numpy(), -years), name=times.name)


def user_frame(df: pd.DataFrame, years: int, cols=("ds", "cutoff")) -> pd.DataFrame:
    """df with its time columns `cols` (those present) as the user's dates (`years` added when read)."""
    if not years:
        return df
    return df.assign(**{c: to_user(df[c], years) for c in cols if c in df.columns})


def day(ts) -> str:
    """'1380-01-01', '10004-01-01' or '2000-01-01 06:30:00': a time as text, the clock only when it is not
    midnight (Timestamp.date() stops at year 9999)."""
    text = str(pd.Timestamp(ts))
    return text[:-9] if text.endswith(" 00:00:00") else text


def other_era(col: pd.Series, where, time_col, row):
    """(int64 ns on the grid, None, the years added) for a column of naive times outside (or near the end of)
    pandas' range; None for times inside it, zoned ones and columns with cells that are no date at all
    (panel_columns._times_i8 reads those)."""
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        return None
    if pd.api.types.is_datetime64_dtype(col.dtype) and np.datetime_data(col.dtype)[0] == "ns":
        t = col.to_numpy().astype("datetime64[s]")                  # inside the range: only the end can matter
        if col.isna().any() or not len(t) or (t.min() >= LOW and t.max() < HIGH):
            return None
    else:
        t = wide_times(col)
        if np.isnat(t).any() or not len(t) or (t.min() >= LOW and t.max() < HIGH):
            return None
    i8, years = to_grid(t, where, time_col, row, col)
    return i8, None, years
