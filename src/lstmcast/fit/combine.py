"""The default forecast: the LSTM combined with statistical members, weighted by validation errors.

    w = step_weights({"lstm": mse_lstm, "ets": mse_ets})   # {member: [w per step]}, inverse validation MSE
    out = combine([lstm_part, ets_part], levels, w)        # the members' weighted mean, bound by bound

Why: on the benchmark corpus (benchmarks/README.md) the pure LSTM is about as accurate as AutoETS and
AutoARIMA, and their errors differ, so their weighted mean is better than any of them: the M4 lesson that
combinations are hard to beat. Weights are inverse validation MSE inside the training data (fitting.py).
Intervals average the members' bounds (quantile averaging, Lichtendahl, Grushka-Cockayne & Winkler 2013).
The members themselves are models/statmembers.py.
"""
from __future__ import annotations

import numpy as np

from ..models.statmembers import MIN_STAT_LENGTH, make_member, quiet
from .select import fold_cut, snaive_scale


def fold_mse(y, h: int, m: int, name: str, folds: int, width: int, fitted=None, X=None) -> np.ndarray:
    """A statistical member's mean squared error at each of the h steps (h,) on the rolling folds that
    choose the LSTM's differencing (select.py `fold_cut`), parameters frozen: from `fold_errors`."""
    return errors_mse(fold_errors(y, h, m, name, folds, width, fitted, X=X), h)


def errors_mse(err, h: int) -> np.ndarray:
    """(h,) mean squared signed fold errors over the origins of the folds that ran; NaN without any."""
    if err is None:
        return np.full(h, np.nan)
    ran = ~np.isnan(err).all(axis=1)                 # the rows of folds that ran
    with np.errstate(over="ignore"):
        return np.mean(err[ran, :h] ** 2, axis=0) if ran.any() else np.full(h, np.nan)


def fold_errors(y, h: int, m: int, name: str, folds: int, width: int, fitted=None, horizon: int | None = None,
                X=None):
    """A statistical member's signed errors (forecast - actual) (folds * width, horizon) from the `width`
    origins of each of the rolling folds that choose the LSTM's differencing (select.py `fold_cut`, the
    same rows as its "errors"), parameters frozen; NaN rows for a fold too short to fit, NaN where the
    actual lies past the series' end; None when the member cannot be validated. Each fold fits the member
    afresh on the values before it; a `fitted` member with a `refit` (AutoARIMA) keeps the orders chosen
    on all of y there and estimates only the coefficients (one fit a fold instead of a search). X: the
    regressors of an AutoARIMA that takes them (rows from y's start on; models/arima_state.py)."""
    kw = {} if X is None else {"X": X}
    y = np.asarray(y, np.float64)
    H = horizon or h
    out = np.full((folds * width, H), np.nan)
    ypad = np.r_[y, np.full(H, np.nan)]
    for k in range(folds):
        cut = fold_cut(len(y), h, width, k)
        if cut < MIN_STAT_LENGTH:
            continue
        try:
            with quiet():
                mod = (fitted.refit(y[:cut], **kw) if hasattr(fitted, "refit")
                       else make_member(name, m, cut).fit(y[:cut]))
                Hf = H if X is None else max(1, min(H, len(X) - cut - width + 1))   # regressors end with X's rows
                fs = _fold_forecasts(mod, y, cut, width, Hf, kw)
                for b, (o, f) in enumerate(zip(range(cut - 1, cut + width - 1), fs)):
                    out[k * width + b, :Hf] = np.asarray(f, np.float64)[:Hf] - ypad[o + 1: o + 1 + Hf]
        except Exception:  # noqa: BLE001 - a member that cannot be validated gets no weight from validation
            return None
    return out


def _fold_forecasts(mod, y, cut: int, width: int, h: int, kw=None) -> list:
    """The h-step point forecasts of a fitted member from the `width` origins cut - 1, ..., parameters frozen
    (a member with `forecast_many`, the pretrained LSTM, forecasts them in one batched call)."""
    origins = range(cut - 1, cut + width - 1)
    if hasattr(mod, "forecast_many"):
        return [p["mean"] for p in mod.forecast_many([y[: o + 1] for o in origins], mod.m, h)]
    return [np.asarray(mod.forward(y=y[: o + 1], h=h, **(kw or {}))["mean"], np.float64) for o in origins]


def step_weights(step_mse: dict) -> dict:
    """{member: [w_1, ..., w_h]}: at step k, inverse-MSE weights from each member's errors over steps
    1..k (cumulative, so that the early steps, with few errors each, are not left to noise)."""
    names = list(step_mse)
    cum = {n: np.cumsum(np.asarray(v, np.float64)) / np.arange(1, len(v) + 1) for n, v in step_mse.items()}
    h = len(next(iter(cum.values())))
    per = [inverse_mse_weights({n: cum[n][k] for n in names}) for k in range(h)]
    return {n: [round(p[n], 6) for p in per] for n in names}


def holdout_mse(values, holdout: dict, m: int, names, X=None) -> dict:
    """{member: mean squared scaled error} over a panel's holdout: each series' last h values, forecast by
    the LSTM (given: {i: (forecast, h)}) and by each statistical member fitted on the rest; errors divided
    by the series' in-sample seasonal-naive MAE so that every series counts alike. {} when none scores.
    X: {series: regressors} of the series whose AutoARIMA takes them (rows from the series' start)."""
    X = X or {}
    se: dict[str, list[np.floating]] = {n: [] for n in ("lstm",) + tuple(names)}
    for i, (pred, h) in holdout.items():
        y = np.asarray(values[i], np.float64)
        train, actual = y[:-h], y[-h:]
        scale = snaive_scale(train, m)
        if not scale > 0 or len(train) < MIN_STAT_LENGTH:
            continue
        got = {"lstm": np.asarray(pred, np.float64)}
        for n in names:
            try:
                with quiet():
                    kw = {"X": X[i]} if n == "arima" and i in X else {}
                    got[n] = np.asarray(make_member(n, m, len(train)).fit(train, **kw).predict(h=h, **kw)["mean"],
                                        np.float64)
            except Exception:  # noqa: BLE001
                break
        if len(got) == len(se) and all(np.all(np.isfinite(v)) for v in got.values()):
            for n, f in got.items():
                se[n].append(np.mean(((f - actual) / scale) ** 2))
    return {n: float(np.mean(v)) for n, v in se.items()} if se["lstm"] else {}


def inverse_mse_weights(mse: dict) -> dict:
    """{member: weight} proportional to 1 / validation MSE (Bates & Granger 1969); equal weights when any
    MSE is missing, zero or not finite."""
    v = np.array(list(mse.values()), np.float64)
    if not len(v) or not np.all(np.isfinite(v)) or np.any(v <= 0):
        return {k: 1.0 / len(mse) for k in mse} if len(mse) else {}
    w = (1.0 / v) / np.sum(1.0 / v)
    return {k: float(x) for k, x in zip(mse, w)}


def combine(parts, levels, weights=None) -> dict:
    """Weighted mean (equal weights by default) of the members' point forecasts and of each interval bound.
    parts: [(name, {"mean", "lo-L", "hi-L"})]; weights: {name: w or [w per step]}, renormalised over the
    members present at each step."""
    keys = ["mean"] + [f"{s}-{lv}" for lv in levels for s in ("lo", "hi")]
    h = len(parts[0][1]["mean"])
    w = np.stack([_per_step(1.0 if not weights else weights.get(n, 0.0), h) for n, _ in parts])   # (members, h)
    bad = ~np.isfinite(w).all(axis=0) | (w.sum(axis=0) <= 0)
    w[:, bad] = 1.0
    w = w / w.sum(axis=0, keepdims=True)
    return {k: np.sum(w * np.asarray([p[k] for _, p in parts]), axis=0) for k in keys}


def _per_step(w, h: int) -> np.ndarray:
    """A weight (one number, or one per step) over h steps; past its last step the last one holds."""
    w = np.atleast_1d(np.asarray(w, np.float64))
    return w[np.minimum(np.arange(h), len(w) - 1)]
