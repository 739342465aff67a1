"""The `Panel`: many series on one regular time grid, each with a status; and the grid arithmetic.

    p = validate_panel(df)            # (lstmcast.data.panel) -> Panel
    p.series(0), p.to_frame(), p.per_series(), p.subset(p.ok), p.truncate(p.lengths - 13)

A grid position is an integer count of `freq` steps from an origin timestamp. Fixed frequencies (D, h,
min, ...) use integer arithmetic on nanoseconds; calendar ones (MS, QS-OCT, W-SUN, B, ...) one
`pd.date_range` over the whole panel's span, never one per series.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.errors import OutOfBoundsDatetime

from ..errors import DataError
from . import era

STATUS_OK = "ok"
# "missing": NaN values (no fill); "gaps": timestamps missing on the grid (no fill); "infinite": +-inf
# values; "constant": all finite values equal; "empty": no finite value; "magnitude": a typical size beyond 1e+-150
# (data/extremes.py `off_scale`); "too_short": set by the models.
STATUSES = (STATUS_OK, "missing", "gaps", "infinite", "constant", "empty", "too_short", "nonpositive", "diverged",
            "magnitude")
STATUS_TEXT = {"missing": "missing values", "gaps": "gaps", "infinite": "infinite values",
               "constant": "constant", "empty": "no finite value", "too_short": "too short",
               "nonpositive": "values <= 0 for a log transform", "diverged": "training diverged",
               "magnitude": "too large or too small (beyond 1e+-150)"}


def to_offset(freq) -> pd.DateOffset:
    return pd.tseries.frequencies.to_offset(freq)


def grid_positions(times_i8: np.ndarray, offset) -> tuple[pd.Timestamp, np.ndarray, np.ndarray]:
    """Grid positions of timestamps (int64 ns, any order) on the `offset` grid through their minimum.

    Returns (origin, pos, on_grid): origin is position 0; pos (n,) int64; on_grid (n,) bool is False for
    a timestamp between two grid points (its pos is then the next grid point's).
    """
    times_i8 = np.asarray(times_i8, dtype=np.int64)
    if times_i8.size == 0:
        return pd.Timestamp(0), np.zeros(0, np.int64), np.zeros(0, bool)
    lo, hi = int(times_i8.min()), int(times_i8.max())
    if isinstance(offset, pd.offsets.Tick):
        step = np.uint64(offset.nanos)
        d = times_i8.view(np.uint64) - np.uint64(lo % 2**64)    # (n,) exact mod 2**64: spans over 292 years
        return pd.Timestamp(lo), (d // step).astype(np.int64), d % step == 0
    grid = pd.date_range(pd.Timestamp(lo), pd.Timestamp(hi), freq=offset).asi8
    if grid.size == 0:                                          # one off-grid timestamp
        grid = pd.date_range(pd.Timestamp(lo), periods=1, freq=offset).asi8
    pos = np.searchsorted(grid, times_i8)                       # (n,)
    on = grid[np.minimum(pos, grid.size - 1)] == times_i8
    return pd.Timestamp(grid[0]), pos.astype(np.int64), on


def grid_times(origin: pd.Timestamp, pos: np.ndarray, offset) -> pd.DatetimeIndex:
    """The timestamps at grid positions `pos` (int, >= 0) counted from `origin`."""
    pos = np.asarray(pos, dtype=np.int64)
    if pos.size == 0:
        return pd.DatetimeIndex([], dtype="datetime64[ns]")
    if isinstance(offset, pd.offsets.Tick):
        return pd.DatetimeIndex((origin.value + pos * int(offset.nanos)).astype("datetime64[ns]"))
    grid = date_grid(origin, int(pos.max()) + 1, offset)
    return pd.DatetimeIndex(grid.asi8[pos].astype("datetime64[ns]"))


def date_grid(origin, periods: int, offset, name=None, need: int | None = None) -> pd.DatetimeIndex:
    """pd.date_range(origin, periods=...), cut at the last date pandas can hold down to `need` points (never
    padded past it); a one-line DataError when even the points needed run past it."""
    try:
        return pd.date_range(origin, periods=periods, freq=offset, name=name)
    except (OutOfBoundsDatetime, OverflowError):
        if need is not None and need < periods:
            if isinstance(offset, pd.offsets.Tick):
                fit = (pd.Timestamp.max.value - pd.Timestamp(origin).value) // int(offset.nanos) + 1
                grid = pd.date_range(origin, periods=min(periods, fit), freq=offset, name=name)
            else:
                end = pd.Timestamp.max - offset - offset  # pandas computes the step after `end` too
                grid = pd.date_range(origin, end=end, freq=offset, name=name)
            if len(grid) >= need:
                return grid[:periods]
    raise DataError(f"dates run past {pd.Timestamp.max.date()}, the last date pandas can hold ({periods} steps of "
                    f"{offset.freqstr} from {origin.date()}): lower the horizon")


@dataclass(eq=False)
class Panel:
    """N series on one regular grid (frequency `freq`), sorted by id, each with a status.

    Attributes:
        ids: (N,) the series ids, sorted (their original dtype; object for strings).
        values: N float64 arrays on the grid, oldest first, NaN where a value is missing.
        starts: (N,) the first timestamp of each series.
        freq: the pandas offset alias of the whole panel ("MS", "D", "QS-OCT", ...).
        status: (N,) status codes, one of STATUSES; "ok" for a series the models can train on.
        reason: (N,) human text for a status other than "ok" ("" when ok, or a note such as dropped
            leading missing values).
        id_col, time_col, target_col: the column names used by `to_frame` and in messages.
        source: the file path or "frame"/"data", used in messages.
        tz: the time zone of the input times ("UTC+02:00", "Europe/Berlin") or None. The grid runs on
            wall-clock times (naive); `localize` puts the zone back on times given to the user.
        years: whole years the grid runs later than the user's dates (data/era.py: dates of another era
            moved into pandas' range; 0 normally); `localize` moves them back.
        notes: one-line notes from reading (values many orders of magnitude off their neighbours: data/extremes.py).

    Examples:
        >>> import pandas as pd
        >>> from lstmcast.data import validate_panel
        >>> df = pd.DataFrame({"unique_id": ["b", "a", "a", "a"], "ds": pd.to_datetime(
        ...     ["2000-03-01", "2000-01-01", "2000-02-01", "2000-03-01"]), "y": [9.0, 1, 2, 3]})
        >>> p = validate_panel(df, freq="MS")
        >>> list(p.ids), p.lengths.tolist(), [str(t.date()) for t in p.ends], p.series(0).tolist()
        (['a', 'b'], [3, 1], ['2000-03-01', '2000-03-01'], [1.0, 2.0, 3.0])
        >>> p.truncate(0).to_frame()
          unique_id         ds    y
        0         a 2000-01-01  1.0
        1         b 2000-03-01  9.0
    """
    ids: np.ndarray
    values: list
    starts: pd.DatetimeIndex
    freq: str
    status: np.ndarray
    reason: np.ndarray
    id_col: str = "unique_id"
    time_col: str = "ds"
    target_col: str = "y"
    source: str | None = None
    tz: str | None = None
    years: int = 0
    notes: tuple = ()

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return (f"Panel({len(self)} series, freq={self.freq!r}, {int(self.lengths.sum())} points, "
                f"{int(self.ok.sum())} ok)")

    def __eq__(self, other) -> bool:
        """Same ids, values (NaN equal to NaN), starts, freq, statuses, reasons and column names."""
        if not isinstance(other, Panel):
            return NotImplemented
        return (len(self) == len(other) and self.freq == other.freq
                and (self.id_col, self.time_col, self.target_col)
                == (other.id_col, other.time_col, other.target_col)
                and np.array_equal(np.asarray(self.ids, object), np.asarray(other.ids, object))
                and self.starts.equals(other.starts) and self.tz == other.tz and self.years == other.years
                and all(np.array_equal(a, b, equal_nan=True) for a, b in zip(self.values, other.values))
                and np.array_equal(self.status, other.status) and np.array_equal(self.reason, other.reason))

    @property
    def offset(self) -> pd.DateOffset:
        return to_offset(self.freq)

    @property
    def lengths(self) -> np.ndarray:
        return np.fromiter((len(v) for v in self.values), dtype=np.int64, count=len(self.values))

    @property
    def ok(self) -> np.ndarray:
        return np.asarray(self.status == STATUS_OK, dtype=bool)

    def localize(self, times) -> pd.DatetimeIndex:
        """Wall-clock `times` of this panel in its zone (unchanged when it has none). An ambiguous hour
        (clocks set back) is read as standard time; a missing one (clocks set forward) moves forward."""
        times = pd.DatetimeIndex(times)
        if self.years:                       # another era: the grid runs `years` later (data/era.py)
            return era.to_user(times, self.years)
        if self.tz is None or times.tz is not None:
            return times
        return times.tz_localize(self.tz, ambiguous=np.zeros(len(times), bool), nonexistent="shift_forward")

    def _start_positions(self) -> tuple[pd.Timestamp, np.ndarray]:
        origin, pos, _ = grid_positions(self.starts.asi8, self.offset)
        return origin, pos

    def _grid(self, i, stop: int) -> pd.DatetimeIndex:
        """Grid points start_i ... start_i + stop - 1 (freq set): a slice of one cached panel-wide grid."""
        key = (self.starts, self.freq)
        cache = self.__dict__.get("_grid_cache")
        if cache is None or cache[0][0] is not self.starts or cache[0][1] != self.freq:
            origin, spos = self._start_positions()
            cache = self.__dict__["_grid_cache"] = [key, origin, spos, None]
        _, origin, spos, grid = cache
        need = int(spos[i]) + stop
        if grid is None or len(grid) < need:
            n = max(need, int((spos + self.lengths).max(initial=0)) + 64)
            try:
                grid = cache[3] = date_grid(origin, n, self.offset, self.time_col, need=need)
            except DataError:
                last = self.localize(pd.DatetimeIndex([pd.Timestamp.max.floor("D")]))[0]
                raise DataError(f"series {self.ids[i]!r}: {stop - len(self.values[i])} steps after its end run past "
                                f"{era.day(last)}, the last date this panel's grid can hold; lower the horizon"
                                + (" (or read its dates as another era: write them as text)" if not self.years
                                   else "")) from None
        return grid[int(spos[i]):need]

    @property
    def ends(self) -> pd.DatetimeIndex:
        """(N,) the last timestamp of each series (a series of length 0 gives the step before its start)."""
        origin, pos = self._start_positions()
        last = pos + self.lengths - 1
        if last.size and last.min() < 0:   # an empty series: count back from the origin
            shift = -int(last.min())
            origin = origin - shift * self.offset
            last = last + shift
        return grid_times(origin, last, self.offset)

    def index(self, i) -> pd.DatetimeIndex:
        """The timestamps of series i (freq set)."""
        return self._grid(i, len(self.values[i]))

    def series(self, i) -> pd.Series:
        """Series i as a float64 pd.Series with a DatetimeIndex (freq set), named after its id."""
        return pd.Series(self.values[i], index=self.index(i), name=self.ids[i])

    def future_index(self, i, h: int) -> pd.DatetimeIndex:
        """The h timestamps after the end of series i."""
        n = len(self.values[i])
        return self._grid(i, n + h)[n:]

    def _take(self, idx: np.ndarray, values: list, starts: pd.DatetimeIndex) -> Panel:
        return Panel(ids=self.ids[idx], values=values, starts=starts, freq=self.freq,
                     status=self.status[idx].copy(), reason=self.reason[idx].copy(), id_col=self.id_col,
                     time_col=self.time_col, target_col=self.target_col, source=self.source, tz=self.tz,
                     years=self.years, notes=self.notes)

    def subset(self, mask_or_indices) -> Panel:
        """The series picked by a boolean mask (N,) or by integer positions (in the order given)."""
        sel = np.asarray(mask_or_indices)
        if sel.dtype == bool:
            if sel.shape != (len(self),):
                raise ValueError(f"a boolean mask must have shape ({len(self)},); got {sel.shape}")
            sel = np.flatnonzero(sel)
        sel = sel.astype(np.int64).reshape(-1)
        return self._take(sel, [self.values[i] for i in sel], self.starts[sel])

    def truncate(self, end_positions) -> Panel:
        """Keep values[i][:end_positions[i] + 1] of each series (an int applies to all); for backtests.

        A position past the end keeps the whole series; a negative one is an error (drop that series with
        `subset` first). Statuses and reasons are copied unchanged.
        """
        ends = np.broadcast_to(np.asarray(end_positions, dtype=np.int64), (len(self),))
        if ends.size and ends.min() < 0:
            i = int(np.argmin(ends))
            raise ValueError(f"truncate: end position {ends[i]} for series {self.ids[i]!r} is negative; "
                             "drop that series with subset() first")
        return self._take(np.arange(len(self)), [v[:e + 1] for v, e in zip(self.values, ends)], self.starts)

    def to_frame(self) -> pd.DataFrame:
        """The long frame (id_col, time_col, target_col), sorted by id then time, NaN where missing; the
        times in the panel's zone, if it has one."""
        lengths = self.lengths
        origin, spos = self._start_positions()
        first = np.repeat(np.cumsum(lengths) - lengths, lengths)                  # (T,)
        pos = np.repeat(spos, lengths) + (np.arange(int(lengths.sum())) - first)  # (T,)
        ids = np.repeat(np.asarray(self.ids), lengths)
        y = np.concatenate(self.values) if self.values else np.zeros(0)
        return pd.DataFrame({self.id_col: ids, self.time_col: self.localize(grid_times(origin, pos, self.offset)),
                             self.target_col: y.astype(np.float64)})

    def per_series(self) -> pd.DataFrame:
        """One row per series: unique_id, length, start, end, status, reason."""
        return pd.DataFrame({"unique_id": self.ids, "length": self.lengths, "start": self.localize(self.starts),
                             "end": self.localize(self.ends), "status": self.status, "reason": self.reason})

    def set_status(self, i, status: str, reason: str) -> None:
        """Mark series i (e.g. "too_short" by the models), with a one-line reason."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; use one of {STATUSES}")
        self.status[i] = status
        self.reason[i] = reason


def summary_line(panel: Panel) -> str:
    """One line on the series that fall back to a baseline, e.g.
    "3 of 120 series fall back to a baseline: 1 too short, 1 constant, 1 missing values"; or
    "all 120 series are usable" when every status is ok.

    Examples:
        >>> import numpy as np, pandas as pd
        >>> from lstmcast.data import validate_panel
        >>> df = pd.DataFrame({"unique_id": list("aaabbb"), "ds": list(pd.date_range("2000", periods=3)) * 2,
        ...                    "y": [1.0, 2, 3, 5, 5, 5]})
        >>> summary_line(validate_panel(df))
        '1 of 2 series falls back to a baseline: 1 constant'
    """
    n = len(panel)
    bad = panel.status[~panel.ok]
    if bad.size == 0:
        return f"all {n} series are usable" if n != 1 else "the series is usable"
    codes, counts = np.unique(bad.astype(str), return_counts=True)
    shown = ("too_short", "constant", "missing", "gaps", "infinite", "empty", "magnitude")
    order = sorted(range(len(codes)), key=lambda k: (-counts[k], shown.index(codes[k])
                                                     if codes[k] in shown else 99, codes[k]))
    parts = ", ".join(f"{counts[k]} {STATUS_TEXT.get(codes[k], codes[k])}" for k in order)
    verb = "falls" if bad.size == 1 else "fall"
    return f"{bad.size} of {n} series {verb} back to a baseline: {parts}"


def future_times(panel, lengths, h: int):
    """(N * h,) the h timestamps after each series' last value (lengths may exceed the panel's: newer data)."""
    origin, spos, _ = grid_positions(panel.starts.asi8, panel.offset)
    pos = spos[:, None] + np.asarray(lengths)[:, None] + np.arange(h)[None, :]
    return panel.localize(grid_times(origin, pos.ravel(), panel.offset))   # in the input's zone, if any
