"""The statistical members of the default forecast (AutoETS, AutoARIMA, AutoTheta): fitting, storing, forecasting.

    names = members(None, n)                            # ("lstm", "ets", "arima"): the default for n series
    fits = fit_stats(values, idx, m, ("ets",))          # {"ets": {i: fitted member}}
    parts = stat_forecasts(fits, values, h, levels)     # {"ets": {i: {"mean": (h,), "lo-80": (h,), ...}}}

How they are combined with the LSTM (weights from validation folds) is fit/combine.py.

Why: on the benchmark corpus (benchmarks/README.md) the pure LSTM is about as accurate as AutoETS and
AutoARIMA, and their errors differ (the LSTM wins on cycles and breaks, ETS on smooth trend and season,
ARIMA on short quarterly and yearly series), so their weighted mean is better than any of them: the M4
lesson that combinations are hard to beat. Weights are inverse validation MSE inside the training data
(fitting.py). Intervals average the members' bounds (quantile averaging, Lichtendahl, Grushka-Cockayne &
Winkler 2013), which keeps each member's calibration and is never wider than the widest member.

The default is the LSTM + the pretrained LSTM (zero-shot, models/pretrained.py) + AutoETS + AutoARIMA for
up to ARIMA_UP_TO series of moderate length x season (ARIMA_SIZE: AutoARIMA's search costs 0.03-1 s a series
there), the same without AutoARIMA up to STATS_UP_TO, the LSTM alone above. A statistical member fits
each series on its own (statsforecast's AutoETS / AutoTheta / AutoARIMA with the series' season length;
AutoARIMA with R's auto.arima search rule, arima_state.py) on the same training part as the LSTM. A
model file stores AutoETS's and AutoARIMA's fitted states (ets_state.py, arima_state.py), from which a
loaded model forecasts; AutoTheta is refitted on load from the stored values (the same parameters).
"""
from __future__ import annotations

import contextlib
import importlib
import sys
import threading
import warnings
from typing import Any

import numpy as np

from ..errors import DataError
from .arima_state import ArimaMember, in_units, step_scale
from .ets_state import forecast, state_of
from .mstl import SeasonalETS, needs_seasonal_ets
from .pretrained_member import PretrainedMember
from .stored import StoredMember

STAT_MEMBERS = ("ets", "theta", "arima", "pretrained", "pretrained-ft")   # "pretrained": the zero-shot pretrained
                                                        # LSTM; "pretrained-ft": it fine-tuned on the data
DEFAULT_MODEL = "lstm+pretrained+ets+arima"
ARIMA_UP_TO = 64             # model=None (the default) takes AutoARIMA in up to this many series (the panels
                             # whose weights are validated per series; AutoARIMA costs 0.03-0.5 s a series)
ARIMA_SIZE = 12_000          # ... whose longest series times the season is at most this: the search's cost
                             # grows with both (monthly 1,000 values ~0.8 s; weekly 520 values, season 52: 14 s)
STATS_UP_TO = 2000           # ... and AutoETS up to this many; above, the LSTM alone (AutoETS costs
                             # ~0.04 s a series, 10,000 series ~7 min: more than the LSTM)
MIN_STAT_LENGTH = 8          # statsforecast's AutoETS refuses "tiny datasets" below this


def members(model, n_series: int | None = None, size: int | None = None) -> tuple[str, ...]:
    """'lstm+ets' -> ('lstm', 'ets'); the LSTM trained on the data (if any) comes first, the other members
    (statistical, and the pretrained LSTM) follow, no repeats.
    None (the default): 'lstm+pretrained+ets+arima' up to ARIMA_UP_TO series whose size (longest length x
    season) is at most ARIMA_SIZE, else 'lstm+pretrained+ets' up to STATS_UP_TO series, else 'lstm'."""
    if model is None:
        n = 1 if n_series is None else n_series
        arima = n <= ARIMA_UP_TO and (size is None or size <= ARIMA_SIZE)
        model = DEFAULT_MODEL if arima else "lstm+pretrained+ets" if n <= STATS_UP_TO else "lstm"
    parts = tuple(p.strip() for p in str(model).split("+"))
    bad = [p for p in parts if p not in ("lstm",) + STAT_MEMBERS]
    if bad or not parts or "lstm" in parts[1:] or len(set(parts)) != len(parts):
        raise DataError(f"model must be members joined by '+' (lstm first if present, then from "
                        f"{', '.join(STAT_MEMBERS)}), e.g. {DEFAULT_MODEL!r} or 'pretrained+ets'; got {model!r}")
    return parts


@contextlib.contextmanager
def quiet():
    """statsforecast's fits warn (and divide by zero) on short or flat series; a member that fails is
    left out, so neither is news to the user."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _ft():
    """models/pretrained_ft.py, imported when the fine-tuned member is asked for only (JAX and optax)."""
    from . import pretrained_ft  # JAX and optax: loaded when the member is asked for only
    return pretrained_ft


def make_member(name: str, m: int, n: int = 0):
    """A member for a series of n values and season m (AutoETS: seasons over 24 or several, mstl.py)."""
    if name == "pretrained":
        return PretrainedMember(m)
    if name == "pretrained-ft":
        return _ft().FinetunedMember(m)
    if name == "ets":
        return SeasonalETS(m) if needs_seasonal_ets(m, n) else _AutoETS(max(int(m), 1))
    if name == "arima":
        return ArimaMember(m)
    from statsforecast.models import AutoTheta  # statsforecast loads numba (~2 s)
    return AutoTheta(season_length=max(int(m), 1))


class _AutoETS(StoredMember):
    """statsforecast's AutoETS with its defaults, through `statsforecast.ets` alone: the same functions
    (ets_f, forecast_ets, forward_ets) without `statsforecast.models`, whose AutoARIMA imports
    statsmodels.api (about 2-3 s per process, most of a forecast from a saved model).

    A model loaded from a model file starts from its stored state (`from_state`): it forecasts with
    ets_state.py, without importing statsforecast.ets or refitting; only newer observations (`forward`)
    refit it, from the stored values (deterministic: the same model as the one saved).
    Like AutoARIMA, a series whose steps are tiny or huge fits in units of a power of two (arima_state.py
    `step_scale`, kept in the state as "scale"): statsforecast's AutoETS is not scale-free below about 1e-12
    (the airline series times 1e-20 chose another model, and its validation folds' errors moved the
    combination's weights)."""
    scale = 1.0                                   # the model's unit: it fits y / scale

    def fit(self, y):
        from statsforecast.ets import ets_f  # statsforecast loads numba (~2 s)
        y = np.asarray(y, np.float64)
        self.scale = step_scale(y)
        self._model = ets_f(y / self.scale, m=self.m, model="ZZZ", damped=None, phi=None, distribution="normal")
        self.state = state_of(self._model, self.scale)
        return self

    def predict(self, h: int, level=None) -> dict:
        if self.state is not None:
            return _bands(forecast(self.state, h, level), level)
        from statsforecast.ets import forecast_ets  # statsforecast loads numba (~2 s)
        model = self.model_                       # (a loaded model refits here, which sets scale)
        return _bands(in_units(forecast_ets(model, h=h, level=level), self.scale), level)

    def forward(self, y, h: int, level=None) -> dict:
        from statsforecast.ets import forecast_ets, forward_ets  # numba (~2 s): on first use
        model = self.model_                       # (a loaded model refits here, which sets scale)
        y = np.asarray(y, np.float64) / self.scale
        return _bands(in_units(forecast_ets(forward_ets(model, y=y), h=h, level=level), self.scale), level)


def load_stats(values, idx, m: int, names, ets_states: dict, arima_states: dict | None = None,
               prefit=None) -> dict:
    """`fit_stats` for a loaded model: AutoETS and AutoARIMA start from the states stored for them (no
    refit; series without one are refitted), members in `prefit` ({name: {i: member}}: the fine-tuned
    pretrained LSTM, restored) are kept, the other members are refitted."""
    stored = {"ets": (ets_states, lambda st, y: _AutoETS.from_state(max(int(m), 1), st, y)),
              "arima": (arima_states or {}, lambda st, y: ArimaMember.from_state(m, st, y))}
    fits = fit_stats(values, idx, m, [n for n in names if n not in stored], prefit=prefit)
    for n in names:
        if n in stored:
            states, make = stored[n]
            fits[n] = {i: make(st, values[i]) for i, st in states.items()}
            fits[n].update(fit_stats(values, [i for i in idx if i not in states], m, (n,))[n])
    return {n: fits[n] for n in names}


def ets_states(fits: dict) -> dict:
    """{series: stored state} of the fitted AutoETS members that ets_state.py can forecast."""
    return {i: mod.state for i, mod in fits.get("ets", {}).items() if getattr(mod, "state", None) is not None}


def _bands(f: dict, level) -> dict:
    return {"mean": f["mean"], **{f"{s}-{lv}": f[f"{s}-{lv}"] for lv in (level or []) for s in ("lo", "hi")}}


def say_left_out(stat_names, n_series: int, longest: int, m: int, say) -> None:
    """Why the default combination left AutoARIMA (a big panel, long series) or every statistical member out."""
    if stat_names:
        why = f"over {ARIMA_UP_TO} series" if n_series > ARIMA_UP_TO else \
            f"series of up to {longest} values with season {m}"
        say(f"{why}: the forecast is the LSTM, the pretrained LSTM and AutoETS (AutoARIMA's search would cost "
            f"seconds a series); model='{DEFAULT_MODEL}' (--combination {DEFAULT_MODEL}) includes it")
    else:
        say(f"over {STATS_UP_TO} series: the forecast is the LSTM alone (AutoETS would cost about 0.04 s a "
            "series); model='lstm+pretrained+ets' (--combination lstm+pretrained+ets) includes them")


def prefetch(names) -> None:
    """Import what the statistical members need in a background thread (statsforecast.ets: about 1.4 s of
    numba and statsmodels.tsa; statsforecast.arima: statsmodels.api, 2-3 s) while the LSTM trains, which
    releases the interpreter inside XLA."""
    mods = [mod for n, mod in (("ets", "statsforecast.ets"), ("arima", "statsforecast.models"))
            if n in names and mod not in sys.modules]
    if not mods:
        return

    def load():
        for mod in mods:
            try:
                importlib.import_module(mod)
            except Exception:  # noqa: BLE001 - the real import, later, reports any problem
                pass
    threading.Thread(target=load, name="lstmcast-prefetch", daemon=True).start()


def fit_stats(values, idx, m: int, names, X=None, prefit=None, init=None, stop=None) -> dict:
    """{name: {i: fitted model}} for the series in idx with at least MIN_STAT_LENGTH finite values and no
    missing ones; a series a member cannot fit (statsforecast raises, or non-finite fitted values) is
    simply left out of that member. X: {series: regressors} of the series whose AutoARIMA takes them
    (ARIMAX; rows from the series' start); prefit: {name: {i: fitted member}} already fitted (kept).
    The fine-tuned pretrained LSTM fits once for all the series (models/pretrained_ft.py), from `init`
    (a saved model's fine-tuned weights: warm start) or the shipped ones. stop: an Event that ends the
    loop before its next series (StatsBeside)."""
    if not names:
        return {}
    fits: dict[str, dict[int, Any]] = {n: dict((prefit or {}).get(n, {})) for n in names}
    X = X or {}
    usable = [int(i) for i in idx if _usable(values[i])]
    if "pretrained-ft" in names:
        todo = [i for i in usable if i not in fits["pretrained-ft"]]
        fits["pretrained-ft"].update(_ft().fit_many(values, todo, m, init))
    for i in usable:
        if stop is not None and stop.is_set():      # StatsBeside: the caller failed
            break
        y = np.asarray(values[i], np.float64)
        for n in names:
            if int(i) in fits[n]:
                continue
            try:
                with quiet():
                    fits[n][int(i)] = make_member(n, m, len(y)).fit(y, **({"X": X[i]} if n == "arima" and i in X
                                                                          else {}))
            except Exception:  # noqa: BLE001 - a member that cannot fit a series leaves it to the others
                continue
    return fits


def _usable(y) -> bool:
    y = np.asarray(y, np.float64)
    return len(y) >= MIN_STAT_LENGTH and bool(np.all(np.isfinite(y))) and np.ptp(y) > 0


def stat_forecasts(fits, values, h: int, levels, lengths=None, X=None) -> dict:
    """{name: {i: {"mean": (h,), "lo-L": (h,), "hi-L": (h,)}}}. values[i] longer than the fit's series
    (newer observations) are forecast with the fitted parameters frozen (statsforecast's `forward`).
    A forecast that fails or is not finite leaves that series to the other members. X: {series: future
    covariates from its first value through the horizon}, for members that take regressors (an AutoARIMA
    fitted with them)."""
    X = X or {}
    out: dict[str, dict[int, dict]] = {}
    lv = [int(v) if float(v).is_integer() else float(v) for v in levels] or None
    for n, per in fits.items():
        got = {}
        if n == "pretrained" and per:      # one batched call of the network for every series
            with quiet():
                many = PretrainedMember.forecast_many([np.asarray(values[i], np.float64) for i in per],
                                                      next(iter(per.values())).m, h, lv)
            got = dict(zip(per, many))
        elif n == "pretrained-ft" and per:   # one batched call per fine-tuned network
            with quiet():
                got = _ft().forecast_groups(per, values, h, lv)
        else:
            for i, mod in per.items():
                y = np.asarray(values[i], np.float64)
                try:
                    with quiet():
                        kw = {"X": X.get(i)} if getattr(mod, "k", 0) else {}
                        got[i] = _predict(mod, y, h, lv, lengths is not None and len(y) != lengths[i], kw)
                except Exception:  # noqa: BLE001
                    continue
        out[n] = {}
        for i, p in got.items():
            p = {k: np.asarray(v, np.float64)[:h] for k, v in p.items()}
            if all(np.all(np.isfinite(v)) for v in p.values()):
                out[n][i] = p
    return out


def _predict(mod, y, h, levels, newer: bool, kw) -> dict:
    return mod.forward(y=y, h=h, level=levels, **kw) if newer else mod.predict(h=h, level=levels, **kw)
