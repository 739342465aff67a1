"""Fitting on a panel: which series train, which scope, which differencing; then the fit.

    state = fit_panel(settings, panel)   # a frozen FittedState: panel, ensemble, scope, per_series, ...

A series trains an LSTM when its status is "ok" and it holds enough values; the others are marked ("too_short", ...)
and fall back to seasonal naive (`strict=True`: an error). With no series to train, the first one's reason is the error.
"""
from __future__ import annotations

import contextlib
import dataclasses
import time
from collections import Counter

import numpy as np

from ..data.panel import summary_line as panel_summary
from ..errors import DataError
from ..models.baselines import fallback
from ..models.ensemble import fit_ensemble, min_length
from ..models.statchild import StatsBeside, wanted
from ..models.statmembers import fit_stats, members, prefetch, say_left_out
from .calchoice import calendar_step
from .calibration import calibrate
from .combine import errors_mse, fold_errors, fold_mse, holdout_mse, inverse_mse_weights, step_weights
from .covchoice import CovPlan, plan_covariates, user_X, with_widths
from .scope import choose_scope
from .select import FOLDS, VALIDATE_UP_TO, calibration_horizon, candidates, choose_diffs, fold_width
from .settings import Settings, season_length_for, season_phase
from .state import Choices, FittedState, ready


def eligible(panel, spec, diff=()) -> np.ndarray:
    """Indices of the series that can train; marks the short ones 'too_short' in the panel."""
    need = min_length(spec, diff)
    out = []
    for i in range(len(panel)):
        if panel.status[i] != "ok":
            continue
        n = len(panel.values[i])
        if spec.transform in ("log", "boxcox") and np.min(panel.values[i]) <= 0:
            j = int(np.argmin(panel.values[i]))
            panel.set_status(i, "nonpositive", f"transform {spec.transform!r} needs values > 0; "
                             f"{panel.index(i)[j].date()} has {panel.values[i][j]:g}")
            continue
        if n < need:
            R = spec.recipe
            panel.set_status(i, "too_short", f"{n} values; look_back {R.look_back}, horizon {R.h}"
                             f"{', differencing ' + str(list(diff)) if diff else ''} and {8} training windows"
                             f" need at least {need}")
            continue
        out.append(i)
    return np.asarray(out, int)


def _first_problem(panel) -> str:
    i = int(np.flatnonzero(panel.status != "ok")[0])
    status, reason = str(panel.status[i]), str(panel.reason[i])
    label = f"series {panel.ids[i]!r}" if len(panel) > 1 else "the series"
    if panel.source and panel.source not in ("frame", "data"):
        label = f"{panel.source}: {label}"
    text = {"too_short": f"is too short: {reason}; lower look_back or use a longer series",
            "constant": f"is {reason}; there is nothing to learn",
            "missing": f"has {reason}; fill them with --fill interpolate or --fill ffill",
            "gaps": f"has {reason}; fill them with --fill interpolate or --fill ffill",
            "infinite": f"has {reason}; remove or replace it",
            "empty": f"has no finite value{': ' + reason if reason else ''}",
            "nonpositive": f"cannot take the transform: {reason}; use --transform none",
            "diverged": f"{reason}",
            "magnitude": f"has {reason}; multiply column {panel.target_col!r} by a power of ten to bring it "
                         "within that range"
            }.get(status, f"is {status}: {reason}")
    return f"{label} {text}"


def fit_panel(settings: Settings, panel, strict: bool = False, progress=None, scope: str | None = None,  # noqa: C901
              diffs=None, pad_windows=None, cov=None, weights=None, stats_only_ok=False, calibration=None,
              cov_choice=None, init=None, warm=None, on_choices=None) -> FittedState:
    """Fit the settings on panel. scope/diffs/weights/calibration/cov_choice, when given, replace the automatic
    choices (backtests reuse them). cov: the panel's `Covariates` (data/covariates.py); with the user's
    covariates, scope "auto" is global for a panel (local for one series), and each member that can take them
    is validated with and without them (fit/covchoice.py: the LSTM, and AutoARIMA with the future ones as
    regressors; AutoETS takes none); built-in ones (calendar, holidays: with calendar="auto" those that
    fit/calchoice.py keeps by validation) go into every variant.
    stats_only_ok: when no series can train an LSTM, let a combination's statistical members forecast
    (backtest windows too short for the LSTM) instead of raising the first series' problem.
    init: the fine-tuned pretrained LSTM to start from (a saved model's: `Forecaster.update`, `fit --init`);
    warm: an earlier fit's local Ensemble whose weights start the LSTM's training (models/ensemble.py).
    weights/calibration may also be Futures, waited for only once this fit's own training is done.
    on_choices: called with the fit's `Choices` as soon as they are made, before the final training (a
    backtest starts its later windows with them)."""
    user_cov = not no_user_covariates(cov)
    cov = None if cov is None or cov.empty else cov
    t0 = time.perf_counter()
    say = progress or (lambda *a, **k: None)
    settings.check_params()
    m = int(settings.season_length or season_length_for(panel.freq))
    typical = int(np.median(panel.lengths)) if len(panel) else 0
    scope = scope or settings.scope
    probe = settings.spec("local" if scope == "auto" else scope, m, typical)
    lb_diff = settings.global_diff() if (scope == "global" or not isinstance(settings.diff, str)) else ()
    longest = int(np.max(panel.lengths, initial=0))
    names = members(settings.model, len(panel), longest * m)
    if names[0] != "lstm":        # no network to train: the members (the pretrained LSTM, AutoETS, ...) alone
        return _members_only(settings, panel, m, typical, names, cov, user_cov, strict, t0, weights, init)
    idx = eligible(panel, probe, lb_diff)
    if strict and np.any(panel.status != "ok"):
        raise DataError(_first_problem(panel) + " (strict mode: every series must be usable)")
    stat_names = names[1:]
    if settings.model is None and "arima" not in stat_names:
        say_left_out(stat_names, len(panel), longest, m, say)
    if stat_names and not wanted(stat_names, len(statable(panel))):   # (a child process imports its own)
        prefetch(stat_names)
    if len(idx) == 0:
        if stats_only_ok and stat_names and len(statable(panel)):   # the statistical members forecast alone
            return _finish(settings, panel, m, "local", {}, settings.spec("local", m, typical), None,
                           np.zeros(len(panel), int), [], [], [], {}, cov, stat_names, t0, weights,
                           calibration=calibration, plan=_reused(cov, cov_choice), init=init)
        raise DataError(_first_problem(panel) if len(panel) == 1 else
                        f"no series can train an LSTM ({_summary(panel)}); first: {_first_problem(panel)}")
    scores, holdout = {}, {}
    if scope == "auto" and (user_cov or len(idx) < 2):
        scope = "global" if len(idx) >= 2 else "local"
    if scope == "auto":
        scope, scores, holdout = choose_scope(settings, panel, idx, m, say, cov, fit_panel)
    spec = _resolved(settings, panel, idx, scope, m, typical, pad_windows, bool(stat_names))
    phase0 = np.array([season_phase(s, m) for s in panel.starts])
    early = not user_cov and wanted(stat_names, len(statable(panel)))   # a child starts now, beside the choices
    stats = StatsBeside(panel.values, statable(panel), m, stat_names, None, None, init) if early else None
    with stats or contextlib.nullcontext():        # (a failure below ends the child)
        cov, spec, plan, cal, diffs, diff_scores, step_mse, holdout = _choices(
            settings, panel, idx, m, scope, spec, phase0, cov, stat_names, cov_choice, user_cov, diffs, holdout, say)
        diffs, diff_scores, step_mse = _differencing(settings, spec, panel, idx, phase0, scope, user_cov, diffs,
                                                     diff_scores, step_mse, cov, say)
        idx, diffs, diff_scores, step_mse = _drop_too_short(panel, spec, idx, diffs, diff_scores, step_mse)
        if on_choices is not None:
            on_choices(Choices(scope, {int(i): tuple(d) for i, d in zip(idx, diffs)}, _choice_record(plan, cal),
                               validation_ran(settings, scope, cov, len(idx)) and not any(diff_scores)))
    say(f"training {'one ensemble' if scope == 'global' else 'one ensemble per series'}: {len(idx)} series x "
        f"{spec.seeds} seeds ...")
    stats = stats or StatsBeside(panel.values, statable(panel), m, stat_names, *_stat_inputs(plan), init)
    with stats:
        ens = fit_ensemble(spec, panel.values, idx, diffs, phase0, _bar(say, "training"),
                           cov=plan.lstm_cov if plan is not None else cov, warm=warm)
    bad = set(ens.extra.get("diverged", []))
    for i in bad:
        panel.set_status(i, "diverged", f"training diverged to NaN (learning_rate={spec.train.learning_rate}); "
                         "try a lower --learning-rate")
    keep = [j for j, i in enumerate(idx) if int(i) not in bad]
    idx, diffs, diff_scores = idx[keep], [diffs[j] for j in keep], [diff_scores[j] for j in keep]
    mse_by_series = {int(i): s for i, s in zip(idx, [step_mse[j] for j in keep])}
    if strict and bad:
        raise DataError(_first_problem(panel) + " (strict mode: every series must be usable)")
    return _finish(settings, panel, m, scope, scores, spec, ens, phase0, idx, diffs, diff_scores, mse_by_series, cov,
                   stat_names, t0, weights, holdout, calibration, plan=plan, init=init, cal=cal, stats=stats)


def _choices(settings, panel, idx, m, scope, spec, phase0, cov, stat_names, cov_choice, user_cov, diffs, holdout,
             say):
    """The calendar kept (calchoice.py), then which members keep the user's covariates (covchoice.py), each
    validated with the LSTM's differencing. Returns (cov, spec, plan, calendar record, diffs, diff_scores,
    step_mse, holdout)."""
    n = len(idx)
    diff_scores, step_mse = [{} for _ in range(n)], [{} for _ in range(n)]
    cal = calendar_step(settings, panel, idx, scope, spec, phase0, cov, cov_choice, _bar(say, "selection"), say)
    cov, spec, plan = cal.cov, with_widths(spec, cal.cov), None
    if cal.base is not None and diffs is None and not user_cov:
        diffs, diff_scores, step_mse = cal.base
    if user_cov:    # which members keep the user's covariates (the LSTM's are validated with its differencing)
        plan = plan_covariates(settings, panel, idx, m, scope, spec, phase0, cov, stat_names,
                               cov_choice, say, fit_panel, _bar(say, "selection"), base=cal.base)
        spec = plan.spec
        if plan.lstm is not None and plan.lstm.diffs is not None and diffs is None:
            diffs = plan.lstm.diffs
            diff_scores, step_mse = plan.lstm.diff_scores or diff_scores, plan.lstm.step_mse or step_mse
        holdout = plan.lstm.holdout if plan.lstm is not None and plan.lstm.holdout else holdout
    return cov, spec, plan, cal.record, diffs, diff_scores, step_mse, holdout


def _resolved(settings: Settings, panel, idx, scope: str, m: int, typical: int, pad_windows, combined=False):
    """The fit's Spec; global: sized by its pooled windows (settings.spec: seeds and learning rate of a large
    pool), counted with the lags given in the settings (none when automatic); combined: the LSTM is one
    member of a combination (its automatic seeds: settings.MEMBER_SEEDS)."""
    spec = settings.spec(scope, m, typical, combined=combined)
    if scope == "global":
        R = spec.recipe
        lost = sum(settings.global_diff()) + R.look_back + R.h - 1
        spec = settings.spec(scope, m, typical, int(np.maximum(panel.lengths[idx] - lost, 0).sum()), combined)
    return dataclasses.replace(spec, pad_windows=int((pad_windows or {}).get(scope, 0)))


def _differencing(settings, spec, panel, idx, phase0, scope, user_cov, diffs, diff_scores, step_mse, cov, say):
    """Each training series' differencing lags, with their validation scores: as given (`diffs`, by series
    index or in order), the same for all (global scope, lags given in the settings, the user's covariates), or
    chosen per series: by rolling validation up to VALIDATE_UP_TO series, by unit-root tests above.
    Returns (diffs, diff_scores, step_mse)."""
    if diffs is not None:
        return ([diffs[i] for i in idx] if isinstance(diffs, dict) else list(diffs)), diff_scores, step_mse
    if scope == "global" or not isinstance(settings.diff, str) or user_cov:
        return [settings.global_diff()] * len(idx), diff_scores, step_mse
    if len(idx) <= VALIDATE_UP_TO:
        say(f"choosing differencing for {len(idx)} series by rolling validation ...")
        return choose_diffs(spec, panel.values, idx, phase0, _bar(say, "selection"), cov)
    # a big panel: the unit-root tests' choice per series (validation would cost ~3x the fit)
    say(f"choosing differencing for {len(idx)} series by unit-root tests (over {VALIDATE_UP_TO} "
        "series; set diff= to fix it) ...")
    return [candidates(panel.values[i], spec, spec.transform)[0] for i in idx], diff_scores, step_mse


def _drop_too_short(panel, spec, idx, diffs, diff_scores, step_mse):
    """The series too short for their differencing are marked 'too_short' and leave the training set."""
    keep = [j for j, i in enumerate(idx) if len(panel.values[i]) >= min_length(spec, diffs[j])]
    kept = set(keep)
    for j, i in enumerate(idx):
        if j not in kept:
            panel.set_status(i, "too_short", f"{len(panel.values[i])} values are too few for differencing "
                             f"{list(diffs[j])}")
    return (idx[keep], [diffs[j] for j in keep], [diff_scores[j] for j in keep], [step_mse[j] for j in keep])


def _members_only(settings, panel, m, typical, names, cov, user_cov, strict, t0, weights, init=None) -> FittedState:
    """A combination without the LSTM trained on the data (e.g. "pretrained+ets+arima"): each member fits
    each series it can; weights from the members' errors on the same rolling folds that validate the LSTM."""
    if user_cov:
        raise DataError(f"model {'+'.join(names)!r} cannot use covariates; add 'lstm' (e.g. "
                        f"'lstm+{'+'.join(names)}') or leave the covariates out")
    if strict and np.any(panel.status != "ok"):
        raise DataError(_first_problem(panel) + " (strict mode: every series must be usable)")
    if not len(statable(panel)):
        raise DataError(_first_problem(panel) if len(panel) == 1 else
                        f"no series can be forecast ({_summary(panel)}); first: {_first_problem(panel)}")
    prefetch(names)
    spec = settings.spec("local", m, typical)
    return _finish(settings, panel, m, "local", {}, spec, None, np.zeros(len(panel), int), [], [], [], {}, cov,
                   names, t0, weights, lstm=False, init=init)


def _fold_weights(st: FittedState, names) -> dict:
    """{series: {member: [w per step]}} from each member's errors on the validation folds (no LSTM trained)."""
    R, out = st.spec.recipe, {}
    for i in range(len(st.panel)):
        present = [n for n in names if i in st.stat_fits[n]]
        if len(present) < 2:
            continue
        mse = {n: fold_mse(st.panel.values[i], R.h, R.m, n, FOLDS, fold_width(R.m), st.stat_fits[n][i])
               for n in present}
        out[i] = step_weights(mse)
    return out


def _weights(st: FittedState, stat_names, holdout) -> tuple[dict, dict]:
    """({series: {member: weight}}, {series: {member: signed fold errors}}), inverse validation MSE: per
    series from the differencing folds where the LSTM's differencing was chosen by validation (the
    members' fold errors then also calibrate the combination's bands: calibration.py); else one set for
    the whole panel from the scope holdout (errors scaled per series); {} (equal weights) where neither ran."""
    if not stat_names:
        return {}, {}
    if "lstm" not in st.members:
        return _fold_weights(st, stat_names), {}
    out, errs = {}, {}
    R = st.spec.recipe
    X = arima_regressors(st)
    if holdout and not any(st.diff_scores.values()):
        mse = holdout_mse(st.panel.values, holdout, st.m, stat_names, X)
        return ({i: inverse_mse_weights(mse) for i in st.diffs} if mse else {}), {}
    for i, d in st.diffs.items():
        scores = st.diff_scores.get(i) or {}
        key = ",".join(map(str, d)) or "none"
        present = [n for n in stat_names if i in st.stat_fits[n]]   # a member that could not fit it is out
        if not present:
            continue
        if key not in scores:     # too short for any fold: an LSTM nobody measured gets no weight
            if validation_ran(st.settings, st.spec.scope, st.cov, len(st.diffs)):
                out[i] = {"lstm": 0.0, **{n: 1.0 / len(present) for n in present}}
            continue
        mse = {"lstm": np.asarray(st.step_mse.get(i, {}).get(key, np.full(R.h, scores[key] ** 2)))}
        folds = st.step_mse.get(i, {}).get("folds", FOLDS)           # the folds that scored the LSTM's candidates
        lstm_err = st.step_mse.get(i, {}).get("errors")
        H = lstm_err.shape[1] if lstm_err is not None else calibration_horizon(R.h)
        errs[i] = {n: fold_errors(st.panel.values[i], R.h, R.m, n, folds, fold_width(R.m), st.stat_fits[n][i], H,
                                  X=X.get(i) if n == "arima" else None)
                   for n in present}
        mse.update({n: errors_mse(e, R.h) for n, e in errs[i].items()})
        out[i] = step_weights(mse)
    return out, errs


def arima_regressors(st: FittedState, cov=None) -> dict:
    """{series: its user future covariates} of the series whose AutoARIMA takes them as regressors (cov:
    the fit's covariates, or those continued over a forecast's horizon)."""
    X = user_X(st.cov if cov is None else cov)
    return {i: X[i] for i, mod in st.stat_fits.get("arima", {}).items() if getattr(mod, "k", 0) and i in X}


def validation_ran(settings: Settings, scope: str, cov, n_trained: int) -> bool:
    """Whether a fit in this scope chose differencing by validation (local scope, diff="auto", a panel of at
    most VALIDATE_UP_TO series that trained an LSTM; with the user's covariates or without)."""
    return scope == "local" and isinstance(settings.diff, str) and 0 < n_trained <= VALIDATE_UP_TO


def no_user_covariates(cov) -> bool:
    """No covariates, or only built-in ones (calendar, holidays): the statistical members may combine."""
    return cov is None or cov.empty or cov.builtin_only


def statable(panel) -> np.ndarray:
    """Series a statistical member may take: every value present and finite (too short for the LSTM,
    non-positive under log, or diverged is fine)."""
    return np.flatnonzero(np.isin(panel.status, ("ok", "too_short", "nonpositive", "diverged")))


def _finish(settings, panel, m, scope, scores, spec, ens, phase0, idx, diffs, diff_scores, step_mse, cov, stat_names,
            t0, weights=None, holdout=None, calibration=None, lstm: bool = True, plan=None, init=None,
            cal=None, stats=None) -> FittedState:
    """The FittedState of a fit whose choices are made and LSTM trained (ens; None without one). stats: the
    statistical members' fits running beside the training (StatsBeside), else they are fitted here."""
    fits = stats.result() if stats is not None else \
        fit_stats(panel.values, statable(panel), m, stat_names, *_stat_inputs(plan), init)
    st = FittedState(
        settings=settings, panel=panel, m=m, scope=scope, scope_scores=scores, spec=spec, ensemble=ens,
        phase0=phase0, cov=cov, diffs={int(i): tuple(d) for i, d in zip(idx, diffs)},
        diff_scores={int(i): s for i, s in zip(idx, diff_scores)}, step_mse=step_mse if ens is not None else {},
        loss=ens.loss if ens is not None else None, val_loss=ens.val_loss if ens is not None else None,
        stat_fits=fits,
        members=("lstm",) * lstm + tuple(stat_names),   # what forecasts: the LSTM, and the members combined with it
        weights={}, fit_seconds=0.0, cov_choice=_choice_record(plan, cal))
    weights, calibration = ready(weights), ready(calibration)     # another fit's, perhaps still running
    found, errs = _weights(st, stat_names, holdout or {}) if weights is None else (dict(weights), {})
    cal = calibrate(st.diffs, st.step_mse, found, errs, panel.values, spec.recipe.h, m) if calibration is None else \
        {i: c for i, c in calibration.items() if i in st.diffs}
    st = st.replace(weights=found, calibration=cal)
    return st.replace(fit_seconds=time.perf_counter() - t0, per_series=per_series(st))


def _stat_inputs(plan) -> tuple[object, object]:
    """(X, prefit) of fit_stats: AutoARIMA's regressors and the fits the covariate choice already made."""
    return (plan.arima_X if plan else None,
            {"arima": plan.arima_fits} if plan is not None and plan.arima_fits is not None else None)


def _choice_record(plan, cal):
    """The fit's cov_choice: the user's covariates per member (plan), and the calendar's record (cal)."""
    choice = dict(plan.choice) if plan is not None else {}
    if cal:
        choice["calendar"] = cal
    return choice or None


def _reused(cov, cov_choice):
    """The plan of a fit where no LSTM trains (the statistical members alone): a given choice's AutoARIMA
    regressors, or none (nothing validated them)."""
    if no_user_covariates(cov):
        return None
    given = cov_choice or {"lstm": {"kept": False, "why": "no series could train an LSTM"}}
    kept = set(given.get("arima", {}).get("series_kept", ()))
    return CovPlan(given, None, None, arima_X={i: x for i, x in user_X(cov).items() if i in kept})


def _bar(say, what):
    def tick(done, total):
        say(f"{what}: {done}/{total} series", progress=(done, total))
    return tick


def _summary(panel) -> str:
    c = Counter(s for s in panel.status if s != "ok")
    return ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in c.most_common())


def per_series(st: FittedState):
    """One row per series: unique_id, length, start, end, status, reason, model, diff."""
    panel = st.panel
    df = panel.per_series()
    model = [series_model(st, i) or fallback(panel.values[i], 1, st.m)[1] for i in range(len(panel))]
    df["model"] = model
    df["diff"] = [",".join(map(str, st.diffs[i])) if i in st.diffs else "" for i in range(len(panel))]
    return df


def series_model(st: FittedState, i: int) -> str:
    """The members that forecast series i ('lstm+ets', 'lstm', 'ets-fallback' when the LSTM could not take it);
    '' when none (the series falls back to a baseline)."""
    stats = [n for n, per in st.stat_fits.items() if i in per]
    w = st.weights.get(i) or {}
    if i in st.diffs or ("lstm" not in st.members and stats):
        lead = ["lstm"] if i in st.diffs else []
        return "+".join(n for n in lead + stats if np.max(w.get(n, 1.0)) > 0)
    return "+".join(stats) + "-fallback" if stats else ""


def summary_line(panel) -> str:
    """'3 of 120 series fall back to a baseline: 1 too short, ...', or '' when none do."""
    if np.all(panel.status == "ok"):
        return ""
    return panel_summary(panel)
