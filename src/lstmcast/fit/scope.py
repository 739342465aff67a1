"""scope="auto": local or global, chosen by validation inside the training data.

    scope, scores, holdout = choose_scope(settings, panel, idx, m, say, fit_panel=fit_panel)
    # scope: "global", scores: {"local": 0.93, "global": 0.88}, ...

Each trainable series loses its last `h` values (h = the direct horizon, one season); both scopes are
fitted on what is left, forecast those h values, and the scope with the lower mean MASE over the series
wins (each series scaled by its own in-sample seasonal-naive MAE). Ties go to global (one model).
`holdout` = {series: (the winner's forecast of the last h values, h)}: the combination's weights use it.
"""
from __future__ import annotations

import numpy as np

from .predicting import forecast_frame
from .select import holdout_mase
from .settings import Settings


def choose_scope(settings: Settings, panel, idx, m: int, say, cov=None, fit_panel=None):
    """cov: the panel's built-in Covariates (calendar, holidays), or None; both trials use them. fit_panel:
    the fitting function (fitting.py's, which calls this one: passed in rather than imported, no cycle)."""
    h = settings.spec("local", m).recipe.h
    sub = panel.subset(idx)
    keep = np.flatnonzero(sub.lengths > h)
    sub = sub.subset(keep)
    tcov = cov.subset(np.asarray(idx)[keep]) if cov is not None else None
    train = sub.truncate(sub.lengths - h - 1)
    scores: dict[str, float] = {}
    preds: dict[str, dict[int, np.ndarray]] = {}
    for scope in ("local", "global"):
        trial = settings.replace(model="lstm",     # the LSTM alone decides its scope; no calendar validation
                                 calendar=settings.calendar is True)
        say(f"scope selection: fitting {scope} scope on {len(train)} series without their last {h} values ...")
        try:
            fitted = fit_panel(trial, train.subset(np.arange(len(train))), scope=scope,
                               progress=lambda *a, **k: None, cov=tcov)
        except Exception as e:  # a scope that cannot fit loses (the error shows if it is chosen anyway)
            say(f"scope selection: {scope} scope failed ({str(e).splitlines()[0]})")
            scores[scope] = float("inf")
            continue
        fcst = forecast_frame(fitted, h, None, [], False)
        errs, preds[scope] = [], {}
        for i in range(len(sub)):
            rows = fcst[fcst[sub.id_col] == sub.ids[i]] if sub.id_col in fcst.columns else None
            pred = rows["mean"].to_numpy() if rows is not None and len(rows) == h else None
            if pred is None:
                continue
            y = np.asarray(sub.values[i], np.float64)
            errs.append(holdout_mase(y[-h:], pred, y[:-h], m))
            preds[scope][int(idx[keep[i]])] = pred
        mase = np.asarray(errs)
        scores[scope] = float(np.mean(mase[np.isfinite(mase)])) if np.isfinite(mase).any() else float("inf")
    choice = "global" if scores["global"] <= scores["local"] else "local"
    say(f"scope: {choice} (mean MASE on each series' last {h} training values: local {scores['local']:.3f}, "
        f"global {scores['global']:.3f})")
    return choice, scores, {i: (p, h) for i, p in preds.get(choice, {}).items()}
