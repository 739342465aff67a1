"""Conformal calibration of a fit's bands from the rolling-origin validation folds it already runs.

    cal = calibrate(diffs, step_mse, weights, stat_errors)   # {series: {"lstm": e (n, H), "combo": e (n, H)}}
    text = describe(info, levels)                             # how the bands of a forecast were made

Where a series' differencing was chosen by validation (local scope, diff="auto", up to VALIDATE_UP_TO
series: select.py), its chosen LSTM forecast h-step-ahead from `width` origins in each of the folds,
trained only on the values before them: out-of-sample errors, kept signed (forecast - actual). The
LSTM's band is split conformal on them per horizon step with the (n + 1) correction; a level that n
errors cannot support is widened to the largest error and reported.

A combination's band (COMBO_BANDS): "members", the default, is the weighted mean of its members' bands
bound by bound, with the weights of its point forecast (quantile averaging, Lichtendahl, Grushka-Cockayne
& Winkler 2013): the LSTM's conformal band above, the pretrained LSTM's quantile head, AutoETS's and
AutoARIMA's model-based intervals. "own-errors" is split conformal on the combination's own fold errors
(the statistical members forecast from the same origins, combine.py `fold_errors`; the combination's
error at each origin is the weighted mean of its members' signed errors, models/conformal.py
`combined_errors`). Chosen on the design half of the benchmark corpus (benchmarks/README.md): "members"
had coverage 0.783 / 0.936 at 80 / 95%, scaled quantile loss 0.333, MSIS 6.81 / 12.35, against 0.805 /
0.893, 0.347, 7.33 / 13.09 for "own-errors" (whose 12 fold errors of a quarterly or yearly series
cannot support 95%, and which in a backtest come from before its first cut-off); blends of the two
(0.1-0.5 of "own-errors"), pooling the horizon steps and scaling the averaged band by 0.9-1.2 were not
better.

Where no validation ran (global scope, big panels, fixed differencing, covariates, series too short for
a fold) the LSTM's bands come from in-sample errors (predicting.py `lstm_errors`; optimistic: the model
saw those values) and a combination averages its members' bounds; both are said in `describe`.
"""
from __future__ import annotations

import numpy as np

from ..models.conformal import combined_errors, max_level
from .select import fold_cut, fold_width

COMBO_BANDS = "members"   # or "own-errors": how a combination's band is made (module docstring)
RELATIVE = True      # errors relative to the series' level at each origin (positive series), rescaled by
                     # the level at the forecast origin: for series whose errors grow with their level

METHODS = {
    "members": ("the members' bands averaged with the forecast's weights (the LSTM's split conformal on its "
                "rolling-origin validation errors; AutoETS's and AutoARIMA's model-based intervals and the "
                "pretrained LSTM's quantile head where they are members)"),
    "folds": "split conformal on the combined forecast's own rolling-origin validation errors",
    "folds-lstm": "split conformal on the LSTM's rolling-origin validation errors",
    "in-sample": "split conformal on the LSTM's in-sample errors (optimistic: no validation folds ran)",
    "averaged": "the members' bounds averaged (no validation folds for the combination's own errors)",
    "fallback": "split conformal on the baseline's past errors",
}


def calibrate(diffs: dict, step_mse: dict, weights: dict, stat_errors: dict, values=None, h: int = 0,
              m: int = 1) -> dict:
    """{series: {"lstm": signed errors (n, H), "combo": signed errors (n, H)}} of the series whose differencing was
    validated; "combo" where statistical members take part and every member with weight has fold errors.
    step_mse: select.py's per series (its "errors": the chosen LSTM's signed fold errors); weights: the
    combination's {member: [w per step]}; stat_errors: {series: {member: signed fold errors or None}}."""
    out = {}
    for i in diffs:
        e = (step_mse.get(i) or {}).get("errors")
        if e is None or not np.isfinite(e[:, 0]).any():
            continue
        cal = {"lstm": np.asarray(e, np.float64)}
        w = weights.get(i) or {}
        used = [n for n in ("lstm", *stat_errors.get(i, {})) if not w or np.max(w.get(n, 0.0)) > 0]
        signed = {"lstm": e, **{n: v for n, v in stat_errors.get(i, {}).items() if v is not None}}
        if len(used) > 1 and all(n in signed and signed[n].shape == e.shape for n in used):
            combo = combined_errors({n: signed[n] for n in used}, w)
            if np.isfinite(combo[:, 0]).any():
                cal["combo"] = combo
        out[int(i)] = _relative(cal, values[i], h, m) if RELATIVE and values is not None else cal
    return out


def _relative(cal: dict, y, h: int, m: int) -> dict:
    """cal's errors divided by the mean |value| of the `w` values up to each fold origin (w = one fold's
    width: a season, at least 4), with "level": [w]; unchanged for a series with a value <= 0."""
    y = np.asarray(y, np.float64)
    if not np.all(y > 0):
        return cal
    w = fold_width(m)
    n_rows = cal["lstm"].shape[0]
    k, b = np.divmod(np.arange(n_rows), w)
    o = np.array([fold_cut(len(y), h, w, kk) - 1 for kk in k]) + b
    csum = np.r_[0.0, np.cumsum(y)]
    lo = np.maximum(o - w + 1, 0)
    level = (csum[o + 1] - csum[lo]) / (o + 1 - lo)
    out = {k2: v / level[:, None] for k2, v in cal.items()}
    out["level"] = np.array([float(w)])
    return out


def at_origin(cal: dict | None, y) -> dict | None:
    """The errors for a forecast from the end of y: relative ones ("level") times the mean |value| of y's
    last w values; absolute ones as they are."""
    if cal is None or "level" not in cal:
        return cal
    w = int(cal["level"][0])
    scale = float(np.mean(np.abs(np.asarray(y, np.float64)[-w:])))
    return {k: v * scale for k, v in cal.items() if k != "level"}


def count(err) -> int:
    """How many errors a band's first step rests on (later steps may have fewer: actuals past the end)."""
    return int(np.isfinite(np.asarray(err)[:, 0]).sum())


def describe(info: dict, levels) -> str:
    """One paragraph: how the bands were made (per method, how many series), from how many errors, which
    levels the errors cannot support, and steps past the calibrated ones. info: predicting.py's
    {"methods": {method: n series}, "errors": [n per series], "short": {level: n series}, "past": H or None}."""
    if not levels or not info.get("methods"):
        return ""
    parts = [f"{METHODS[k]} ({v} series)" for k, v in info["methods"].items()]
    text = "intervals: " + "; ".join(parts)
    n = info.get("errors") or []
    if n:
        lo, mid = min(n), int(np.median(n))
        text += f"; the conformal bands rest on {mid} errors per step{f' (fewest {lo})' if lo != mid else ''}"
    for lv, k in sorted(info.get("short", {}).items()):
        text += (f"; {k} series have too few errors for {lv}% (n errors support at most n/(n+1), "
                 f"{max_level(min(n)) if n else 0:.1f}% for {min(n) if n else 0}): their conformal {lv}% band spans "
                 "the largest error, and may hold less than it says")
    if info.get("relative"):
        text += (f"; the errors of {info['relative']} positive series are relative to their level at each origin (the "
                 "mean of the last season), rescaled to the level at the forecast origin")
    if info.get("past"):
        text += (f"; steps past {info['past']} take step {info['past']}'s width (no validation errors that far "
                 "ahead)")
    return text
