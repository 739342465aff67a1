"""The AutoARIMA member: statsforecast's AutoARIMA, and its forecasts from a stored state.

    mod = ArimaMember(m).fit(y)                  # statsforecast AutoARIMA, R's auto.arima defaults
    mod.predict(h, level)                        # {"mean": (h,), "lo-80": (h,), "hi-80": (h,), ...}
    st, arrays = mod.state                       # JSON-able dict + arrays Z, a, P, T, V (None: refit on load)
    mod = ArimaMember.from_state(m, st, arrays, y)   # forecasts with numpy alone
    fold = mod.refit(y[:cut])                    # the same orders, coefficients estimated on y[:cut]
    mod = ArimaMember(m).fit(y, X)               # ARIMAX: regression on X (n + h, k) with ARIMA errors
    mod.predict(h, level, X)                     # X's rows n .. n + h - 1 are the future regressors

Regressors (ARIMAX, statsforecast's `X_df`): X always holds one row per time from the series' first value
on (its first len(y) rows for the fit, the next h for a forecast), as the future covariates of
data/covariates.py do. A stored state keeps their coefficients (`ex_1`, ...), so a saved model forecasts
with the future regressors alone, without refitting.

Why a stored state: a model file of the default must forecast quickly in a new process, and
`statsforecast.arima` imports statsmodels.api (2-3 s) while AutoARIMA's search costs up to seconds a
series. A fitted ARIMA is a state-space model (Durbin & Koopman; R's `KalmanForecast`): its forecasts
are the last filtered state `a` (covariance `P`) moved by the transition matrix `T` (noise `V`), read
through `Z`, plus the intercept and drift terms. This module is statsforecast's `predict_arima` /
`kalman_forecast` and its normal intervals in numpy; tests/test_arima_state.py checks it against
statsforecast's own forecasts.

The search is R's auto.arima rule (Hyndman & Khandakar 2008): approximate likelihoods while searching
when the series has over 150 values or a season over 12, then the chosen model fitted exactly
(statsforecast's AutoARIMA class turns the approximation off by default; the same search is 5-20x
faster with it on the corpus's monthly series, and picks the same model on most).
"""
from __future__ import annotations

from statistics import NormalDist

import numpy as np

from ..errors import DataError
from .stored import StoredMember

ARRAYS = ("Z", "a", "P", "T", "V")
STEP_RANGE = (1e-2, 1e6)  # series whose steps' standard deviation lies outside fit on y / 2^k (see step_scale)
EXTRA = ("intercept", "drift")       # coefficients after the ARMA ones that a state may hold (and ex_1, ...)


def _regressor(name: str) -> bool:
    return name.startswith("ex_") and name[3:].isdigit()


def _rows(X, lo: int, hi: int, k: int):
    """X's rows lo..hi-1 as a float array (None without regressors); a ValueError when X is too short."""
    if not k:
        return None
    X = np.asarray(X, np.float64)
    if X.ndim != 2 or X.shape[1] != k or len(X) < hi:
        raise ValueError(f"ARIMAX needs {k} regressors over rows {lo}..{hi - 1}; got shape {np.shape(X)}")
    return np.ascontiguousarray(X[lo:hi])


def step_scale(y) -> float:
    """1.0, or for a series whose steps are tiny or huge (standard deviation of the first differences outside
    STEP_RANGE) the power of two nearest to it: the member fits y / scale and multiplies its forecasts back.
    A power of two changes no digit, and statsforecast's AutoARIMA is not scale-free: the same monthly
    series times 1e-4 chose another model, and times 1e-6 every validation fold failed (NaN), so that the
    combination fell back to equal weights."""
    y = np.asarray(y, np.float64)
    d = np.diff(y[np.isfinite(y)])
    a = float(np.max(np.abs(d), initial=0.0))
    v = a * float(np.std(d / a)) if len(d) > 1 and 0 < a < np.inf else 0.0     # no overflow near 1e300
    v = v if v > 0 else float(np.max(np.abs(y[np.isfinite(y)]), initial=0.0))
    if not np.isfinite(v) or v <= 0 or STEP_RANGE[0] <= v <= STEP_RANGE[1]:
        return 1.0
    return float(2.0 ** round(np.log2(v)))


def in_units(f: dict, s: float) -> dict:
    """Forecasts of a model fitted in units of s (y / s) in the data's units."""
    return f if s == 1.0 else {k: np.asarray(v, np.float64) * s for k, v in f.items()}


class ArimaMember(StoredMember):
    """statsforecast's AutoARIMA, with the regressors X (ARIMAX) when given; a series whose steps are tiny
    or huge fits in units of a power of two (`step_scale`, kept in the state as "scale")."""
    state: tuple[dict, dict] | None      # state_of's (JSON-able dict, {name: array}), None: statsforecast forecasts

    def __init__(self, m: int, k: int = 0):
        super().__init__(m)
        self.k, self._X = int(k), None            # k regressors; X: the rows the stored values refit on
        self.scale = 1.0                          # the model's unit: it fits y / scale

    @classmethod
    def from_state(cls, m: int, state, y, X=None):
        self = super().from_state(m, state, y)
        self.k = n_regressors(state[0]) if state is not None else (0 if X is None else np.shape(X)[1])
        self.scale = float(state[0].get("scale", 1.0)) if state is not None else step_scale(y)
        self._X = X
        return self

    def fit(self, y, X=None):
        from statsforecast.models import AutoARIMA  # statsforecast loads numba (~2 s)
        y = np.asarray(y, np.float64)
        self.k = 0 if X is None else int(np.shape(X)[1])
        self._X = X
        self.scale = step_scale(y)
        self._model = AutoARIMA(season_length=self.m, approximation=None).fit(
            y / self.scale, _rows(X, 0, len(y), self.k)).model_
        self.state = state_of(self._model, self.scale)
        return self

    @property
    def model_(self) -> dict:
        if self._model is None:                 # a restored member given newer values: refit on the stored ones
            self.fit(self._y, self._X)
        assert self._model is not None          # fit() sets it
        return self._model

    def predict(self, h: int, level=None, X=None) -> dict:
        """h steps after the fitted values; X (ARIMAX): rows from the series' start through the horizon."""
        if self.state is not None:
            st = self.state[0]
            return in_units(forecast(*self.state, h, level, _rows(X, st["n"], st["n"] + h, self.k)), self.scale)
        from statsforecast.arima import forecast_arima  # statsforecast loads numba (~2 s)
        n = len(self.model_["x"])
        return in_units(_bands(forecast_arima(self.model_, h=h, level=level, xreg=_rows(X, n, n + h, self.k)), level),
                      self.scale)

    def forward(self, y, h: int, level=None, X=None) -> dict:
        """h steps after y (newer values: the fitted parameters frozen); X rows from y's start on."""
        from statsforecast.arima import forecast_arima, forward_arima  # numba (~2 s): on first use
        y = np.asarray(y, np.float64)
        n = len(y)
        model = forward_arima(self.model_, y=y / self.scale, xreg=_rows(X, 0, n, self.k))
        return in_units(_bands(forecast_arima(model, h=h, level=level, xreg=_rows(X, n, n + h, self.k)), level),
                      self.scale)

    def refit(self, y, X=None) -> "ArimaMember":
        """The orders chosen on the whole training part, coefficients estimated on y alone (the
        combination's validation folds: one likelihood fit each instead of a search)."""
        from statsforecast.arima import Arima  # statsforecast loads numba (~2 s)
        p, q, P, Q, m, d, D = (int(v) for v in self.model_["arma"])
        coef = self.model_["coef"]
        out = type(self)(self.m, self.k)
        y = np.asarray(y, np.float64)
        out._X, out.scale = X, self.scale          # the whole part's unit
        out._model = Arima(y / out.scale, order=(p, d, q), seasonal={"order": (P, D, Q), "period": m},
                           xreg=_rows(X, 0, len(y), self.k), include_mean="intercept" in coef,
                           include_drift="drift" in coef, method="CSS-ML")
        return out


def n_regressors(st: dict) -> int:
    """How many regressors (ex_1, ...) a stored state's coefficients hold."""
    return sum(1 for name, _ in st["coef"] if _regressor(name))


def _bands(f: dict, level) -> dict:
    out = {"mean": np.asarray(f["mean"], np.float64)}
    for lv in level or []:
        out[f"lo-{lv}"] = np.asarray(f["lower"][f"{lv}%"], np.float64)
        out[f"hi-{lv}"] = np.asarray(f["upper"][f"{lv}%"], np.float64)
    return out


def state_of(model: dict, scale: float = 1.0):
    """(JSON-able dict, {name: array}) from statsforecast's fitted ARIMA dict (fitted to y / scale: "scale" is
    stored where it is not 1), or None when the model holds what this module does not forecast (a Box-Cox
    lambda, non-normal errors)."""
    arma = [int(v) for v in model["arma"]]
    names = [str(k) for k in model["coef"]]
    if model.get("lambda") is not None or model.get("distribution", "normal") != "normal":   # a str enum
        return None
    if not _extra_ok(names[sum(arma[:4]):]):
        return None
    x = np.asarray(model["x"], np.float64)
    st = {"arma": arma, "coef": [[n, float(v)] for n, v in model["coef"].items()],
          "sigma2": float(model["sigma2"]), "h": float(model["model"]["h"]), "n": int(len(x)),
          "constant": bool(np.all(x == x[0])), "x0": float(x[0]), **({"scale": float(scale)} if scale != 1.0 else {})}
    arrays = {k: np.asarray(model["model"][k], np.float64) for k in ARRAYS}
    return (st, arrays) if check_state(st, arrays) is None else None    # nothing non-finite goes into a file


def check_state(st, arrays) -> str | None:
    """Why a stored state cannot be used (one phrase), or None when it is sound."""
    try:
        arma, coef = st["arma"], st["coef"]
        if not (isinstance(arma, list) and len(arma) == 7 and all(isinstance(v, int) and v >= 0 for v in arma)):
            return "arma must be 7 whole numbers >= 0"
        if not isinstance(coef, list) or not all(isinstance(c, list) and len(c) == 2 and isinstance(c[0], str)
                                                 for c in coef):
            return "coef must be a list of [name, value] pairs"
        if len(coef) < sum(arma[:4]) or not _extra_ok([c[0] for c in coef[sum(arma[:4]):]]):
            return "coef does not match the orders"
        nums = [c[1] for c in coef] + [st["sigma2"], st["h"], st["x0"]]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in nums):
            return "a coefficient, sigma2, h or x0 is not a finite number"
        if st["sigma2"] < 0 or not isinstance(st["n"], int) or st["n"] < 1 or not isinstance(st["constant"], bool):
            return "sigma2, n or constant is out of range"
        sc = st.get("scale", 1.0)
        if isinstance(sc, bool) or not isinstance(sc, (int, float)) or not (np.isfinite(sc) and sc > 0):
            return "scale is not a number > 0"
    except (KeyError, TypeError):
        return "a field is missing"
    missing = [k for k in ARRAYS if k not in arrays]
    if missing:
        return f"array {missing[0]!r} is missing"
    k = np.shape(arrays["a"])
    if len(k) != 1 or np.shape(arrays["Z"]) != k or any(np.shape(arrays[n]) != k * 2 for n in ("P", "T", "V")):
        return "arrays Z, a (k,) and P, T, V (k, k) do not agree in shape"
    if not all(np.asarray(arrays[n]).dtype.kind == "f" and np.all(np.isfinite(arrays[n])) for n in ARRAYS):
        return "an array holds a non-finite or non-float value"
    return None


def _extra_ok(names) -> bool:
    """intercept, drift, then ex_1, ..., ex_k in order: the coefficients after the ARMA ones."""
    fixed = [n for n in names if not _regressor(n)]
    ex = [n for n in names if _regressor(n)]
    return all(n in EXTRA for n in fixed) and ex == [f"ex_{j}" for j in range(1, len(ex) + 1)] and \
        list(names) == fixed + ex


def forecast(st: dict, arrays: dict, h: int, level=None, X=None) -> dict:
    """{"mean": (h,), "lo-L": (h,), "hi-L": (h,)} as statsforecast's forecast_arima (normal errors);
    X (h, k): the regressors over the horizon when the state has k of them (ARIMAX)."""
    if st["constant"]:
        mean, se = np.full(h, st["x0"]), np.zeros(h)
    else:
        Z, a, P, T, V = (np.asarray(arrays[k], np.float64) for k in ARRAYS)
        mean, var = np.empty(h), np.empty(h)
        zz = np.outer(Z, Z)
        for step in range(h):
            a = T @ a
            mean[step] = a @ Z
            P = V + T @ P @ T.T
            var[step] = st["h"] + np.sum(zz * P)
        extra = dict((n, v) for n, v in st["coef"][sum(st["arma"][:4]):])
        mean = mean + extra.get("intercept", 0.0) + extra.get("drift", 0.0) * (st["n"] + np.arange(1, h + 1))
        beta = np.array([v for n, v in extra.items() if _regressor(n)], np.float64)
        if len(beta):
            mean = mean + np.asarray(X, np.float64)[:h] @ beta
        se = np.sqrt(var * st["sigma2"])
    out = {"mean": mean}
    for lv in level or []:
        z = NormalDist().inv_cdf(0.5 + float(lv) / 200)
        out[f"lo-{lv}"], out[f"hi-{lv}"] = mean - z * se, mean + z * se
    return out


def to_file(fits: dict):
    """({series: JSON state}, {"arima.{series}.{Z|a|P|T|V}": array}) of the fitted AutoARIMA members."""
    states, arrays = {}, {}
    for i, mod in fits.get("arima", {}).items():
        if getattr(mod, "state", None) is None:
            continue
        st, arr = mod.state
        states[str(i)] = st
        arrays.update({f"arima.{i}.{k}": v for k, v in arr.items()})
    return states, arrays


def from_file(stored: dict, arrays: dict, series: set, path) -> dict:
    """{series: (state, arrays)} as saved, each checked; a DataError names what is wrong."""
    out = {}
    for k, st in stored.items():
        if not k.isdigit() or int(k) not in series:
            raise DataError(f"{path}/config.json: series.arima_states: {k!r} is not a series AutoARIMA fits; the "
                            "model directory is corrupt, refit it")
        arr = {n: arrays[f"arima.{k}.{n}"] for n in ARRAYS if f"arima.{k}.{n}" in arrays}
        why = check_state(st, arr)
        if why:
            raise DataError(f"{path}: AutoARIMA state of series {k}: {why}; the model directory is corrupt, refit it")
        out[int(k)] = (st, arr)
    return out
