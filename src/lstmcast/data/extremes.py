"""Values many orders of magnitude off their neighbours (a typo: 350 typed as 350000 or 1e308), and the sane
envelope of a forecast.

    pos, scale = outliers(values)          # positions of suspect values, and the typical scale there
    lo, hi = envelope(values)              # a forecast outside [lo, hi] is absurd: refuse it

The typical scale at a point is max(|median|, 1.4826 x MAD) of its `K` neighbours on each side (itself left
out), so a trend or a level shift is no outlier; where the neighbours are all zero (intermittent data), the
median of the series' nonzero magnitudes. A value whose distance from the neighbours' median is over
`RATIO` times that scale is flagged: a note, an error under --strict.
"""
from __future__ import annotations

import numpy as np

from ..errors import DataError

RATIO = 100.0            # two orders of magnitude: a 1e3 typo is 999 times the scale, a 1e300 one far more
K = 6                    # neighbours on each side
SPAN = 10.0              # a forecast may leave the data's range by 10 times its width, no more


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
    keep = np.isfinite(v)
    keep[outliers(v)[0]] = False
    if not keep.any():
        return -np.inf, np.inf
    lo, hi = float(v[keep].min()), float(v[keep].max())
    width = max(hi - lo, 0.1 * max(abs(lo), abs(hi)), 1e-12)
    return lo - SPAN * width, hi + SPAN * width


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
    """A one-line DataError when a forecast value lies outside its series' envelope (nothing is written)."""
    idc, tc = panel.id_col, panel.time_col
    pos = {i: k for k, i in enumerate(panel.ids)}
    for key, part in frame.groupby(idc, sort=False):
        k = pos.get(key)
        if k is None:
            continue
        lo, hi = envelope(panel.values[k])
        y = part[value_col].to_numpy(np.float64)
        out = np.flatnonzero((y < lo) | (y > hi))
        if out.size:
            j = int(out[0])
            note = ""
            p, s = outliers(panel.values[k])
            if p.size:
                note = f"; its data holds {panel.values[k][p[0]]:.6g}, {abs(panel.values[k][p[0]]) / s[0]:.0e} times " \
                       f"the typical scale of its neighbours ({s[0]:.4g}): fix that value and refit"
            when = str(part[tc].iloc[j])
            when = when[:-9] if when.endswith(" 00:00:00") else when
            raise DataError(f"forecast of series {key!r} at {when}: {y[j]:.6g} is outside the sane "
                            f"envelope of its data ({lo:.4g} .. {hi:.4g}); nothing was written{note}")
    return frame
