"""The three columns of a long frame as arrays: series ids (factorized, sorted), times (int64 wall-clock
nanoseconds, their zone, the era shift of data/era.py) and values (float64, NaN where missing). Each bad
cell is a one-line DataError naming the source, the column and the row (`row(i)` says which).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from . import era
from .cells import number_hint
from .series import date_hint
from .textfile import MISSING_TOKENS
from .times import _parse_times

_NAT = np.iinfo(np.int64).min


def _factorize_ids(col: pd.Series, where, id_col, row):
    """(codes (n,), sorted unique ids): codes index the sorted ids."""
    codes, uniq = pd.factorize(col.to_numpy(), sort=False)
    uniq = np.asarray(uniq)
    blank = (codes < 0)
    if uniq.dtype == object:
        empty = np.array([isinstance(u, str) and not u.strip() for u in uniq], bool)
        if empty.any():
            blank |= empty[np.maximum(codes, 0)] & (codes >= 0)
    if blank.any():
        i = int(np.flatnonzero(blank)[0])
        raise DataError(f"{where}: column {id_col!r}, {row(i)}: the series id is missing; every row needs one")
    try:
        order = np.argsort(uniq, kind="stable")
    except TypeError:  # mixed types (ints and strings): order by type name, then text
        order = np.array(sorted(range(len(uniq)), key=lambda k: (type(uniq[k]).__name__, str(uniq[k]))),
                         dtype=np.int64)
    rank = np.empty(len(uniq), np.int64)
    rank[order] = np.arange(len(uniq))
    return rank[codes], uniq[order]


def _times_i8(col: pd.Series, where, time_col, row) -> tuple[np.ndarray, str | None, int]:
    """(int64 wall-clock nanoseconds of each row's timestamp, their zone or None, the years added to bring
    them into pandas' range: data/era.py), or a DataError naming the first bad cell."""
    wide = era.other_era(col, where, time_col, row)
    if wide is not None:
        return wide
    if isinstance(col.dtype, pd.PeriodDtype):
        t = pd.DatetimeIndex(col.dt.to_timestamp())
    elif pd.api.types.is_datetime64_any_dtype(col.dtype):
        t = pd.DatetimeIndex(col)
    else:  # text: parse each distinct value once
        codes, uniq = pd.factorize(col.to_numpy(), sort=False)
        parsed = _parse_times(pd.Series(np.asarray(uniq, dtype=object)))
        try:
            u = pd.DatetimeIndex(parsed)
        except (TypeError, ValueError):  # mixed UTC offsets: compare them in UTC
            u = pd.DatetimeIndex(pd.to_datetime(parsed, utc=True))
        t = u[np.maximum(codes, 0)]
        bad = np.flatnonzero((codes < 0) | np.asarray(t.isna()))
        if bad.size:
            other = ~np.isnat(era.wide_times(col.iloc[bad]))         # dates of another era are no culprit
            i = int(bad[np.argmin(other)]) if not other.all() else int(bad[0])
            raise DataError(f"{where}: column {time_col!r}, {row(i)}: {col.iloc[i]!r} is not a date"
                            f"{date_hint(col.iloc[i])}")
    tz = None
    if t.tz is not None:
        wall = t.tz_localize(None)
        shift = np.unique((wall - t.tz_convert(None)).dropna().asi8)
        if len(shift) > 1 and (wall.dropna() != wall.dropna().normalize()).any():
            t = t.tz_convert("UTC")   # clock changes inside the day: an hourly grid runs on UTC
            wall = t.tz_localize(None)
        t, tz = wall, str(t.tz)   # the grid runs on wall-clock times; Panel.localize restores the zone
    i8 = t.as_unit("ns").asi8
    bad = np.flatnonzero(i8 == _NAT)
    if bad.size:
        raise DataError(f"{where}: column {time_col!r}, {row(int(bad[0]))}: the time is missing")
    return i8, tz, 0


def _values(col: pd.Series, where, target_col, row) -> np.ndarray:
    """float64 values (NaN where missing), or a DataError naming the first cell that is not a number."""
    if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    if col.dtype == object:
        cells = col.to_numpy()
        try:  # all text and all numbers: the fast path (float() parses ' 2 ', 'inf', 'nan'; '1_0' too: refused)
            if "_" not in "".join(cells):
                return cells.astype(np.float64)
        except (TypeError, ValueError):
            pass
    raw = col.astype(str).str.strip() if col.dtype != object else col
    y = pd.to_numeric(raw, errors="coerce").to_numpy(np.float64)
    nan = np.flatnonzero(np.isnan(y))
    if nan.size:
        cells = col.iloc[nan]
        ok = cells.isna().to_numpy() | cells.astype(str).str.strip().str.lower().isin(MISSING_TOKENS).to_numpy()
        if not ok.all():
            i = int(nan[np.argmin(ok)])
            raise DataError(f"{where}: column {target_col!r}, {row(i)}: {col.iloc[i]!r} is not a number"
                            f"{number_hint(col.iloc[i])}")
    return y
