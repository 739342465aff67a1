"""Values many orders of magnitude off their neighbours (a typo: 350 typed as 350000 or 1e308), and the sane
envelope of a forecast.

    pos, scale = outliers(values)          # positions of suspect values, and the typical scale there
    lo, hi = envelope(values)              # a forecast outside [lo, hi] is absurd: refuse it

The typical scale at a point is max(|median|, 1.4826 x MAD) of its `K` neighbours on each side (itself left
out), so a trend or a level shift is no outlier; where the neighbours are all zero (intermittent data), the
median of the series' nonzero magnitudes. A value whose distance from the neighbours' median is over
`RATIO` times that scale is flagged: a note, an error under --strict.

    off = off_scale(flat, seg_start, length, hi, lo)   # series whose typical size is beyond 1e+-150

A whole series of such sizes is another matter: the models' squared errors leave float64 there, so the
series falls back (status "magnitude"; one line and exit 2 for a single series).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError

RATIO = 100.0            # two orders of magnitude: a 1e3 typo is 999 times the scale, a 1e300 one far more
K = 6                    # neighbours on each side
SPAN = 10.0              # a forecast may leave the data's range by 10 times its width, no more
# The typical sizes the models fit: squared errors (validation, weights) of values beyond about 1e154 leave
# float64, and below about 1e-154 they underflow; at 1e160 the LSTM chose its differencing on infinite errors.
MAGNITUDE = 1e150


def outliers(v: np.ndarray, ratio: float = RATIO, k: int = K) -> tuple[np.ndarray, np.ndarray]:
    """(positions (m,), typical scales (m,)) of the finite values of `v` that sit over `ratio` typical
    scales away from the median of their neighbours."""
    v = np.asarray(v, np.float64)
    fin = np.flatnonzero(np.isfinite(v))
    if fin.size < 4:
        return np.zeros(0, np.int64), np.zeros(0)
    x = v[fin]
    w = min(k, (x.size - 1) // 2)
    pad = np.pad(x, w, mode="reflect")
    win = np.lib.stride_tricks.sliding_window_view(pad, 2 * w + 1)          # (n, 2w+1), the point in the middle
    nb = np.delete(win, w, axis=1)                                          # its neighbours only
    with np.errstate(over="ignore", invalid="ignore"):
        med = np.median(nb, axis=1)
        mad = 1.4826 * np.median(np.abs(nb - med[:, None]), axis=1)
        scale = np.maximum(np.abs(med), mad)
        nz = np.abs(x[x != 0])
        scale = np.where(scale > 0, scale, np.median(nz) if nz.size else 0.0)
        far = np.abs(x - med) > ratio * scale
    bad = np.flatnonzero(far & (scale > 0) & np.isfinite(far))
    return fin[bad], scale[bad]


def _outliers_rows(X: np.ndarray, ratio: float = RATIO, k: int = K) -> list:
    """`outliers` of each row of X (S, n), every value finite and n >= 4, in one batched computation (the
    same arithmetic along the last axis): [(positions, scales)] per row."""
    n = X.shape[1]
    w = min(k, (n - 1) // 2)
    pad = np.pad(X, ((0, 0), (w, w)), mode="reflect")
    win = np.lib.stride_tricks.sliding_window_view(pad, 2 * w + 1, axis=1)   # (S, n, 2w+1)
    nb = np.delete(win, w, axis=2)
    with np.errstate(over="ignore", invalid="ignore"):
        med = np.median(nb, axis=2)
        mad = 1.4826 * np.median(np.abs(nb - med[..., None]), axis=2)
        scale = np.maximum(np.abs(med), mad)
        mags = np.sort(np.where(X != 0, np.abs(X), np.inf), axis=1)          # nonzero magnitudes first
        cnt = (X != 0).sum(axis=1)
        lo, hi = np.maximum((cnt - 1) // 2, 0), np.maximum(cnt // 2, 0)
        rows = np.arange(len(X))
        nzmed = np.where(cnt > 0, (mags[rows, lo] + mags[rows, hi]) / 2, 0.0)
        scale = np.where(scale > 0, scale, nzmed[:, None])
        far = np.abs(X - med) > ratio * scale
    bad = far & (scale > 0) & np.isfinite(far)
    return [(np.flatnonzero(b), sc[b]) for b, sc in zip(bad, scale)]


def _may_have_outliers(X: np.ndarray, ratio: float = RATIO, k: int = K) -> np.ndarray:
    """(S,) bool: rows of X (S, n) that may hold an outlier; the others certainly hold none (a cheap screen).

    A flagged x is over ratio x scale from its neighbours' median `med`, where scale >= |med| and
    scale >= 1.4826 MAD. At least half of its 2w neighbours lie within MAD of `med`; for each of those,
    |nb| < 1.675 scale and |x - nb| > (ratio - 0.675) scale > (ratio - 0.675) / 1.675 |nb|. So a flagged x
    differs from at least w neighbours by over that many times their magnitude (a zero neighbour: by
    anything); rows with no such point are skipped, with a margin of 10% for rounding."""
    n = X.shape[1]
    w = min(k, (n - 1) // 2)
    c = 0.9 * (ratio - 0.675) / 1.675
    pad = np.pad(X, ((0, 0), (w, w)), mode="reflect")
    count = np.zeros(X.shape, np.int16)
    with np.errstate(over="ignore", invalid="ignore"):
        for d in range(-w, w + 1):
            if d:
                nb = pad[:, w + d:w + d + n]
                count += np.abs(X - nb) > c * np.abs(nb)
    return (count >= w).any(axis=1)


def outliers_many(values, ratio: float = RATIO, k: int = K) -> list:
    """`outliers` of every series: those of one length with every value finite in one batch (after a cheap
    screen that clears most rows), the rest alone."""
    out: list = [None] * len(values)
    groups: dict = {}
    for i, v in enumerate(values):
        v = np.asarray(v, np.float64)
        if v.size >= 4 and np.isfinite(v).all():
            groups.setdefault(v.size, []).append(i)
        else:
            out[i] = outliers(v, ratio, k)
    none = (np.zeros(0, np.int64), np.zeros(0))
    for idx in groups.values():
        X = np.stack([np.asarray(values[i], np.float64) for i in idx])
        maybe = _may_have_outliers(X, ratio, k)
        for i in idx:
            out[i] = none
        sub = np.flatnonzero(maybe)
        if sub.size:
            for j, res in zip(sub, _outliers_rows(X[sub], ratio, k)):
                out[idx[j]] = res
    return out


def envelope(v: np.ndarray) -> tuple[float, float]:
    """[lo, hi]: the range of the finite values of `v` that are no outliers, widened by SPAN times its width
    (or its level's magnitude, for a flat series) on each side."""
    v = np.asarray(v, np.float64)
    return _widen(v, outliers(v)[0])


def _widen(v: np.ndarray, bad: np.ndarray) -> tuple[float, float]:
    keep = np.isfinite(v)
    keep[bad] = False
    if not keep.any():
        return -np.inf, np.inf
    lo, hi = _spread(np.array([v[keep].min()]), np.array([v[keep].max()]))
    return float(lo[0]), float(hi[0])


def _spread(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranges [a, b] widened by SPAN times their width (or a tenth of their magnitude, for a flat series)."""
    width = np.maximum.reduce([b - a, 0.1 * np.maximum(np.abs(a), np.abs(b)), np.full(len(a), 1e-12)])
    return a - SPAN * width, b + SPAN * width


def envelopes(values) -> tuple[np.ndarray, np.ndarray]:
    """`envelope` of every series, (lo (S,), hi (S,)): the outliers found in batches (`outliers_many`), the
    ranges of the many series without any in one pass over a padded array."""
    S = len(values)
    lo, hi = np.full(S, -np.inf), np.full(S, np.inf)
    if not S:
        return lo, hi
    found = outliers_many(values)
    lengths = np.array([len(v) for v in values])
    clean = np.flatnonzero(np.array([len(p) == 0 for p, _ in found]) & (lengths > 0))
    if clean.size:
        X = np.full((clean.size, int(lengths[clean].max())), np.nan)
        for r, i in enumerate(clean):
            X[r, :lengths[i]] = np.asarray(values[i], np.float64)
        X[~np.isfinite(X)] = np.nan                                        # +-inf is no value of the range
        with np.errstate(invalid="ignore"):
            a, b = np.fmin.reduce(X, axis=1), np.fmax.reduce(X, axis=1)      # NaN only where no value is finite
        ok = np.isfinite(a) & np.isfinite(b)
        lo[clean[ok]], hi[clean[ok]] = _spread(a[ok], b[ok])
    for i in np.flatnonzero(np.array([len(p) > 0 for p, _ in found])):
        lo[i], hi[i] = _widen(np.asarray(values[i], np.float64), found[i][0])
    return lo, hi


def flag(ids, values, lines, where: str, target_col: str, strict: bool) -> list[str]:
    """Notes on the outliers of each series (`lines[k][j]`: the file's line or row of value j of series k), or,
    under `strict`, a one-line DataError for the first."""
    notes = []
    for k, (v, (pos, scale)) in enumerate(zip(values, outliers_many(values))):
        v = np.asarray(v, np.float64)
        for j, s in zip(pos, scale):
            with np.errstate(over="ignore"):          # 1e308 over a tiny scale: the ratio prints as inf
                ratio = abs(v[j]) / s
            msg = (f"series {ids[k]!r}, column {target_col!r}, {lines[k](int(j))}: {v[j]:.6g} is {ratio:.0e} "
                   f"times the typical scale of its neighbours ({s:.4g}): a typo?")
            if strict:
                raise DataError(f"{where}: {msg} fix the value, or turn strict off to forecast with it")
            notes.append(f"{where}: {msg}")
    return notes


def check_forecast(frame, panel, value_col: str = "mean"):
    """A one-line DataError when a forecast value lies outside its series' envelope (nothing is written): the
    first such value of the first such series (in the frame's order of series)."""
    idc, tc = panel.id_col, panel.time_col
    pos = {i: k for k, i in enumerate(panel.ids)}
    codes, keys = pd.factorize(frame[idc], sort=False)              # series in order of first appearance
    k = np.array([pos.get(key, -1) for key in keys], np.int64)[codes] if len(keys) else np.zeros(0, np.int64)
    lo, hi = envelopes(panel.values)
    y = frame[value_col].to_numpy(np.float64)
    known = k >= 0
    out = np.zeros(len(y), bool)
    out[known] = (y[known] < lo[k[known]]) | (y[known] > hi[k[known]])
    if not out.any():
        return frame
    rows = np.flatnonzero(out)
    first = rows[np.lexsort((rows, codes[rows]))[0]]
    key, kk, val = keys[codes[first]], int(k[first]), y[first]
    note = ""
    p, s = outliers(panel.values[kk])
    if p.size:
        note = f"; its data holds {panel.values[kk][p[0]]:.6g}, {abs(panel.values[kk][p[0]]) / s[0]:.0e} times " \
               f"the typical scale of its neighbours ({s[0]:.4g}): fix that value and refit"
    when = str(frame[tc].iloc[first])
    when = when[:-9] if when.endswith(" 00:00:00") else when
    raise DataError(f"forecast of series {key!r} at {when}: {val:.6g} is outside the sane "
                    f"envelope of its data ({lo[kk]:.4g} .. {hi[kk]:.4g}); nothing was written{note}")


def typical_size(v) -> float:
    """The median magnitude of v's finite nonzero values (0.0 without any): a typo (one value times 1e300)
    does not move it; data/extremes.py notes such values instead."""
    a = np.abs(np.asarray(v, np.float64))
    a = a[np.isfinite(a) & (a > 0)]
    return float(np.median(a)) if a.size else 0.0


def too_far(size: float) -> bool:
    """A typical size beyond MAGNITUDE or (nonzero) below 1 / MAGNITUDE."""
    return size > MAGNITUDE or 0 < size < 1 / MAGNITUDE


def off_scale(flat, seg_start, length, hi, lo) -> np.ndarray:
    """(N,) bool: series whose typical size (`typical_size`) lies beyond MAGNITUDE or below 1 / MAGNITUDE.
    Only series with a value out there can be (a cheap screen on the extremes, then the median)."""
    fin = np.isfinite(flat) & (flat != 0)
    small = np.minimum.reduceat(np.where(fin, np.abs(flat), np.inf), seg_start)
    big = np.maximum(np.abs(np.where(np.isfinite(hi), hi, 0.0)), np.abs(np.where(np.isfinite(lo), lo, 0.0)))
    out = np.zeros(len(seg_start), bool)
    for k in np.flatnonzero((big > MAGNITUDE) | (small < 1 / MAGNITUDE)):
        out[k] = too_far(typical_size(flat[seg_start[k]:seg_start[k] + length[k]]))
    return out
