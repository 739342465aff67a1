"""Check a long frame (unique_id, ds, y) and lay it out as a `Panel`, vectorised over all rows.

    panel = validate_panel(df, freq=None, fill=None, strict=False)

Structural problems (missing column, bad date, bad number, duplicate (id, time), a timestamp off the
panel's grid, no frequency) raise one-line `DataError`s. Per-series problems (missing values, gaps,
infinite values, constant, no finite value) only flag that series; `strict=True` raises for them too.
One stable sort by (id, time); groups, duplicates and grid positions come from neighbouring rows.
"""
from __future__ import annotations

import reprlib
from collections import Counter

import numpy as np
import pandas as pd

from ..errors import DataError
from . import era, extremes
from .extremes import off_scale, too_far, typical_size
from .panel_columns import _factorize_ids, _times_i8, _values
from .panel_core import STATUS_OK, Panel, grid_positions, grid_times, to_offset
from .series import FILLS

_FIX = {"missing": "fill them with --fill interpolate or --fill ffill (fill= in the API)",
        "gaps": "add the missing rows, or fill them with --fill interpolate or --fill ffill",
        "infinite": "remove or replace them", "empty": "drop this series or give it values",
        "constant": "drop this series",
        "magnitude": "multiply the column by a power of ten to bring its values between 1e-150 and 1e150"}


def fmt_time(ts, years: int = 0) -> str:
    """A grid time as the user wrote it: a date, or a date and clock time; `years`: see data/era.py."""
    return era.day(pd.Timestamp(ts) if not years else era.to_user(pd.DatetimeIndex([ts]), years)[0])


def _plural(k: int, word: str) -> str:
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def _nominal_step(freq: str) -> float:
    """Roughly how many seconds one step of `freq` is (a month about 31 days): to tell frequencies apart."""
    t = pd.Timestamp("2001-01-01")
    return ((t + to_offset(freq)) - t).total_seconds()


def _infer_freq(t_sorted: np.ndarray, first: np.ndarray, counts: np.ndarray, where, ids=None) -> str:
    """The most common pd.infer_freq answer among the longest series (ties: the longest); if none has
    one, pd.infer_freq of all the panel's timestamps together. Series whose own frequencies differ
    by more than half a step (monthly and daily) are a DataError naming two of them."""
    cand = np.argsort(-counts, kind="stable")
    found, who = [], []
    for k in cand[counts[cand] >= 3][:200]:
        f = pd.infer_freq(pd.DatetimeIndex(t_sorted[first[k]:first[k] + counts[k]].astype("datetime64[ns]")))
        if f is not None:
            found.append(f)
            who.append(k)
            if len(found) >= 7:
                break
    step = {f: _nominal_step(f) for f in found}
    if step and max(step.values()) > 1.5 * min(step.values()) and ids is not None:
        (f1, k1), (f2, k2) = [next((f, k) for f, k in zip(found, who) if step[f] == v)
                              for v in (min(step.values()), max(step.values()))]
        raise DataError(f"{where}: mixed frequencies: series {ids[k1]!r} steps by {f1!r}, series {ids[k2]!r} by "
                        f"{f2!r}; give every series the same frequency (one file per frequency), or set one "
                        "with --freq")
    if not found and len(np.unique(t_sorted)) >= 3:  # every series has gaps or is short: all times together
        f = pd.infer_freq(pd.DatetimeIndex(np.unique(t_sorted).astype("datetime64[ns]")))
        found = [f] if f is not None else []
    if not found and counts.max() < 3:
        raise DataError(f"{where}: the {'longest series has' if len(counts) > 1 else 'series has'} only "
                        f"{int(counts.max())} row(s): too few to infer a frequency, let alone to forecast; "
                        "give more rows (at least a few seasons)")
    if not found:
        raise DataError(f"{where}: cannot infer the frequency: no series has 3 or more evenly spaced "
                        f"timestamps{_common_step(t_sorted, first, counts)}; give one with --freq (freq= in the "
                        "API), e.g. D, W, MS, QS, YS")
    return Counter(found).most_common(1)[0][0]


def _common_step(t_sorted, first, counts) -> str:
    """' (the longest series steps by 1 hour 58 times out of 59: try --freq h, and --fill for its gaps)'
    or '' when its steps have no clear mode (fewer than 80% alike)."""
    k = int(np.argmax(counts))
    times = np.unique(t_sorted[first[k]:first[k] + counts[k]])
    steps = np.diff(times)
    if steps.size < 2:
        return ""
    days = pd.DatetimeIndex(times.astype("datetime64[ns]"))
    if (days == days.normalize()).all() and (days.dayofweek < 5).all() and \
            np.mean(np.isin(steps, [86_400 * 10**9, 3 * 86_400 * 10**9])) >= 0.8:
        return (" (the longest series is on weekdays only, with gaps such as holidays: try --freq B, with --fill "
                "for the gaps)")
    month = days.year * 12 + days.month
    if np.mean(np.diff(month) == 1) >= 0.8 and len(set(days.day)) > 1:
        return (" (the longest series has one date a month, on varying days: write them as months, e.g. "
                f"{days[0].strftime('%Y-%m')}, or as the first of each month)")
    vals, n = np.unique(steps, return_counts=True)
    j = int(np.argmax(n))
    if n[j] < 0.8 * steps.size:
        return ""
    step = pd.Timedelta(int(vals[j]), "ns")
    days = step.days
    what = f"{days} day{'s' * (days != 1)}" if step == pd.Timedelta(days=days) else str(step).replace("0 days ", "")
    try:
        code = pd.tseries.frequencies.to_offset(step).freqstr
    except ValueError:
        return ""
    return (f" (the longest series steps by {what} {n[j]} times out of {steps.size}: try --freq {code}, "
            "with --fill for its gaps)")


def _fill(flat: np.ndarray, seg: np.ndarray, seg_start: np.ndarray, fill: str) -> np.ndarray:
    """ffill / linear interpolation inside each segment; leading NaNs stay (pandas' defaults)."""
    n = flat.size
    at = np.arange(n)
    have = ~np.isnan(flat)
    prev = np.maximum.accumulate(np.where(have, at, -1))                    # last valid index <= i
    prev_ok = prev >= seg_start[seg]
    prev_val = np.where(prev_ok, flat[np.maximum(prev, 0)], np.nan)
    if fill == "ffill":
        return np.where(have, flat, prev_val)
    seg_end = np.append(seg_start[1:], n)
    nxt = np.minimum.accumulate(np.where(have, at, n)[::-1])[::-1]           # next valid index >= i
    nxt_ok = nxt < seg_end[seg]
    nxt_val = flat[np.minimum(nxt, n - 1)]
    w = (at - prev) / np.maximum(nxt - prev, 1)
    with np.errstate(invalid="ignore"):
        inner = prev_val + (nxt_val - prev_val) * w
    return np.where(have, flat, np.where(nxt_ok, inner, prev_val))


def _sort_order(key: np.ndarray, size: int) -> np.ndarray:
    """The stable argsort of key (ints in [0, size)). Sorted input costs one pass; dense unique keys a
    counting sort (one scatter, O(size)); otherwise, or with duplicate keys, np.argsort(kind="stable")."""
    n = len(key)
    if not (np.diff(key) < 0).any():
        return np.arange(n)
    if size <= max(4 * n, 1 << 20) and size <= 1 << 26:
        slot = np.full(size, -1, np.int64)
        slot[key] = np.arange(n)
        order = slot[slot >= 0]
        if len(order) == n:                                         # keys unique: this is the sort
            return order
    return np.argsort(key, kind="stable")


def validate_panel(df, id_col="unique_id", time_col="ds", target_col="y", freq=None, fill=None,
                   strict=False, where="data", line_offset=None) -> Panel:
    """Check a long frame and return a `Panel` (series sorted by id, each on the panel's grid).

    Args:
        df: a DataFrame with columns id_col, time_col (dates, text dates or periods), target_col.
        freq: the pandas frequency of every series; default: inferred from the longest regular series.
        fill: "interpolate" or "ffill" fills missing values and gaps (leading ones are dropped);
            without it a series with missing values or gaps is flagged "missing" / "gaps".
        strict: raise a DataError for the first flagged series instead of flagging it.
        where: the source named in messages (a file path); line_offset: row i of df is line
            i + line_offset of the file (messages say "row i" without it).

    Returns:
        A Panel; the input row order does not matter.

    Examples:
        >>> import pandas as pd
        >>> ds = pd.date_range("2000-01-01", periods=4, freq="MS")
        >>> df = pd.DataFrame({"unique_id": ["a"] * 4 + ["b"] * 3, "ds": [*ds, *ds[1:]],
        ...                    "y": [1.0, 2, 3, 4, 5, 5, 5]})
        >>> p = validate_panel(df)
        >>> p.freq, list(p.ids), list(p.status)
        ('MS', ['a', 'b'], ['ok', 'constant'])
    """
    offset = _check_frame(df, id_col, time_col, target_col, freq, fill, where)
    labels = df.index

    def row(i):  # a file's line, or the frame's index label (so reasons do not depend on the row order)
        if line_offset is not None:
            return f"line {i + line_offset}"
        lab = labels[i]
        return f"row {lab}" if isinstance(lab, (int, np.integer)) else f"row {lab!r}"

    sid, ids = _factorize_ids(df[id_col], where, id_col, row)       # (n,) series index per row, (N,)
    t, tz, years = _times_i8(df[time_col], where, time_col, row)    # (n,) int64 ns, zone, era shift
    y = _values(df[target_col], where, target_col, row)             # (n,) float64

    order, sid, tcode, tuniq = _sort_rows(sid, ids, t, where, id_col, time_col, row, years)
    first, counts = _runs(sid)                                      # (N,) first sorted row of each series, rows
    if freq is None:
        offset = _infer_offset(tuniq, tcode, first, counts, y, order, sid, ids, where)
    freqstr = offset.freqstr
    origin, upos, order, sid, tcode = _on_grid(tuniq, tcode, offset, y, order, sid, ids, freq, where, row, years)
    first, counts = _runs(sid)
    pos = upos[tcode]                                               # (n,) sorted rows' grid positions
    spos = pos[first]
    length = pos[first + counts - 1] - spos + 1                     # (N,)
    seg_start = np.r_[0, np.cumsum(length)[:-1]]                    # (N,) offsets in the flat buffer
    total = int(length.sum())
    dest = seg_start[sid] + pos - spos[sid]                         # (n,)
    flat = np.full(total, np.nan)
    flat[dest] = y[order]
    line_at = np.full(total, -1, np.int64)                          # input row of each grid cell, -1: gap
    line_at[dest] = order
    seg = np.repeat(np.arange(len(ids)), length)                    # (total,) series of each cell

    filled = fill is not None
    flat, status, n_missing, n_gaps, n_inf, drop = _statuses(flat, seg, seg_start, length, counts, line_at, fill)
    reason = np.full(len(ids), "", dtype=object)
    for k in np.flatnonzero((status != STATUS_OK) | (drop > 0)):
        cells = slice(seg_start[k], seg_start[k] + length[k])
        reason[k] = _reason(k, status[k], flat[cells], line_at[cells], (n_missing[k], n_gaps[k], n_inf[k]),
                            drop[k], filled, spos[k], origin, offset, row, years)
    if strict and (status != STATUS_OK).any():
        bad = int(np.flatnonzero(status != STATUS_OK)[0])
        raise DataError(f"{where}: series {ids[bad]!r}, column {target_col!r}: {reason[bad]}; {_FIX[status[bad]]}, "
                        "or turn strict off to flag the series and forecast it with a fallback")
    values = [flat[seg_start[k] + drop[k]:seg_start[k] + length[k]] for k in range(len(ids))]
    notes = extremes.flag(ids, values, [lambda j, a=seg_start[k] + drop[k]: row(line_at[a + j]) if line_at[a + j] >= 0
                                        else "a filled value" for k in range(len(ids))], where, target_col, strict)
    return Panel(ids=ids, values=values, starts=grid_times(origin, spos + drop, offset), freq=freqstr,
                 status=status, reason=reason, id_col=id_col, time_col=time_col, target_col=target_col,
                 source=where, tz=tz, years=years, notes=tuple(notes))


def _check_frame(df, id_col, time_col, target_col, freq, fill, where):
    """The frame's shape and the arguments, checked before any row is read; the offset of `freq` (or None)."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{where}: expected a DataFrame with columns {id_col!r}, {time_col!r}, "
                        f"{target_col!r}; got {type(df).__name__}")
    for col, what, flag in ((id_col, "the series ids", "id"), (time_col, "the times", "time"),
                            (target_col, "the values", "value")):
        if col not in df.columns:
            raise DataError(f"{where}: no column {col!r} for {what}; columns are {reprlib.repr(list(df.columns))}"
                            f"; name it with --{flag}-col ({flag if flag != 'value' else 'target'}_col= in the API)")
    if len({id_col, time_col, target_col}) < 3:
        raise DataError(f"{where}: the id, time and value columns must differ; got {id_col!r}, {time_col!r}, "
                        f"{target_col!r}")
    if len(df) == 0:
        raise DataError(f"{where}: no data rows")
    if fill is not None and fill not in FILLS:
        raise DataError(f"{where}: unknown fill {fill!r}; use one of {FILLS}")
    if freq is None:
        return None
    try:
        return to_offset(freq)
    except ValueError:
        raise DataError(f"{where}: {freq!r} is not a pandas frequency (e.g. D, W, MS, QS, YS)") from None


def _sort_rows(sid, ids, t, where, id_col, time_col, row, years):
    """One stable sort by (id, time): (order, sorted series codes, sorted time codes, sorted unique times);
    a duplicate (id, time) is an error naming both rows."""
    tcode, tuniq = pd.factorize(t, sort=True)                       # tuniq sorted, so tcode orders time
    key = sid * np.int64(len(tuniq)) + tcode                        # (n,) in [0, N * T)
    order = _sort_order(key, len(ids) * len(tuniq))
    key, sid, tcode = key[order], sid[order], tcode[order]
    dup = np.flatnonzero(key[1:] == key[:-1])
    if dup.size:
        a, b = order[dup[0]], order[dup[0] + 1]
        if len(ids) == 1:
            raise DataError(f"{where}: duplicate time {fmt_time(tuniq[tcode[dup[0]]], years)} in column "
                            f"{time_col!r} at {row(a)} and {row(b)}; keep one row per time (if the file holds "
                            "several series, name their id column with --id-col)")
        raise DataError(f"{where}: duplicate ({id_col}, {time_col}) = ({ids[sid[dup[0]]]!r}, "
                        f"{fmt_time(tuniq[tcode[dup[0]]], years)}) at {row(a)} and {row(b)}; keep one row per "
                        "series and time")
    return order, sid, tcode, tuniq


def _runs(sid):
    """(first sorted row of each series (N,), its number of rows (N,)) of sorted series codes."""
    first = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]])
    return first, np.diff(np.r_[first, len(sid)])


def _infer_offset(tuniq, tcode, first, counts, y, order, sid, ids, where):
    """The panel's frequency, inferred from its times; if they have none, from the rows with a value (empty
    rows off the step, as a stock file's extra days), raising the first error when that fails too."""
    try:
        return to_offset(_infer_freq(tuniq[tcode], first, counts, where, ids))
    except DataError as first_error:
        have = ~np.isnan(y[order])          # empty rows off the step (a stock file's extra days)?
        if not have.any() or have.all():
            raise
        hs = sid[have]
        hfirst = np.flatnonzero(np.r_[True, hs[1:] != hs[:-1]])
        try:
            return to_offset(_infer_freq(tuniq[tcode][have], hfirst, np.diff(np.r_[hfirst, len(hs)]),
                                         where, ids[hs[hfirst]]))
        except DataError as second:         # its hint, if it has one (the empty rows hid the pattern)
            raise (second if "(the longest" in str(second) else first_error) from None


def _on_grid(tuniq, tcode, offset, y, order, sid, ids, freq, where, row, years):
    """(origin, grid position of each unique time, order, sid, tcode): rows off the grid are dropped when
    none of them has a value (and no series is left empty); otherwise the first is an error."""
    freqstr = offset.freqstr
    origin, upos, on = grid_positions(tuniq, offset)
    off = np.flatnonzero(~on[tcode])
    if off.size and np.isnan(y[order[off]]).all():   # only rows without a value are off the grid: drop them
        keep = np.ones(len(order), bool)
        keep[off] = False
        if np.unique(sid[keep]).size == len(ids):
            order, sid, tcode = order[keep], sid[keep], tcode[keep]
            off = off[:0]
    if off.size:
        j = off[0]
        if freq is not None and len(ids) == 1:
            raise DataError(f"{where}: series {ids[sid[j]]!r}, {row(order[j])}: "
                            f"{fmt_time(tuniq[tcode[j]], years)} is not on the grid of the frequency given "
                            f"({freqstr!r}, from {fmt_time(origin, years)}); give the data's own frequency with "
                            "--freq, or leave it out to infer it")
        raise DataError(f"{where}: mixed frequencies: series {ids[sid[j]]!r}, {row(order[j])}: "
                        f"{fmt_time(tuniq[tcode[j]], years)} is not on the {freqstr!r} grid; give every series "
                        "the same frequency, or set it with --freq")
    return origin, upos, order, sid, tcode


def _statuses(flat, seg, seg_start, length, counts, line_at, fill):
    """Each series' problems on the flat grid buffer: (values, filled if `fill`; status (N,); missing values,
    gaps and infinite values per series; leading values to drop, which fill cannot reach)."""
    total = len(flat)

    def per(mask):
        return np.add.reduceat(mask.astype(np.int64), seg_start)

    isnan = np.isnan(flat)
    n_missing, n_gaps, n_inf = per(isnan & (line_at >= 0)), length - counts, per(np.isinf(flat))
    if fill is not None:
        flat = _fill(flat, seg, seg_start, fill)
        isnan = np.isnan(flat)
    n_finite = per(np.isfinite(flat))
    first_value = np.minimum.reduceat(np.where(isnan, total, np.arange(total)), seg_start)
    lead = np.minimum(first_value, seg_start + length) - seg_start  # (N,) leading NaNs
    fin = np.isfinite(flat)
    hi = np.maximum.reduceat(np.where(fin, flat, -np.inf), seg_start)
    lo = np.minimum.reduceat(np.where(fin, flat, np.inf), seg_start)
    filled = fill is not None
    status = np.full(len(seg_start), STATUS_OK, dtype=object)
    status[(n_finite >= 2) & (hi == lo)] = "constant"
    status[off_scale(flat, seg_start, length, hi, lo)] = "magnitude"
    if not filled:
        status[n_gaps > 0] = "gaps"
        status[n_missing > 0] = "missing"
    status[n_inf > 0] = "infinite"
    status[n_finite == 0] = "empty"
    drop = np.where(filled & (n_finite > 0), lead, 0)               # leading NaNs fill cannot reach
    return flat, status, n_missing, n_gaps, n_inf, drop


def _reason(k, status, v, lines, counts, drop, filled, spos, origin, offset, row, years=0) -> str:
    """The human text for series k: every problem found, the status's first; lines named."""
    n_missing, n_gaps, n_inf = (int(c) for c in counts)

    def at(j):
        return fmt_time(grid_times(origin, np.array([spos + j]), offset)[0], years)

    parts = []
    if status == "empty":
        present = lines[lines >= 0]
        parts.append(f"no finite value in {_plural(len(v), 'point')} (first at {row(present[0])})")
    if n_inf:
        j = int(np.flatnonzero(np.isinf(v))[0])
        parts.append(f"{_plural(n_inf, 'infinite value')}, first at {at(j)} ({row(lines[j])}): {v[j]}")
    if not filled and n_missing:
        j = int(np.flatnonzero(np.isnan(v) & (lines >= 0))[0])
        parts.append(f"{_plural(n_missing, 'missing value')}, first at {at(j)} ({row(lines[j])})")
    if not filled and n_gaps:
        j = int(np.flatnonzero(lines < 0)[0])
        parts.append(f"{_plural(n_gaps, 'missing timestamp')} (gaps), first at {at(j)} "
                     f"(after {row(lines[j - 1])})")
    if status == "constant":
        j = int(np.flatnonzero(np.isfinite(v))[0])
        parts.append(f"constant: all {int(np.isfinite(v).sum())} values are {v[j]:g} "
                     f"(from {row(lines[0])})")
    t = typical_size(v)
    if too_far(t):
        a = np.where(np.isfinite(v) & (v != 0), np.abs(v), np.nan)       # the most extreme value, named
        j, which = (int(np.nanargmax(a)), "largest") if t > 1 else (int(np.nanargmin(a)), "smallest nonzero")
        where_j = row(lines[j]) if lines[j] >= 0 else "a filled value"
        parts.append(f"values of typical size {t:.3g} (median magnitude; the {which}: {v[j]:.6g} at {at(j)}, "
                     f"{where_j}): the models fit typical sizes between 1e-150 and 1e150")
    if drop:
        parts.append(f"dropped {_plural(int(drop), 'leading missing value')} that fill cannot reach")
    if status == "empty":
        parts = parts[:1] + [p for p in parts[1:] if not p.startswith("dropped")]
    return "; ".join(parts)
