"""Covariates that earn their place: each member that can take the user's covariates is validated with and
without them, on the folds (or holdout) that already choose differencing and weights, and keeps them
only where they lower its validation error.

    plan = plan_covariates(settings, panel, idx, m, scope, spec, phase0, cov, stat_names, given, say,
                           fit_panel, bar)   # plan.choice, .lstm_cov, .spec, .diffs, .holdout, .arima_fits
    lstm_part(cov, choice)             # what the LSTM of a fit sees: all of cov, or its built-in part
    lines = describe(choice, ids)     # fit's output, the model card

Members:
- The LSTM takes all of them (future, historical, static). Local scope: its differencing candidates are
  scored without the user's covariates on select.py's rolling folds (as when none are given), then with
  them, with no differencing and with the best candidate's differencing, on the same folds; it keeps
  them when their best RMSE is lower (a panel: when the mean over series of best RMSE with / without is
  below 1; the LSTM of a panel is one choice). Global scope (a panel): both are fitted without each
  series' last h values and scored by the mean MASE on them, as scope="auto" (scope.py) scores scopes.
- AutoARIMA takes the future ones as regressors (ARIMAX, models/arima_state.py): per series, the model
  searched with them and the one searched without are scored on the same folds (or the holdout); it
  keeps them where the mean squared error is lower.
- AutoETS takes none.
Covariates with no validation behind them (every fold too short) are dropped: nothing showed that they
help. keep_covariates=True (--keep-covariates) skips the comparison: every member that can take them
does. The built-in calendar and holiday columns are not the user's: calendar="auto" chooses them first
(calchoice.py; its scores without the user's covariates are the LSTM's "without" here), and every
variant keeps what was kept.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..data.covariates import builtin_part, lstm_part, user_X
from ..models.arima_state import ArimaMember
from ..models.statmembers import MIN_STAT_LENGTH, quiet
from .calchoice import describe_calendar, with_widths
from .combine import fold_mse
from .predicting import forecast_frame
from .select import FOLDS, VALIDATE_UP_TO, choose_diffs, fold_width, holdout_mase

KEEP_WHY = "kept: keep_covariates=True (--keep-covariates)"


@dataclass
class LstmChoice:
    kept: bool
    diffs: list | None = None           # per series of idx (None: the caller's)
    diff_scores: list | None = None
    step_mse: list | None = None
    holdout: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)


def _best(scores: dict) -> float:
    v = [s for k, s in scores.items() if k != "folds" and np.isfinite(s)]
    return min(v) if v else float("nan")


def lstm_by_folds(spec_cov, spec_plain, values, idx, phase0, cov, fixed, keep: bool, bar, base=None) -> LstmChoice:
    """Local scope: the LSTM's differencing candidates on the rolling folds, without the user's covariates
    and with them (no differencing, and the best candidate's); fixed: the differencing given (no
    candidates), or None. base: the candidates' scores without them, when the calendar's choice
    (calchoice.py) already has them (diffs, scores, step_mse)."""
    n = len(idx)
    fixed_c = None if fixed is None else [[tuple(fixed)]] * n
    if keep:
        d, s, mse = choose_diffs(spec_cov, values, idx, phase0, bar, cov, cands=fixed_c or [[()]] * n)
        return LstmChoice(True, d, s, mse, report={"kept": True, "why": KEEP_WHY})
    dp, sp, mp = base or choose_diffs(spec_plain, values, idx, phase0, bar, builtin_part(cov), cands=fixed_c)
    cands = fixed_c or [list(dict.fromkeys([(), tuple(d)])) for d in dp]
    dc, sc, mc = choose_diffs(spec_cov, values, idx, phase0, bar, cov, cands=cands)
    pairs = [(_best(sc[j]), _best(sp[j])) for j in range(n)]
    pairs = [(a, b) for a, b in pairs if np.isfinite(a) and np.isfinite(b) and b > 0]
    if not pairs:
        return LstmChoice(False, dp, sp, mp, report={"kept": False, "why": "dropped: no validation fold was long "
                                                     "enough to show that they help"})
    ratio = float(np.mean([a / b for a, b in pairs]))
    kept = ratio < 1.0
    rep = {"kept": kept, "metric": "RMSE on rolling folds", "series": len(pairs), "ratio": round(ratio, 4)}
    if len(pairs) == 1:
        rep["with"], rep["without"] = round(pairs[0][0], 6), round(pairs[0][1], 6)
    rep["why"] = "kept: they lower the validation error" if kept else "dropped: they do not lower the validation error"
    return LstmChoice(kept, dc, sc, mc, report=rep) if kept else LstmChoice(False, dp, sp, mp, report=rep)


def lstm_by_holdout(settings, panel, idx, m: int, cov, scope: str, keep: bool, say, fit_panel) -> LstmChoice:
    """Global scope: the LSTM fitted with and without the user's covariates on each series' values but its
    last h, scored by the mean MASE on those h (keep: with them only, for the weights' holdout)."""
    h = settings.spec(scope, m).recipe.h
    sub = panel.subset(idx)
    ok = np.flatnonzero(sub.lengths > h)
    sub = sub.subset(ok)
    train = sub.truncate(sub.lengths - h - 1)
    fixed = {"lstm": {"kept": True}}                  # the trials themselves do not choose again
    scores: dict[str, float] = {}
    preds: dict[str, dict[int, np.ndarray]] = {}
    for label, c in (("with", cov),) + (() if keep else (("without", builtin_part(cov)),)):
        say(f"covariates: fitting the LSTM {label} them on {len(train)} series without their last {h} values ...")
        try:
            trial = settings.replace(model="lstm", calendar=settings.calendar is True)
            fitted = fit_panel(trial, train.subset(np.arange(len(train))), scope=scope,
                               progress=lambda *a, **k: None, cov=c.subset(np.asarray(idx)[ok]) if c else None,
                               cov_choice=fixed)
            fcst = forecast_frame(fitted, h, None, [], False)
        except Exception as e:  # noqa: BLE001 - a variant that cannot fit loses
            say(f"covariates: the LSTM {label} them failed ({str(e).splitlines()[0]})")
            scores[label] = float("inf")
            continue
        errs, preds[label] = [], {}
        for i in range(len(sub)):
            rows = fcst[fcst[sub.id_col] == sub.ids[i]]
            if len(rows) != h:
                continue
            y = np.asarray(sub.values[i], np.float64)
            errs.append(holdout_mase(y[-h:], rows["mean"].to_numpy(), y[:-h], m))
            preds[label][int(idx[ok[i]])] = rows["mean"].to_numpy()
        arr = np.asarray(errs)
        scores[label] = float(np.mean(arr[np.isfinite(arr)])) if np.isfinite(arr).any() else float("inf")
    if keep:
        return LstmChoice(True, holdout={i: (p, h) for i, p in preds.get("with", {}).items()},
                          report={"kept": True, "why": KEEP_WHY})
    kept = bool(scores["with"] < scores["without"])
    rep = {"kept": kept, "metric": f"mean MASE on each series' last {h} training values",
           "with": round(scores["with"], 4), "without": round(scores["without"], 4), "series": len(sub),
           "why": "kept: they lower the validation error" if kept else
           "dropped: they do not lower the validation error"}
    label = "with" if kept else "without"
    return LstmChoice(kept, holdout={i: (p, h) for i, p in preds.get(label, {}).items()}, report=rep)


def _fold_score(mod, y, X, val) -> float:
    """Mean squared error of a fitted AutoARIMA on the validation: ("folds", h, m, folds, width) rolling
    folds (the orders kept, coefficients refitted on each), or ("holdout", h, m): searched again on all
    but the last h values."""
    if mod is None:
        return float("nan")
    if val[0] == "folds":
        _, h, m, folds, width = val
        return float(np.mean(fold_mse(y, h, m, "arima", folds, width, mod, X=X)))
    _, h, m = val
    if len(y) - h < MIN_STAT_LENGTH:
        return float("nan")
    try:
        with quiet():
            f = ArimaMember(m).fit(y[:-h], X).predict(h, None, X)["mean"]
    except Exception:  # noqa: BLE001
        return float("nan")
    return float(np.mean((np.asarray(f) - y[-h:]) ** 2))


def _fit(m, y, X=None):
    try:
        with quiet():
            return ArimaMember(m).fit(y, X)
    except Exception:  # noqa: BLE001 - a member that cannot fit a series leaves it to the others
        return None


def arima_choice(values, idx, m: int, X: dict, val, keep: bool):
    """({series: the AutoARIMA kept: with the regressors X[i] or without}, report). val: the validation
    (see _fold_score). Series that cannot fit either way are left out (fit_stats' rule)."""
    fits, used, ratios = {}, {}, []
    for i in idx:
        y = np.asarray(values[i], np.float64)
        if len(y) < MIN_STAT_LENGTH or not np.all(np.isfinite(y)) or np.ptp(y) == 0 or i not in X:
            continue
        xi = X[i]
        with_ = _fit(m, y, xi)
        if keep:
            fits[int(i)], used[int(i)] = (with_, True) if with_ is not None else (_fit(m, y), False)
            continue
        plain = _fit(m, y)
        a, b = _fold_score(with_, y, xi, val), _fold_score(plain, y, None, val)
        use = bool(np.isfinite(a) and (not np.isfinite(b) or a < b))
        if np.isfinite(a) and np.isfinite(b) and b > 0:
            ratios.append(a / b)
        fits[int(i)], used[int(i)] = (with_, True) if use else (plain, False)
    fits = {i: f for i, f in fits.items() if f is not None}
    n_kept = sum(1 for i in fits if used[i])
    rep = {"kept": n_kept > 0, "series_kept": sorted(i for i in fits if used[i]), "series": len(fits)}
    if keep:
        rep["why"] = KEEP_WHY
    else:
        rep["metric"] = "MSE on rolling folds" if val[0] == "folds" else "MSE on each series' last values"
        if ratios:
            rep["ratio"] = round(float(np.mean(ratios)), 4)
        rep["why"] = (f"kept for {n_kept} of {len(fits)} series: where they lower the validation error"
                      if n_kept else "dropped: they do not lower the validation error")
    return fits, rep


def describe(choice, ids=None) -> dict:
    """{member label: what it kept of the user's covariates, the validation errors behind it, and why}
    (ids: the panel's series ids, to name the series whose AutoARIMA kept them); {} without a choice."""
    out = {}
    if choice and describe_calendar(choice.get("calendar")):
        out["calendar"] = describe_calendar(choice.get("calendar"))
    if not choice or not choice.get("covariates"):
        return out
    for member, label in (("lstm", "LSTM"), ("arima", "AutoARIMA"), ("ets", "AutoETS"), ("theta", "AutoTheta"),
                          ("pretrained", "pretrained LSTM"), ("pretrained-ft", "fine-tuned pretrained LSTM")):
        r = choice.get(member)
        if not r:
            continue
        what = ", ".join(choice["covariates"] if member == "lstm" else choice.get("futr", []))
        errs = ""
        if "with" in r:
            errs = f" ({r['metric']}: {r['with']:.4g} with them, {r['without']:.4g} without)"
        elif "ratio" in r:
            errs = f" ({r['metric']}: with / without {r['ratio']:.3f}, mean over {r['series']} series)"
        some = ""
        if member == "arima" and r.get("kept") and ids is not None and len(ids) > 1:
            named = [str(ids[i]) for i in r.get("series_kept", [])[:5]]
            some = f" (series {', '.join(named)}{', ...' if len(r['series_kept']) > 5 else ''})"
        out[label] = f"{r['why']}{errs}" + (f"; uses {what}{some}" if r.get("kept") else "")
    return out


@dataclass
class CovPlan:
    choice: dict                        # JSON-able: what each member kept, the errors, why
    lstm_cov: object                    # the covariates the LSTM trains with (None: none)
    spec: object                        # the Spec with their input widths
    lstm: LstmChoice | None = None      # diffs / scores / holdout from the validation (None: reused choice)
    arima_X: dict = field(default_factory=dict)      # {series: regressors} of the AutoARIMAs that take them
    arima_fits: dict | None = None      # {series: fitted AutoARIMA} chosen by validation (None: fit later)


def plan_covariates(settings, panel, idx, m, scope, spec, phase0, cov, stat_names, given, say, fit_panel,
                    bar, base=None) -> CovPlan:
    """Which members keep the user's covariates: `given` (a backtest's first window, a validation trial),
    keep_covariates=True, or validation (local scope: the rolling folds; global: a holdout)."""
    X = user_X(cov)
    if given is not None:
        kept = set(given.get("arima", {}).get("series_kept", ()))
        lc = lstm_part(cov, given)
        return CovPlan(given, lc, with_widths(spec, lc), arima_X={i: x for i, x in X.items() if i in kept})
    keep = bool(settings.keep_covariates)
    if keep and not stat_names:       # nothing to validate nor weigh: the LSTM takes them, as chosen without
        lstm = LstmChoice(True, report={"kept": True, "why": KEEP_WHY})
        val: tuple | None = None
    elif scope == "local" and len(idx) <= VALIDATE_UP_TO:
        fixed = None if isinstance(settings.diff, str) else settings.global_diff()
        say(f"covariates: validating the LSTM with and without them on rolling folds ({len(idx)} series) ...")
        lstm = lstm_by_folds(with_widths(spec, cov), with_widths(spec, builtin_part(cov)), panel.values, idx,
                             phase0, cov, fixed, keep, bar, base)
        val = ("folds", spec.recipe.h, m, FOLDS, fold_width(m))
    else:
        lstm = lstm_by_holdout(settings, panel, idx, m, cov, scope, keep, say, fit_panel)
        val = ("holdout", spec.recipe.h, m)
    choice: dict[str, Any] = {"covariates": list(cov.hist_names + cov.stat_names + cov.user_futr),
                              "futr": list(cov.user_futr), "forced": keep, "lstm": lstm.report}
    fits = None
    if "arima" in stat_names and X:
        say("covariates: validating AutoARIMA with and without them as regressors ...")
        fits, choice["arima"] = arima_choice(panel.values, idx, m, X, val, keep)
    elif "arima" in stat_names:
        choice["arima"] = {"kept": False, "why": "AutoARIMA takes future covariates only, and none were given"}
    for name, label in (("pretrained", "the pretrained LSTM"), ("pretrained-ft", "the fine-tuned pretrained LSTM"),
                        ("ets", "AutoETS"), ("theta", "AutoTheta")):
        if name in stat_names:
            choice[name] = {"kept": False, "why": f"{label} takes no covariates"}
    lc = lstm_part(cov, choice)
    kept = set(choice.get("arima", {}).get("series_kept", ()))
    return CovPlan(choice, lc, with_widths(spec, lc), lstm, {i: x for i, x in X.items() if i in kept}, fits)
