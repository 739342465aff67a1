"""Reading a time column: dates in any common layout, months, 'YYYYQn' quarters, ISO weeks, years, and
times with UTC offsets (one zone kept; mixed offsets converted to UTC).

    t = _parse_times(df["date"])          # datetimes, NaT where a cell is not a time
    _is_time_column(df["date"])           # most cells are times, not plain numbers

Line numbers in messages count the header as line 1 (row 0 of a frame is line 2).
"""
from __future__ import annotations

import warnings
from datetime import datetime

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from ..errors import DataError
from . import era
from .cells import _YEAR_OR_YYYYMMDD, _day_first


def _line(i: int) -> int:
    return i + 2  # row 0 of the frame is line 2 of the file (line 1 is the header)


def _parse_times(s: pd.Series, report=None) -> pd.Series:
    """Datetimes (NaT where a cell is not a date). Accepts dates, months, 'YYYYQn' quarters, ISO weeks
    ('2000-W01': its Monday), years, and
    times with UTC offsets: one offset is kept as the zone; mixed offsets (e.g. across a DST change) are
    converted to UTC, with a note to `report`. Times with and without an offset in one column cannot be
    ordered: a DataError (line numbers count the header as line 1)."""
    index = s.index                                         # may repeat labels: work by position
    s = s.astype(str).str.strip().reset_index(drop=True)
    quarter = s.str.fullmatch(r"\d{4}[-\s]?Q[1-4]", case=False)
    year = s.str.fullmatch(r"\d{4}")
    week = s.str.fullmatch(r"\d{4}-?W\d{2}(-?[1-7])?", case=False)     # ISO weeks: 2000-W01, 2000W01-3
    rest = ~(quarter | year | week)
    dayfirst = _day_first(s[rest])
    if dayfirst and report:
        report(f"time column {s.name!r}: dates read day first (dd/mm/yyyy: {dayfirst})")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = _one_format(s[rest], bool(dayfirst))
        if r is None:                                       # cell by cell (slow: dateutil)
            r = pd.to_datetime(s[rest], errors="coerce", format="mixed", dayfirst=bool(dayfirst))
    if r.dtype == object:                                   # offsets differ, or some have none
        aware = r.map(lambda t: isinstance(t, datetime) and t.tzinfo is not None).astype(bool)
    elif isinstance(r.dtype, pd.DatetimeTZDtype):
        aware = r.notna()
    else:
        aware = pd.Series(False, index=r.index)
    aware = aware.reindex(s.index, fill_value=False)
    naive = ~aware & (quarter | year | week | (rest & r.reindex(s.index).notna()))
    if aware.any() and naive.any():
        i, j = int(np.flatnonzero(aware.to_numpy())[0]), int(np.flatnonzero(naive.to_numpy())[0])
        raise DataError(f"column {s.name!r}: times with a UTC offset ({s.iloc[i]!r}, line {_line(i)}) and "
                        f"without ({s.iloc[j]!r}, line {_line(j)}) cannot be ordered; give every time an "
                        "offset or none")
    if aware.any():
        if r.dtype == object:                               # several offsets: one instant line in UTC
            offsets = sorted({t.strftime("%z") for t in r if isinstance(t, datetime)})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = pd.to_datetime(s[rest], errors="coerce", format="mixed", utc=True, dayfirst=bool(dayfirst))
            if report:
                report(f"time column {s.name!r}: mixed UTC offsets ({', '.join(offsets[:4])}"
                       f"{', ...' if len(offsets) > 4 else ''}) converted to UTC")
        elif report:
            report(f"time column {s.name!r}: times in zone {r.dt.tz}, kept")
        return r.reindex(s.index).set_axis(index)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    out[rest] = r
    if quarter.any():
        yq = s[quarter].str.upper().str.extract(r"(\d{4})[-\s]?Q([1-4])")
        out[quarter] = pd.to_datetime(yq[0] + "-" + (3 * yq[1].astype(int) - 2).astype(str), format="%Y-%m",
                                      errors="coerce")    # NaT outside pandas' range: data/era.py reads those
    if year.any():
        out[year] = pd.to_datetime(s[year], format="%Y", errors="coerce")
    if week.any():
        iso = s[week].str.upper().str.extract(r"(\d{4})-?W(\d{2})-?([1-7])?").fillna({2: "1"})
        out[week] = pd.to_datetime(iso[0] + "-" + iso[1] + "-" + iso[2], format="%G-%V-%u", errors="coerce")
    return out.set_axis(index)


def _one_format(s: pd.Series, dayfirst: bool):
    """s parsed with the one format its first cell has (fast), when every cell has it; else None."""
    if len(s) < 1000:
        return None
    fmt = guess_datetime_format(str(s.iloc[0]), dayfirst=dayfirst)
    if fmt is None:
        return None
    try:
        r = pd.to_datetime(s, errors="coerce", format=fmt)
    except (ValueError, TypeError):                          # mixed offsets, ...
        return None
    return r if r.notna().all() else None


def _is_time_column(s: pd.Series) -> bool:
    s = s[s.astype(str).str.strip() != ""]
    if s.empty:
        return False
    try:
        parsed = _parse_times(s)
    except DataError:       # times with and without offsets: a time column, refused when it is read
        return True
    numeric = pd.to_numeric(s, errors="coerce")
    parsed = parsed.notna() | ~np.isnat(era.wide_times(s))     # dates of another era count (data/era.py)
    plain_numbers = numeric.notna() & ~s.astype(str).str.fullmatch(_YEAR_OR_YYYYMMDD)
    return parsed.mean() >= 0.5 and not plain_numbers.mean() > 0.5
