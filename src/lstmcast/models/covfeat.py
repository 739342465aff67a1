"""Covariates as LSTM input features: scaling on the training part only, and per-step gathering.

    sc = fit_scaler(cov, idx, n_train, scope)          # statistics of rows < n_train[i] only
    f = step_features(cov, sc, H, L, series, origins, ends)   # (R, L, C) extra inputs per step
    n_cov, n_head, n_lead = widths(cov, H)              # Recipe.n_cov, n_head, n_lead

Each input step t (raw index of the series) carries
    [hist_{min(t, origin)},  static,  futr_t,  cal_t,  leads]
where futr = the future covariates other than the calendar ones, and leads = futr_{T+1}, ..., futr_{T+H}
(T the last input step; H the direct head's horizon, 1 for the recursive strategy) at the last step,
zeros at the others. The last step's calendar and leads also feed the Dense head directly
(`n_head_features`, engine ModelConfig.n_head), a linear path from a known future value to the
forecast of its step; the leads enter the LSTM cell at the last step too (a nonlinear path), and
training skips their zeros before it (ModelConfig.n_lead, an exact shortcut). Formerly (up to commit
a0b30b8) every step carried futr_t, ..., futr_{t+H}: elecdaily's two covariates made 17 inputs a step
instead of 3, for no accuracy (README "Covariates": MASE 0.473 there against 0.480 with the leads at
the last step only, us_change 0.252 against 0.193; fit time 1.44x against 1.30x). Calendar columns
(data/calendar.py) have no leads:
on a regular grid their values at t + k are a linear function of those at t (a rotation of a sin/cos
pair, a permutation of one-hots), so through the head cal_T already gives every step's calendar; leads
would add inputs, not information (measured on the airline series, monthly sin/cos with 12 leads at
every step: MASE 0.78-0.82 against 0.44-0.50 at t only; README "Covariates").
A historical covariate past the forecast origin is unknown: it is held at its value at the origin. A future
covariate past its last known row is held at that row.
Local scope scales each series' covariates by its own training part; global scope pools the training
parts of all series (a covariate means the same thing in every series). Static covariates are scaled
over the series of the fit. Pure numpy.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class CovScaler:
    hist: tuple          # (loc, spread), each (N or 1, C_h)
    futr: tuple
    stat: tuple          # (loc, spread), each (1, C_s)

    def to_dict(self) -> dict:
        return {k: [np.asarray(a).tolist() for a in getattr(self, k)] for k in ("hist", "futr", "stat")}

    @classmethod
    def from_dict(cls, d) -> CovScaler:
        return cls(*(tuple(np.asarray(a, np.float64) for a in d[k]) for k in ("hist", "futr", "stat")))


def n_step_features(n_hist: int, n_futr: int, n_stat: int, H: int, n_cal: int = 0) -> int:
    """n_futr counts the n_cal calendar columns among the future ones."""
    return n_hist + n_stat + n_futr + (n_futr - n_cal) * H


def n_head_features(n_futr: int, H: int, n_cal: int = 0) -> int:
    return (n_futr - n_cal) * H + n_cal


def n_lead_features(n_futr: int, H: int, n_cal: int = 0) -> int:
    """The leads: the future covariates of the H forecast steps, at the last input step only (zero before)."""
    return (n_futr - n_cal) * H


def widths(cov, H: int) -> tuple[int, int, int]:
    """(features per input step, of which the last ones feeding the head, of which the last ones zero before
    the last step) of `cov` for output width H: Recipe.n_cov, n_head, n_lead."""
    n_f, n_c = len(cov.futr_names), len(cov.calendar)
    return (n_step_features(len(cov.hist_names), n_f, len(cov.stat_names), H, n_c), n_head_features(n_f, H, n_c),
            n_lead_features(n_f, H, n_c))


def _split_columns(cov) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the future columns that have leads (all but the calendar ones), and the others."""
    cal = np.array([name in set(cov.calendar) for name in cov.futr_names], bool)
    return np.flatnonzero(~cal), np.flatnonzero(cal)


def _stats(rows):
    """loc, spread (C,) of stacked rows (n, C); a constant column gets spread 1."""
    if len(rows) == 0:
        return np.zeros(rows.shape[1]), np.ones(rows.shape[1])
    loc, sp = rows.mean(axis=0), rows.std(axis=0)
    sp = np.where(sp > 1e-12 * np.maximum(1.0, np.abs(loc)), sp, 1.0)
    return loc, sp


def fit_scaler(cov, idx, n_train, scope: str) -> CovScaler:
    """Standardise each covariate with rows < n_train[j] of series idx[j] (the training part only)."""
    N = len(cov.hist)

    def per(arrs):
        C = arrs[0].shape[1] if arrs else 0
        if scope == "global":
            pooled = np.concatenate([arrs[i][:n] for i, n in zip(idx, n_train)]) if len(idx) else np.zeros((0, C))
            loc, sp = _stats(pooled)
            return loc[None, :], sp[None, :]
        loc, sp = np.zeros((N, C)), np.ones((N, C))
        for i, n in zip(idx, n_train):
            loc[i], sp[i] = _stats(arrs[i][:n])
        return loc, sp
    s_loc, s_sp = _stats(cov.stat[np.asarray(idx, int)])
    return CovScaler(per(cov.hist), per(cov.futr), (s_loc[None, :], s_sp[None, :]))


def _pick(stat, series):
    loc, sp = stat
    return (loc if len(loc) == 1 else loc[series]), (sp if len(sp) == 1 else sp[series])


def _padded(arrs, series, upto):
    """(R_u, upto, C) rows of arrs[series], each held at its last row past its end."""
    C = arrs[0].shape[1] if arrs else 0
    out = np.zeros((len(series), upto, C))
    for r, i in enumerate(series):
        a = arrs[i][:upto]
        out[r, :len(a)] = a
        if 0 < len(a) < upto:
            out[r, len(a):] = a[-1]
    return out


def step_features(cov, sc: CovScaler, H: int, L: int, series, origins, ends):
    """(R, L, C) scaled covariate features of the L input steps ending at raw index ends (R,) of series
    (R,), for forecasts from origins (R,) (hist is held at the origin)."""
    series, origins, ends = (np.asarray(a, int) for a in (series, origins, ends))
    R = len(series)
    t = ends[:, None] - L + 1 + np.arange(L)[None, :]                  # (R, L) raw indices
    uniq, inv = np.unique(series, return_inverse=True)
    feats = []
    if cov.hist_names:
        upto = int(max(origins.max(initial=0), t.max(initial=0))) + 1
        Hs = _padded(cov.hist, uniq, upto)                              # (U, upto, C_h)
        loc, sp = _pick(sc.hist, series)
        x = Hs[inv[:, None], np.minimum(t, origins[:, None])]           # (R, L, C_h)
        feats.append((x - loc[:, None, :]) / sp[:, None, :])
    if cov.stat_names:
        s = (cov.stat[series] - sc.stat[0]) / sc.stat[1]                # (R, C_s)
        feats.append(np.broadcast_to(s[:, None, :], (R, L, s.shape[1])))
    if cov.futr_names:
        upto = int(t.max(initial=0)) + H + 1
        Fs = _padded(cov.futr, uniq, upto)                              # (U, upto, C_f)
        loc, sp = _pick(sc.futr, series)
        lead, cal = _split_columns(cov)
        z = lambda x, c: (x - loc[:, None, c]) / sp[:, None, c]
        feats.append(z(Fs[inv[:, None], t][..., lead], lead))           # (R, L, C_u): user future at t
        feats.append(z(Fs[inv[:, None], t][..., cal], cal))             # (R, L, C_cal): calendar at t
        if len(lead):                                                   # leads at the last step only
            T = t[:, -1]
            x = Fs[inv[:, None], T[:, None] + 1 + np.arange(H)[None, :]][..., lead]     # (R, H, C_u)
            x = z(x, lead).reshape(R, 1, H * len(lead))
            feats.append(np.concatenate([np.zeros((R, L - 1, x.shape[-1])), x], axis=1))
    if not feats:
        return np.zeros((R, L, 0), np.float32)
    return np.concatenate(feats, axis=-1).astype(np.float32)
