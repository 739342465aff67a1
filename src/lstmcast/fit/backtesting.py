"""Rolling-origin forecasts of fitted settings over a panel, in statsforecast's cross_validation frame.

    bt = cross_validation(settings, panel, h=12, n_windows=4, step_size=12, refit=True, levels=[], members=False)
    bt.cv       # unique_id, ds, cutoff, y, lstm (+ lstm-lo-80 / lstm-hi-80, lstm-seed-k)
    bt.models   # unique_id, cutoff, model: which model made each window's forecast
    bt.first    # the FittedState of the window that made the choices

Cut-offs are per series: its last n_windows origins `step` apart, the last one h values before its end,
so every forecast is scored on values the model never saw (its scaler and transforms included). The
scope, the differencing, the combination's weights and the bands' validation errors are chosen once, on
the data up to the first cut-off (or the first whose data are long enough to validate them); refit=True then fits
again at each cut-off (those fits are independent: they run several at once, one per core; with WARM_REFITS
a local LSTM starts from the first window's weights, which saw only data before every later cut-off),
refit=False moves the input window with the parameters frozen.
"""
from __future__ import annotations

import functools
from concurrent.futures import Future
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..data.covariates import lstm_part, user_X
from ..errors import DataError
from ..models.baselines import fallback
from ..models.statmembers import members as members_of
from ..models.statmembers import stat_forecasts
from ..scale.threads import Background, cpu_workers, map_threads
from .calchoice import with_chosen
from .combine import combine
from .fitting import fit_panel, validation_ran
from .predicting import forecast_frame, point
from .settings import Settings, season_length_for
from .state import Choices, FittedState

WINDOWS_AT_ONCE_UP_TO = 128     # panels up to this many series fit their later backtest windows at once
WARM_REFITS = False             # True: local scope's later windows start their LSTMs from the choosing window's
                                # weights, for a quarter of the budget (models/ensemble.py warm_config). Off: on the
                                # design half it cost the LSTM member 1.5% (corpus) and 5% (prison) of MASE
                                # (benchmarks/README.md)


def cutoff_positions(lengths, h: int, n_windows: int, step_size: int) -> np.ndarray:
    """(N, W) index of the last training value of each series' windows, oldest first (< 1: unusable): the
    one place that places backtest windows (statsforecast's cross_validation: the last window ends with the
    series, the others step_size earlier each)."""
    lengths = np.asarray(lengths)
    return lengths[:, None] - 1 - h - step_size * np.arange(n_windows)[::-1][None, :]


def cutoffs(n: int, h: int, n_windows: int, step_size: int) -> np.ndarray:
    """`cutoff_positions` of one series of n values; a one-line error when it is too short for them."""
    c = cutoff_positions([n], h, n_windows, step_size)[0]
    if c[0] < 1:
        raise DataError(f"{n_windows} windows of horizon {h} spaced {step_size} need more than "
                        f"{h + step_size * (n_windows - 1) + 1} values; the series has {n}")
    return c


class Backtest(NamedTuple):
    cv: pd.DataFrame                 # statsforecast's frame: unique_id, ds, cutoff, y, lstm / combo, ...
    models: pd.DataFrame             # unique_id, cutoff, model: what forecast each series in each window
    first: FittedState | None        # the fit of the window whose choices (scope, diffs, weights) the others reuse


def cross_validation(settings: Settings, panel, h, n_windows, step_size, refit, levels, members, progress=None,
                     cov=None) -> Backtest:
    """cov: the panel's Covariates; future ones take their actual values after each cut-off (the
    standard oracle setting); historical ones are held at the cut-off; scaling uses each fit's training part."""
    say = progress or (lambda *a, **k: None)
    step = h if step_size is None else step_size
    for name, v in (("h", h), ("n_windows", n_windows), ("step_size", step)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
            raise DataError(f"{name} must be a whole number > 0; got {v!r}")
    if levels and not refit:
        raise DataError("intervals in a backtest need refit=True (each cut-off calibrates its own)")
    cuts = cutoff_positions(panel.lengths, h, n_windows, step)
    usable = np.flatnonzero(cuts[:, 0] >= 1)
    if len(usable) == 0:
        i = int(np.argmax(panel.lengths))
        raise DataError(f"{n_windows} window(s) of horizon {h} spaced {step} need more than "
                        f"{h + step * (n_windows - 1) + 1} values; the longest series has {panel.lengths[i]}")
    if len(usable) < len(panel):
        say(f"backtest: {len(panel) - len(usable)} series too short for {n_windows} window(s) of horizon {h} "
            "are left out")
    sub = panel.subset(usable)
    cuts = cuts[usable]
    cov = None if cov is None or cov.empty else cov.subset(usable)
    combo = len(members_of(settings.model, len(sub))) > 1
    pad = _largest_window_count(settings, sub, cuts[:, -1])
    # the windows after the choices are independent: several fit at once (one per core, scale/threads.py)
    # a big panel's windows one at a time (memory), each using every core for its chunks; on an
    # accelerator one at a time too (it runs one program at a time)
    n_at_once = max(1, min(n_windows - 1, cpu_workers() if len(sub) <= WINDOWS_AT_ONCE_UP_TO else 1))

    def window(w, choices=None, on_choices=None):
        """Fit at the w-th cut-offs (with the first window's choices, if given: then quietly, since
        those windows run in threads) -> (frames, models, fit)."""
        part = sub.truncate(cuts[:, w])
        if choices is None:
            say(f"backtest window {w + 1}/{n_windows}: fitting on data up to each series' cut-off ...")
            fit = fit_panel(settings, part, progress=say, pad_windows=pad, cov=cov, stats_only_ok=True,
                            on_choices=on_choices)
        else:
            fit = fit_panel(settings, part, scope=choices.scope, pad_windows=pad,
                            diffs={i: choices.diffs.get(i, settings.global_diff()) for i in range(len(part))},
                            cov=cov, weights=choices.weights, calibration=choices.calibration, stats_only_ok=True,
                            cov_choice=choices.cov_choice, warm=choices.ensemble if WARM_REFITS else None)
        f = forecast_frame(fit, h, None, levels, members, parts=combo)
        if getattr(f[sub.time_col].dtype, "tz", None) is not None:   # backtests run on the wall-clock grid
            f[sub.time_col] = f[sub.time_col].dt.tz_localize(None)
        return _attach(f, sub, cuts[:, w], h, combo), _models(fit, sub, cuts[:, w]), fit

    def tick(done, total):
        say(f"backtest windows: {done}/{total} fitted", progress=(done, total))

    def start(later, chosen_by):
        k = min(len(later), n_at_once)
        say(f"backtest window{'s' if len(later) > 1 else ''} {later[0] + 1}-{later[-1] + 1}/{n_windows}: fitting "
            f"with the choices of window {chosen_by + 1}{f', {k} at once' if k > 1 else ''} ...")

    out, first = {}, None
    early = _EarlyWindows(refit and n_at_once > 1 and not WARM_REFITS and n_windows > 1, window, n_windows,
                           n_at_once, start)
    for w in range(n_windows):
        if early.run is not None:     # window 1's choices came before its training: the rest already run
            break
        if w > 0 and not refit:
            assert first is not None            # window 0 set it
            out[w] = (_frozen_window(first, sub, cuts[:, w], h, members, cov, combo), _models(first, sub, cuts[:, w]))
        elif first is None or _choose_again(first):
            *out[w], first = early.first(w) if w == 0 else window(w)
        else:
            later = list(range(w, n_windows))
            start(later, max(out))
            again = functools.partial(window, choices=first)
            for v, res in zip(later, map_threads(again, later, n_at_once, tick=tick)):
                out[v] = res[:2]
            break
    if early.run is not None:
        for v, res in zip(range(1, n_windows), early.run.results(tick)):
            out[v] = res[:2]
    frames = [out[w][0] for w in range(n_windows)]
    models = [out[w][1] for w in range(n_windows)]
    return Backtest(pd.concat(frames, ignore_index=True), pd.concat(models, ignore_index=True), first)


class _EarlyWindows:
    """Window 1 of a refitting backtest, whose later windows start as soon as its choices are made
    (fit_panel's on_choices: scope, differencing, covariates), while its own final training and its
    statistical members run: the later windows wait for its weights and calibration (Futures) only at
    their end. `first(0)` runs window 1; `run` is the later windows' Background (None: not started, e.g.
    no validation could choose, and the loop goes on as before)."""

    def __init__(self, allowed, window, n_windows, n_at_once, start):
        self.allowed, self.window, self.n_windows, self.n_at_once, self.start = \
            allowed, window, n_windows, n_at_once, start
        self.run, self.weights, self.calibration = None, Future(), Future()

    def _launch(self, ch: Choices):
        if not self.allowed or ch.retry:
            return
        later = list(range(1, self.n_windows))
        given = _Given(ch.scope, ch.diffs, self.weights, self.calibration, ch.cov_choice, None)
        self.start(later, 0)
        # one thread more than the cores: a window that trained before window 1 did waits for its weights
        # without keeping a core idle
        self.run = Background(lambda w: self.window(w, given), later, min(len(later), self.n_at_once + 1))

    def first(self, w):
        try:
            res = self.window(w, on_choices=self._launch)
        except BaseException as e:
            if self.run is not None:            # the later windows waiting for its weights stop too
                self.weights.set_exception(e)
                self.calibration.set_exception(e)
                self.run.cancel()
            raise
        self.weights.set_result(res[2].weights)
        self.calibration.set_result(res[2].calibration)
        return res


class _Given(NamedTuple):
    """The choices a later window reuses (a FittedState's fields of the same names)."""
    scope: str
    diffs: dict
    weights: object               # dict, or a Future of it
    calibration: object
    cov_choice: dict | None
    ensemble: object


def _choose_again(first: FittedState) -> bool:
    """True when the window that made the choices could not validate them (no series trained an LSTM,
    or local differencing by validation found no fold long enough): the next window chooses afresh, on
    its own (longer) training data only."""
    if first.ensemble is None:
        return True
    return validation_ran(first.settings, first.scope, first.cov, len(first.diffs)) and \
        not any(first.diff_scores.values())


def _largest_window_count(settings: Settings, panel, last_cut) -> dict:
    """Training windows of the last (longest) cut-off: every window pads to it, so the refits of a
    backtest share their compiled programs (global: the pooled count; local: the longest series)."""
    m = int(settings.season_length or season_length_for(panel.freq))
    if not refit_shares(settings):
        return {}
    n = np.asarray(last_cut) + 1
    out = {}
    for scope in ("local", "global"):
        rec = settings.spec(scope, m).recipe
        per = np.maximum(n - rec.look_back - rec.h + 1, 0)
        out[scope] = int(per.sum()) if scope == "global" else int(per.max(initial=0))
    return out


def refit_shares(settings: Settings) -> bool:
    return settings.validation == 0


def _rename(f, combo=False):
    """forecast frame -> cv columns: `lstm` (+ `lstm-lo-80`, ...) for the pure LSTM; for a combination
    `combo` (+ `combo-lo-80`, ...) and `lstm`, the LSTM member alone (or its fallback)."""
    name = "combo" if combo else "lstm"
    cols = {"mean": name}
    cols.update({c: f"{name}-{c}" for c in f.columns if c.startswith(("lo-", "hi-"))})
    cols.update({c: c.replace("member-", "lstm-seed-") for c in f.columns if c.startswith("member-")})
    return f.rename(columns=cols).drop(columns=["model"])


def _attach(f, panel, cut, h, combo=False):
    """Forecast frame of a fit at `cut` -> cv rows with cutoff and the actual y."""
    idc = panel.id_col
    rows = []
    pos = {k: i for i, k in enumerate(panel.ids)}
    f = _rename(f, combo)
    for key, part in f.groupby(idc, sort=False):
        i = pos[key]
        c = int(cut[i])
        part = part.copy()
        part.insert(2, "cutoff", panel.index(i)[c])
        part.insert(3, panel.target_col, np.asarray(panel.values[i], np.float64)[c + 1: c + 1 + h])
        rows.append(part)
    return pd.concat(rows, ignore_index=True)


def _frozen_window(fit: FittedState, panel, cut, h, members, cov=None, combo=False):
    """Forecasts from `cut` with the parameters of the first window's fit (`combo`: also the combination)."""
    idc, tc = panel.id_col, panel.time_col
    vals = [np.asarray(v, np.float64) for v in panel.values]
    origins = {i: np.array([int(cut[i])]) for i in fit.diffs}
    lcov = lstm_part(with_chosen(cov, panel, fit.cov_choice), fit.cov_choice)
    paths = fit.ensemble.paths(vals, origins, h, cov=lcov) if fit.ensemble is not None else {}
    upto = {i: vals[i][: int(cut[i]) + 1] for i in range(len(panel))}
    stats = stat_forecasts(fit.stat_fits, upto, h, [], lengths=fit.panel.lengths, X=user_X(cov))
    rows = []
    for i in range(len(panel)):
        c = int(cut[i])
        row = {idc: np.repeat(np.asarray(panel.ids[i:i + 1], dtype=object), h),
               tc: panel.index(i)[c + 1: c + 1 + h], "cutoff": panel.index(i)[c],
               panel.target_col: vals[i][c + 1: c + 1 + h]}
        if i in paths:
            p = paths[i][:, 0, :]
            row["lstm"] = point(fit, p)
        else:
            f, _ = fallback(vals[i][: c + 1], h, fit.m)
            if f is None:
                continue
            p, row["lstm"] = None, f
        if combo:
            got = ([("lstm", {"mean": row["lstm"]})] if i in paths else []) + \
                [(n, per[i]) for n, per in stats.items() if i in per]
            row["combo"] = combine(got or [("lstm", {"mean": row["lstm"]})], [], fit.weights.get(i))["mean"]
        if members:
            for k in range(fit.spec.seeds):
                row[f"lstm-seed-{k}"] = p[k] if p is not None else row["lstm"]
        rows.append(pd.DataFrame(row))
    return pd.concat(rows, ignore_index=True)


def _models(fit: FittedState, panel, cut):
    names = fit.per_series["model"].to_numpy()
    return pd.DataFrame({panel.id_col: panel.ids, "cutoff": [panel.index(i)[int(c)] for i, c in enumerate(cut)],
                         "model": names})
