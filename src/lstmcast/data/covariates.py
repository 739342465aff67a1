"""Covariates of a panel, NeuralForecast's three kinds, as raw float arrays aligned with `Panel.values`.

    cov = covariates_from_frame(panel, df, futr_exog=["price"], hist_exog=["visits"],
                                static_df=statics, stat_exog=["size"])
    cov = with_future(cov, panel, futr_df, h)        # future values over the forecast horizon

hist_exog: known up to the present (row t of series i is hist[i][t], t < n_i).
futr_exog: known over the horizon too; futr[i] may run past the series' end (rows n_i, n_i + 1, ...).
stat_exog: one row per series (static[i]).
Every problem is one-line `DataError` naming the id, the column and the first bad date.
"""
from __future__ import annotations

import reprlib
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError
from .calendar import calendar_columns, calendar_groups, calendar_names


@dataclass
class Covariates:
    hist_names: tuple = ()
    futr_names: tuple = ()
    stat_names: tuple = ()
    hist: list = field(default_factory=list)     # N arrays (n_i, C_h)
    futr: list = field(default_factory=list)     # N arrays (m_i >= n_i, C_f)
    stat: np.ndarray | None = None               # (N, C_s)
    holidays: str | None = None                  # country: the last future column is its holiday count
    calendar: tuple = ()                         # built-in calendar columns (data/calendar.py), before "holiday"

    @property
    def empty(self) -> bool:
        return not (self.hist_names or self.futr_names or self.stat_names)

    def describe(self) -> dict:
        return {"hist_exog": list(self.hist_names), "futr_exog": list(self.futr_names),
                "stat_exog": list(self.stat_names)}

    def subset(self, idx) -> Covariates:
        idx = np.asarray(idx, int)
        return Covariates(self.hist_names, self.futr_names, self.stat_names, [self.hist[i] for i in idx],
                          [self.futr[i] for i in idx], None if self.stat is None else self.stat[idx], self.holidays,
                          self.calendar)

    @property
    def n_builtin(self) -> int:
        """The last future columns computed from the timestamps: calendar ones, then the holiday count."""
        return len(self.calendar) + (1 if self.holidays else 0)

    @property
    def builtin_only(self) -> bool:
        """Only covariates computed from the timestamps (calendar, holidays): any fit can make them."""
        return not (self.hist_names or self.stat_names or self.user_futr)

    @property
    def user_futr(self) -> tuple:
        """The future covariates the user gives (the built-in calendar and holiday columns excluded)."""
        return self.futr_names[:len(self.futr_names) - self.n_builtin]


def builtin_part(cov):
    """cov without the user's columns: its built-in calendar and holiday columns only (None if none)."""
    if cov is None or cov.empty or cov.builtin_only:
        return None if cov is None or cov.empty else cov
    k = cov.n_builtin
    if not k:
        return None
    return Covariates((), cov.futr_names[-k:], (), [np.zeros((len(x), 0)) for x in cov.hist],
                      [f[:, f.shape[1] - k:] for f in cov.futr], np.zeros((len(cov.stat), 0)), cov.holidays,
                      cov.calendar)


def with_builtins(cov, panel, calendar: tuple, holidays):
    """cov (None: no covariates) on `panel` with its built-in columns replaced by the calendar columns
    `calendar` (data/calendar.py) and the holiday count of the country `holidays` (None: none); None when
    nothing is left."""
    lengths = [len(v) for v in panel.values]
    user = cov.user_futr if cov is not None else ()
    F = [f[:, :len(user)] for f in cov.futr] if cov is not None else [np.zeros((n, 0)) for n in lengths]
    if calendar or holidays:
        F = [_with_builtins(panel, i, f, len(f), tuple(calendar), holidays) for i, f in enumerate(F)]
    names = user + tuple(calendar) + (("holiday",) * bool(holidays))
    out = Covariates(cov.hist_names if cov is not None else (), names, cov.stat_names if cov is not None else (),
                     cov.hist if cov is not None else [np.zeros((n, 0)) for n in lengths], F,
                     cov.stat if cov is not None else np.zeros((len(lengths), 0)), holidays or None, tuple(calendar))
    return None if out.empty else out


def lstm_part(cov, choice):
    """The covariates an LSTM sees: all of cov, or its built-in part when validation dropped the user's
    (choice: fit/covchoice.py's record; None or {} keeps them)."""
    return cov if (choice or {}).get("lstm", {}).get("kept", True) else builtin_part(cov)


def user_X(cov) -> dict:
    """{series position: (rows, k) its user future covariates from its first value on}: AutoARIMA's
    regressors; {} without any."""
    k = len(cov.user_futr) if cov is not None and not cov.empty else 0
    return {i: np.asarray(f[:, :k], np.float64) for i, f in enumerate(cov.futr)} if k else {}


def holiday_counts(times, offset, country: str) -> np.ndarray:
    """(n,) how many public holidays of `country` (the `holidays` package) fall in each period
    [t, t + offset): a 0/1 dummy for daily data, a count for weekly or monthly data."""
    import holidays as hol  # optional extra: only for --holidays
    times = pd.DatetimeIndex(times)
    if len(times) == 0:
        return np.zeros(0)
    years = range(times.min().year - 1, times.max().year + 2)
    try:
        days = hol.country_holidays(country, years=list(years))
    except (NotImplementedError, KeyError):
        raise DataError(f"unknown holiday country {country!r}; use a code of the holidays package such as "
                        "US, GB, DE, FR") from None
    stamps = np.array(sorted(pd.Timestamp(d).value for d in days), np.int64)
    lo = times.normalize().asi8
    hi = (times + offset).normalize().asi8
    hi = np.maximum(hi, lo + 1)                        # sub-daily data: the day of the timestamp
    return (np.searchsorted(stamps, hi) - np.searchsorted(stamps, lo)).astype(np.float64)


def _with_builtins(panel, i, f, rows: int, calendar: tuple, country):
    """f (rows, C) with the built-in columns of series i's first `rows` grid points appended: the
    calendar columns named in `calendar`, then the holiday count of `country` (when given)."""
    grid = panel._grid(i, rows)
    parts = [f[:rows]]
    if calendar:
        parts.append(calendar_columns(grid, panel.freq, calendar))
    if country:
        parts.append(holiday_counts(grid, panel.offset, country)[:, None])
    return np.concatenate(parts, axis=1)


def _names(v) -> tuple:
    if v is None:
        return ()
    if isinstance(v, str):
        v = [s.strip() for s in v.split(",") if s.strip()]
    return tuple(str(s) for s in v)


def _numeric(df, col, id_col, time_col, where):
    """The column as float64, or a DataError naming the id and the date of the first bad cell."""
    raw = df[col]
    num = pd.to_numeric(raw, errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(num)
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        cell = raw.iloc[r]
        what = ("missing (NaN)" if pd.isna(cell) else "infinite" if isinstance(cell, (int, float, np.number))
                else f"not a number ({cell!r})")
        when = df[time_col].iloc[r] if time_col is not None else None
        at = f" at {pd.Timestamp(when).date()}" if when is not None else ""
        raise DataError(f"{where}: covariate {col!r} of series {df[id_col].iloc[r]!r}{at} is {what}; "
                        "covariates must be finite numbers: fill or drop them")
    big = np.abs(num) > 1e150                            # their squares overflow the standard scaling
    if big.any():
        r = int(np.flatnonzero(big)[0])
        when = df[time_col].iloc[r] if time_col is not None else None
        at = f" at {pd.Timestamp(when).date()}" if when is not None else ""
        raise DataError(f"{where}: covariate {col!r} of series {df[id_col].iloc[r]!r}{at} is {num[r]:.4g}, too "
                        "large to scale (over 1e150); divide the column by a power of ten")
    return num


def _times(df, tc, where):
    """The time column as datetimes, or a DataError naming the first cell that is none."""
    with warnings.catch_warnings():       # pandas' "could not infer format": each cell is parsed on its own,
        warnings.simplefilter("ignore", UserWarning)   # and a cell that is no date is named below
        times = pd.to_datetime(df[tc], errors="coerce")
    if times.isna().any():
        r = int(np.flatnonzero(times.isna().to_numpy())[0])
        first = df.attrs.get("first_line")
        raise DataError(f"{where}: column {tc!r}, {f'line {r + first}' if first else f'row {r}'}: the time is "
                        "missing or not a date")
    return times


def _no_duplicates(index, key, where):
    dup = index.duplicated()
    if dup.any():
        t = index[dup][0]
        raise DataError(f"{where}: series {key!r} has two rows at {t.date() if t == t.normalize() else t}; keep one "
                        "row per series and time")


def _need_columns(df, cols, where, flag):
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"{where}: no covariate column {missing[0]!r} ({flag}); columns are "
                        f"{reprlib.repr(list(df.columns))}")


def _aligned(panel, df, cols, where, extra: int = 0, need=None):
    """{series i: (n_i + extra_i, C)} values of `cols` on the panel grid of each series. need[i]: rows
    required (default n_i); a missing one is an error naming the id, column and date."""
    idc, tc = panel.id_col, panel.time_col
    _need_columns(df, [idc, tc], where, "id/time")
    _need_columns(df, cols, where, "--futr-exog/--hist-exog")
    times = _times(df, tc, where)
    data = np.column_stack([_numeric(df, c, idc, tc, where) for c in cols]) if cols else np.zeros((len(df), 0))
    by_id = {k: np.asarray(v) for k, v in df.groupby(idc, sort=False).indices.items()}
    out = []
    for i in range(len(panel)):
        n = int(need[i]) if need is not None else len(panel.values[i])
        grid = panel._grid(i, n)
        rows = by_id.get(panel.ids[i])
        if rows is None:
            if n == 0:
                out.append(np.zeros((0, len(cols))))
                continue
            raise DataError(f"{where}: series {panel.ids[i]!r} has no rows; covariates {list(cols)} are needed "
                            f"from {grid[0].date()} to {grid[-1].date()}")
        s = pd.DataFrame(data[rows], index=pd.DatetimeIndex(times.iloc[rows]))
        _no_duplicates(s.index, panel.ids[i], where)
        got = s.reindex(grid)
        miss = got.isna().any(axis=1).to_numpy()
        if miss.any():
            j = int(np.flatnonzero(miss)[0])
            last = s.index.max()
            tail = f" (its rows end at {last.date()})" if last is not pd.NaT and last < grid[j] else ""
            raise DataError(f"{where}: series {panel.ids[i]!r} has no value of covariate "
                            f"{cols[int(np.flatnonzero(got.iloc[j].isna().to_numpy())[0])]!r} at {grid[j].date()}"
                            f"{tail}; give a value for every date")
        out.append(got.to_numpy(np.float64))
    return out


def static_table(panel, static_df, stat_exog, where="static"):
    """(N, C_s) static covariates, one row per id of the panel."""
    cols = _names(stat_exog)
    if not cols:
        return np.zeros((len(panel), 0))
    if static_df is None:
        raise DataError(f"stat_exog {list(cols)} needs a static frame (one row per id); pass static_df= "
                        "(--static FILE)")
    idc = panel.id_col
    _need_columns(static_df, [idc], where, "ids")
    _need_columns(static_df, cols, where, "--stat-exog")
    dup = static_df[idc].duplicated()
    if dup.any():
        raise DataError(f"{where}: series {static_df[idc][dup].iloc[0]!r} has more than one row; the static "
                        "frame needs exactly one row per id")
    vals = np.column_stack([_numeric(static_df, c, idc, None, where) for c in cols])
    pos = {k: r for r, k in enumerate(static_df[idc])}
    out = np.zeros((len(panel), len(cols)))
    for i, k in enumerate(panel.ids):
        if k not in pos:
            raise DataError(f"{where}: series {k!r} has no row; the static frame needs one row per id")
        out[i] = vals[pos[k]]
    return out


def covariates_from_frame(panel, df, futr_exog=None, hist_exog=None, static_df=None, stat_exog=None,
                          where="data", holidays=None, calendar=False) -> Covariates:
    """Covariates of `panel` read from the long frame df (the same id/time columns) and a static frame.
    Future covariates keep the rows of df past each series' end (the oracle future in backtests).
    holidays: a country code; adds the built-in future covariate "holiday" (computed, never given).
    calendar: adds the built-in calendar columns of the panel's frequency (data/calendar.py)."""
    futr, hist = _names(futr_exog), _names(hist_exog)
    if calendar not in (True, False, "auto"):
        raise DataError(f"calendar must be True, False or 'auto'; got {calendar!r}")
    cal = calendar_names(panel.freq) if calendar is True else ()      # "auto": the fit adds what validation keeps
    auto = {c for g in calendar_groups(panel.freq, 10**9).values() for c in g} if calendar == "auto" else set()
    reserved = set(cal) | auto
    clash = set(futr + hist) & (reserved | ({"holiday"} if holidays else set()))
    if clash:
        raise DataError(f"covariate {min(clash)!r} has the name of a built-in one (--calendar/--holidays); "
                        "rename the column")
    if df is None:
        df = panel.to_frame()
    both = set(futr) & set(hist)
    if both:
        raise DataError(f"covariate {sorted(both)[0]!r} is both future and historical; name it once")
    if panel.target_col in futr + hist:
        raise DataError(f"the target {panel.target_col!r} cannot be a covariate")
    for col, what, hint in ((panel.time_col, "time column", " (--calendar adds features of the time)"),
                            (panel.id_col, "series id column", " (--static gives per-series features)")):
        if col in futr + hist:
            raise DataError(f"the {what} {col!r} cannot be a covariate{hint}; name numeric columns")
    H = _aligned(panel, df, list(hist), where)
    F = _aligned(panel, df, list(futr), where)
    if futr:
        F = [_extend(panel, df, list(futr), i, f, where) for i, f in enumerate(F)]
    if cal or holidays:
        F = [_with_builtins(panel, i, f, len(f), cal, holidays) for i, f in enumerate(F)]
        futr = futr + cal + (("holiday",) if holidays else ())
    return Covariates(hist, futr, _names(stat_exog), H, F, static_table(panel, static_df, stat_exog),
                      holidays or None, cal)


def _extend(panel, df, cols, i, f, where):
    """Series i's future-covariate rows continued by df's consecutive rows after its end (if any)."""
    idc, tc = panel.id_col, panel.time_col
    part = df[df[idc] == panel.ids[i]]
    if not len(part):
        return f
    t = pd.to_datetime(part[tc], errors="coerce")
    end = panel.ends[i]
    later = part[(t > end).to_numpy()]
    if not len(later):
        return f
    k = len(later)
    grid = panel._grid(i, len(panel.values[i]) + k)[len(panel.values[i]):]
    s = pd.DataFrame(np.column_stack([_numeric(later, c, idc, tc, where) for c in cols]),
                     index=pd.DatetimeIndex(pd.to_datetime(later[tc])))
    got = s[~s.index.duplicated(keep="last")].reindex(grid).to_numpy()
    ok = ~np.isnan(got).any(axis=1)
    run = int(np.argmin(ok)) if not ok.all() else len(ok)        # consecutive rows after the end
    return np.concatenate([f, got[:run]])


def with_future(cov: Covariates, panel, futr_df, h: int, lengths=None, where="future") -> Covariates:
    """cov with each series' future covariates through its h steps after the end (lengths: the series'
    lengths, default the panel's). futr_df (unique_id, ds, futr columns) adds or replaces future rows;
    the built-in calendar and holiday columns are computed."""
    lengths = panel.lengths if lengths is None else np.asarray(lengths)
    user = list(cov.user_futr)
    F = [f[:, :len(user)] for f in cov.futr]
    if user:
        if futr_df is not None:
            known = _aligned_future(panel, futr_df, user, lengths, h, where)
            F = [np.concatenate([f[:n], k]) for f, n, k in zip(F, lengths, known)]
        for i, f in enumerate(F):
            if len(panel.values[i]) and len(f) < lengths[i] + h:
                grid = panel._grid(i, int(lengths[i]) + h)
                found = grid[len(f) - 1].date() if len(f) else "none"
                raise DataError(f"{where}: future covariates {user} of series {panel.ids[i]!r} "
                                f"end at {found}; horizon {h} needs them up to {grid[-1].date()}; pass futr_df= "
                                "(--future FILE; --future-template writes the rows needed)")
    elif futr_df is not None:
        raise DataError(f"{where}: the model was trained without future covariates to give; drop futr_df (--future)")
    if cov.n_builtin:
        F = [_with_builtins(panel, i, f if user else np.zeros((int(n) + h, 0)), int(n) + h, cov.calendar,
                            cov.holidays) for i, (f, n) in enumerate(zip(F, lengths))]
    return Covariates(cov.hist_names, cov.futr_names, cov.stat_names, cov.hist, F, cov.stat, cov.holidays,
                      cov.calendar)


def _aligned_future(panel, df, cols, lengths, h, where):
    idc, tc = panel.id_col, panel.time_col
    _need_columns(df, [idc, tc], where, "id/time")
    _need_columns(df, cols, where, "--futr-exog")
    times = _times(df, tc, where)
    by_id = {k: np.asarray(v) for k, v in df.groupby(idc, sort=False).indices.items()}
    out = []
    for i in range(len(panel)):
        n = int(lengths[i])
        grid = panel._grid(i, n + h)[n:]
        rows = by_id.get(panel.ids[i])
        if rows is None:
            raise DataError(f"{where}: series {panel.ids[i]!r} has no future rows; covariates {cols} are needed "
                            f"from {grid[0].date()} to {grid[-1].date()}")
        sub = df.iloc[rows]
        s = pd.DataFrame(np.column_stack([_numeric(sub, c, idc, tc, where) for c in cols]),
                         index=pd.DatetimeIndex(times.iloc[rows]))
        _no_duplicates(s.index, panel.ids[i], where)
        got = s.reindex(grid)
        miss = got.isna().any(axis=1).to_numpy()
        if miss.any():
            j = int(np.flatnonzero(miss)[0])
            last = s.index.max()
            raise DataError(f"{where}: series {panel.ids[i]!r} has no future value of {cols} at {grid[j].date()} "
                            f"(needed up to {grid[-1].date()}; its rows end at {last.date()})")
        out.append(got.to_numpy(np.float64))
    return out


def future_template(panel, h: int, cols, lengths=None):
    """The (id, ds) rows that need future covariate values, with empty columns `cols`."""
    lengths = panel.lengths if lengths is None else np.asarray(lengths)
    ids, ds = [], []
    for i in range(len(panel)):
        g = panel._grid(i, int(lengths[i]) + h)[int(lengths[i]):]
        ids += [panel.ids[i]] * h
        ds += list(g)
    out = pd.DataFrame({panel.id_col: ids, panel.time_col: pd.DatetimeIndex(ds)})
    for c in cols:
        out[c] = np.nan
    return out
