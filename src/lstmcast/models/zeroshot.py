"""Frames of the pretrained LSTM's zero-shot forecasts (no training step): a panel in, the usual frames out.

    frame = zeroshot_frame(panel, m, h, levels)         # unique_id, ds, mean, lo-L, hi-L, ..., model
    cv = zeroshot_cv(panel, m, h, n_windows, step)      # unique_id, ds, cutoff, y, pretrained

`mean` is the network's median (its point forecast); intervals come from its quantile head
(models/pretrained.py). A series with no finite value gets no row (as with the fitted models).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .baselines import finite_history
from ..data.panel_core import future_times
from .pretrained import forecast_arrays

NAME = "pretrained"


def zeroshot_frame(panel, m: int, h: int, levels=(), values: dict | None = None) -> pd.DataFrame:
    """The h periods after each series' end (values: {position: array} continuing the panel's, optional)."""
    N = len(panel)
    vals = [np.asarray(values[i] if values else panel.values[i], np.float64) for i in range(N)]
    keep = np.array([len(finite_history(v)) > 0 for v in vals])
    idx = np.flatnonzero(keep)
    point, bounds = forecast_arrays([vals[i] for i in idx], m, h, levels) if len(idx) else (np.zeros((0, h)), {})
    lengths = np.array([len(v) for v in vals])
    times = future_times(panel, lengths, h)
    rows = np.repeat(keep, h)
    out = {panel.id_col: np.repeat(np.asarray(panel.ids, dtype=object), h)[rows], panel.time_col: times[rows],
           "mean": point.ravel()}
    for lv in levels:
        lo, hi = bounds[lv] if len(idx) else (np.zeros((0, h)),) * 2
        out[f"lo-{_fmt(lv)}"], out[f"hi-{_fmt(lv)}"] = lo.ravel(), hi.ravel()
    out["model"] = NAME
    return pd.DataFrame(out)


def _fmt(level) -> str:
    f = float(level)
    return str(int(f)) if f.is_integer() else str(f)


def zeroshot_cv(panel, m: int, h: int, n_windows: int, step: int | None = None, levels=()) -> pd.DataFrame:
    """Rolling-origin zero-shot forecasts: each series' last n_windows cut-offs, step apart (default h),
    the last h before its end; one batched call per window. Columns: id, ds, cutoff, y, pretrained (+ bounds)."""
    step = step or h
    frames = []
    for w in range(n_windows):
        back = h + (n_windows - 1 - w) * step
        ok = [i for i in range(len(panel)) if len(panel.values[i]) - back >= 1]
        if not ok:
            continue
        cut = [np.asarray(panel.values[i], np.float64)[:len(panel.values[i]) - back] for i in ok]
        sub = panel.subset(np.asarray(ok))
        f = zeroshot_frame(sub, m, h, levels, values=dict(enumerate(cut)))
        ends = {sub.ids[j]: sub.index(j)[len(cut[j]) - 1] for j in range(len(ok))}
        f.insert(2, "cutoff", f[panel.id_col].map(ends))
        truth = {(sub.ids[j], t): v for j in range(len(ok)) for t, v in zip(sub.index(j), sub.values[j])}
        f.insert(3, "y", [truth.get(k, np.nan) for k in zip(f[panel.id_col], f[panel.time_col])])
        frames.append(f.rename(columns={"mean": NAME}).drop(columns="model"))
    return pd.concat(frames, ignore_index=True)
