"""Split-conformal bands from out-of-sample errors, per horizon step, and the levels they can support.

    q, ok = half_width(err, 95)              # err (n, h) |actual - forecast|; ok False: n too small for 95%
    e = combined_errors({"lstm": e1, "ets": e2}, {"lstm": [w per step], "ets": [...]})   # signed (n, h)
    bands, short = conformal_bands(mean, err, [80, 95])   # {"lo-80": (h,), ...}, levels the errors cannot support

Split conformal (Vovk et al. 2005; Lei et al. 2018): with n exchangeable calibration errors, the k-th
smallest, k = ceil((n + 1) L / 100), bounds a new error with probability at least L% (the finite-sample
correction). When k > n the level asks for more than n errors can give (the highest honest level is
100 n / (n + 1)): the band widens to the largest error and the level is reported as unsupported, never
silently claimed.

The errors of a weighted-mean combination are the same weighted mean of its members' signed errors at
each origin and step, so a combination's bands can come from its own errors (fit/calibration.py's
"own-errors"; the default averages its members' bounds instead, chosen on the benchmark's design half).
"""
from __future__ import annotations

import numpy as np


def rank(n: int, level: float) -> int:
    """k = ceil((n + 1) level / 100): the order statistic of n errors that bounds a new one at level%."""
    return int(np.ceil((n + 1) * float(level) / 100 - 1e-9))


def max_level(n: int) -> float:
    """The highest level (percent) that n calibration errors support: 100 n / (n + 1)."""
    return 100.0 * n / (n + 1)


def half_width(err, level) -> tuple[np.ndarray, bool]:
    """((h,) the k-th smallest absolute error per step, k = rank(n, level); whether n errors support the
    level). When they do not (k > n) the largest error, and False. err: (n, h), NaN rows ignored per step; a
    step without any error takes the width of the step before it (the first such steps, the first width)."""
    err = np.abs(np.asarray(err, np.float64))
    out, ok = np.full(err.shape[1], np.nan), True
    for s in range(err.shape[1]):
        e = np.sort(err[np.isfinite(err[:, s]), s])
        if not len(e):
            ok = False
            continue
        k = rank(len(e), level)
        ok = ok and k <= len(e)
        out[s] = e[min(k, len(e)) - 1]
    have = np.isfinite(out)
    if have.any() and not have.all():     # steps without errors (actuals past the series' end): the last width
        idx = np.maximum.accumulate(np.where(have, np.arange(len(out)), 0))
        out = np.where(have | (np.arange(len(out)) > np.argmax(have)), out[idx], out[np.argmax(have)])
    return out, ok


def combined_errors(signed: dict, weights: dict | None) -> np.ndarray:
    """Signed errors (n, h) of the weighted mean of the members' forecasts: sum_m w_m[s] e_m[:, s] with the
    weights renormalised at each step over the members given (equal weights when weights is empty).
    signed: {member: (n, h) forecast - actual on the same origins}; weights: {member: w or [w per step]}."""
    names = list(signed)
    h = np.asarray(signed[names[0]]).shape[1]
    w = np.stack([_per_step(1.0 if not weights else weights.get(n, 0.0), h) for n in names])   # (members, h)
    bad = ~np.isfinite(w).all(axis=0) | (w.sum(axis=0) <= 0)
    w[:, bad] = 1.0
    w = w / w.sum(axis=0, keepdims=True)
    return np.einsum("mh,mnh->nh", w, np.stack([np.asarray(signed[n], np.float64) for n in names]))


def _per_step(w, h: int) -> np.ndarray:
    w = np.atleast_1d(np.asarray(w, np.float64))
    return w[np.minimum(np.arange(h), len(w) - 1)]


def conformal_bands(mean, err, levels) -> tuple[dict, list]:
    """({"lo-L": mean - q_L, "hi-L": mean + q_L}, [levels the n errors cannot support: widened to the
    largest error]). mean: (h,); err: (n, h) absolute (or signed) errors; steps past err's last take its
    last step's width."""
    mean = np.asarray(mean, np.float64)
    err = np.asarray(err, np.float64)
    idx = np.minimum(np.arange(len(mean)), err.shape[1] - 1)
    out, short = {}, []
    for lv in levels:
        q, ok = half_width(err, lv)
        out[f"lo-{lv}"], out[f"hi-{lv}"] = mean - q[idx], mean + q[idx]
        if not ok:
            short.append(lv)
    return out, short
