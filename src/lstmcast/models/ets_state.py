"""AutoETS forecasts from a stored fitted state, without importing `statsforecast.ets`.

    st = state_of(model)              # from statsforecast's fitted ETS dict: JSON-able, or None
    out = forecast(st, h=24, level=[80, 95])    # {"mean": (h,), "lo-80": (h,), "hi-80": (h,), ...}

Why: a model file of the default (LSTM + AutoETS) must forecast quickly in a new process. Importing
`statsforecast.ets` pulls scipy.stats and statsmodels.tsa (about 0.6 s) and refitting AutoETS costs
more, while a forecast from fitted parameters is a few lines of arithmetic. This module is those lines:
the point forecast of statsforecast's C++ core (`forecast` in its ets.cpp) and the analytic prediction
variances of statsforecast's `_compute_pred_intervals` for the model classes 1-3 of Hyndman et al.
(2008, ch. 6): every model AutoETS chooses by default (additive or multiplicative error and season,
no or additive (damped) trend; multiplicative-error + multiplicative-season is class 3). Classes 4-5
(statsforecast simulates their intervals) and non-normal errors return None from `state_of`: those
are refitted with statsforecast as before. tests/test_ets_state.py checks every class against
statsforecast's own forecasts.
"""
from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np


def state_of(model: dict, scale: float = 1.0) -> dict | None:
    """What a forecast needs from a fitted statsforecast ETS dict, or None (class 4-5, non-normal). scale: the
    unit the model was fitted in (it fitted y / scale: arima_state.step_scale), kept as "scale" when not 1."""
    comp = str(model["components"])
    if model.get("distribution", "normal") != "normal" or _klass(comp) is None:
        return None
    par = [float(v) for v in np.asarray(model["par"], np.float64)[:4]]
    st: dict[str, Any] = {"components": comp, "m": int(model["m"]), "par": [None if math.isnan(v) else v for v in par],
          "sigma2": float(model["sigma2"]), "last": [float(v) for v in np.asarray(model["states"])[-1]],
          **({"scale": float(scale)} if scale != 1.0 else {})}
    return st if check_state(st, st["m"]) is None else None     # nothing non-finite goes into a file


def check_state(st, m: int) -> str | None:
    """Why a stored state cannot be used (one phrase), or None when it is sound."""
    try:
        comp, par, last, sigma2 = st["components"], st["par"], st["last"], st["sigma2"]
        seasonal = isinstance(comp, str) and comp[2:3] != "N"
        if not isinstance(comp, str) or _klass(comp) is None or int(st["m"]) != (int(m) if seasonal else int(st["m"])):
            return f"components {comp!r} / season {st['m']!r} are not a stored AutoETS model of season {m}"
        n = 1 + (comp[1] != "N") + (int(m) if comp[2] != "N" else 0)
        vals = [v for v in par if v is not None]
        if len(par) != 4 or len(last) != n or not np.all(np.isfinite(np.asarray(last + vals, np.float64))) \
                or not (math.isfinite(sigma2) and sigma2 >= 0):
            return "parameters or states are missing or not finite"
        sc = st.get("scale", 1.0)
        if isinstance(sc, bool) or not isinstance(sc, (int, float)) or not (math.isfinite(sc) and sc > 0):
            return "scale is not a number > 0"
    except (KeyError, TypeError, ValueError, IndexError):
        return "fields are missing"
    return None


def _klass(comp: str) -> int | None:
    if len(comp) != 4 or comp[0] not in "AM" or comp[1] not in "NA" or comp[2] not in "NAM" or comp[3] not in "ND":
        return None
    if comp[2] == "M":
        return 3 if comp[0] == "M" else None
    return 1 if comp[0] == "A" else 2


def point(st: dict, h: int) -> np.ndarray:
    """The point forecast (statsforecast's C++ `forecast`: damped trend sum phi + ... + phi^k)."""
    _, trend, season, damped = st["components"]
    m = max(int(st["m"]), 1)
    phi = 1.0 if damped == "N" else st["par"][3]
    x = st["last"]
    level, slope = x[0], (x[1] if trend != "N" else 0.0)
    seas = x[1 + (trend != "N"):]
    out = np.empty(h)
    phistar = phi
    for i in range(h):
        f = level if trend == "N" else level + phistar * slope
        if season != "N":
            s = seas[(m - 1 - i) % m]
            f = f + s if season == "A" else f * s
        out[i] = f
        phistar += phi ** (i + 1)
    return out


def variance(st: dict, mean: np.ndarray) -> np.ndarray:
    """The forecast variance per step (statsforecast's formulas, quirks included, for exact equality)."""
    error, trend, season, damped = st["components"]
    h, m, sigma = len(mean), int(st["m"]), st["sigma2"]
    alpha, beta, gamma, phi = (np.nan if v is None else v for v in st["par"])
    steps = np.arange(1, h + 1)
    hm = np.floor((h - 1) / m)
    with np.errstate(all="ignore"):
        exp1 = alpha**2 + alpha * beta * steps + (1 / 6) * beta**2 * steps * (2 * steps - 1)
        exp2 = (beta * phi * steps) / (1 - phi) ** 2
        exp3 = 2 * alpha * (1 - phi) + beta * phi
        exp4 = (beta * phi * (1 - phi**steps)) / ((1 - phi) ** 2 * (1 - phi**2))
        exp5 = 2 * alpha * (1 - phi**2) + beta * phi * (1 + 2 * phi - phi**steps)
        damp = exp2 * exp3 - exp4 * exp5
        if season == "M":
            return _class3(h, sigma, np.asarray(st["last"], np.float64), m, trend, damped, alpha, beta, gamma, phi)
        if error == "A":
            base = {"NN": 1 + alpha**2 * (steps - 1), "AN": 1 + (steps - 1) * exp1,
                    "AD": 1 + alpha**2 * (steps - 1) + damp}
            if season == "N":
                return sigma * base[trend + damped]
            if trend == "N":
                return sigma * (1 + alpha**2 * (steps - 1) + gamma * hm * (2 * alpha + gamma))
            if damped == "N":
                return sigma * (1 + (steps - 1) * exp1 + gamma * hm * (2 * alpha + gamma + beta * m * (hm + 1)))
            exp7 = (2 * beta * gamma * phi) / ((1 - phi) * (1 - phi**m))
            exp8 = hm * (1 - phi**m) - phi**m * (1 - phi ** (m * hm))
            return sigma * (1 + alpha**2 * (steps - 1) + damp + gamma * hm * (2 * alpha + gamma) + exp7 * exp8)
        # class 2: multiplicative error, no or additive season
        dvals = (steps % m == 0).astype(float) if season == "A" else np.zeros(h)
        sum_phi = np.array([sum(phi**j for j in range(1, k + 1)) for k in steps]) if damped == "D" else None
        if trend == "N":
            cvals = np.full(h, alpha) if season == "N" else alpha + gamma * dvals
        elif damped == "N":
            cvals = alpha + beta * steps if season == "N" else alpha * beta * steps + gamma * dvals
        else:
            assert sum_phi is not None      # damped == "D" here
            cvals = alpha + beta * sum_phi + (gamma * dvals if season == "A" else 0.0)
        theta = np.empty(h)
        theta[0] = mean[0] ** 2
        for k in range(1, h):
            theta[k] = mean[k] ** 2 + sigma * (cvals[:k] ** 2 @ theta[:k][::-1])
        return (1 + sigma) * theta - mean**2


def _class3(h, sigma, last, m, trend, damped, alpha, beta, gamma, phi) -> np.ndarray:
    """Multiplicative error and season (statsforecast's `_class3models`, whose mean matrix stays at
    its starting value inside the loop: kept, so the bounds equal statsforecast's)."""
    p = len(last)
    H1 = np.array([[1, 1]]) if trend != "N" else np.array([[1]])
    H2 = np.concatenate((np.zeros(m - 1), [1])).reshape(1, m)
    F1: float | np.ndarray
    G1: float | np.ndarray
    if trend == "N":
        F1, G1 = 1, alpha
    else:
        F1 = np.array([[1, 1], [0, phi if damped == "D" else 1]])
        G1 = np.array([[alpha, alpha], [beta, beta]])
    F2 = np.r_[H2, np.c_[np.identity(m - 1), np.zeros((m - 1, 1))]]
    G2 = np.zeros((m, m))
    G2[0, m - 1] = gamma
    Mh = last[: p - m].reshape(-1, 1) @ last[p - m:].reshape(1, m)
    Vh = np.zeros((Mh.size, Mh.size))
    H21, F21, G21 = np.kron(H2, H1), np.kron(F2, F1), np.kron(G2, G1)
    K = np.kron(G2, F1) + np.kron(F2, G1)
    vecMh = Mh.flatten()
    outer = vecMh * vecMh.reshape(-1, 1)
    var = np.zeros(h)
    for i in range(h):
        mu = (H1 @ (Mh @ H2.T)).item()
        var[i] = (1 + sigma) * (H21 @ (Vh @ H21.T)).item() + sigma * mu**2
        Vh = F21 @ (Vh @ F21.T) + sigma * (F21 @ (Vh @ G21.T) + G21 @ (Vh @ F21.T) + K @ ((Vh + outer) @ K.T)
                                           + (sigma * G21) @ ((3 * Vh + 2 * outer) @ G21.T))
    return var


def forecast(st: dict, h: int, level=None) -> dict:
    """{"mean": (h,), "lo-L"/"hi-L": (h,) per level}: mean -/+ z sqrt(variance), z the normal quantile (in
    the data's units: a state fitted in units of "scale" is multiplied back)."""
    mean = point(st, h)
    out = {"mean": mean}
    if level:
        sd = np.sqrt(variance(st, mean))
        for lv in level:
            z = NormalDist().inv_cdf(0.5 + float(lv) / 200)
            out[f"lo-{lv}"], out[f"hi-{lv}"] = mean - z * sd, mean + z * sd
    sc = float(st.get("scale", 1.0))
    return out if sc == 1.0 else {k: v * sc for k, v in out.items()}
