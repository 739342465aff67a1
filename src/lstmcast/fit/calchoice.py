"""Calendar covariates chosen by validation (calendar="auto", the default): which of the built-in calendar
groups (data/calendar.py `calendar_groups`: time of day, day of week, weekly and yearly Fourier terms) the
LSTM takes. The holiday count (holidays=COUNTRY) is in every variant, unvalidated: a few folds rarely
hold a holiday (bench_calendar.py's holidays set: validated, it was dropped and MASE rose 16%).

    step = calendar_step(settings, panel, idx, scope, spec, phase0, cov, given, bar, say)
    step.cov       # the panel's covariates with the kept calendar columns (None: none at all)
    step.record    # JSON-able: the groups offered, kept, the validation errors, why each was dropped
    step.base      # (diffs, scores, step_mse) of the LSTM with the kept calendar, or None

Daily and finer data in local scope with validation (at most VALIDATE_UP_TO series): the LSTM's
differencing candidates are scored without any calendar on select.py's rolling folds (as the fit does
anyway), then the best candidate again with the calendar on the same folds: with every group, and (series
of at most LOO_UP_TO values) with every group but one, each group left out in turn. All the calendar
trials train in one compiled program: a variant's left-out columns are zeros, which an LSTM cannot tell
from absent inputs (their weights get no gradient). The variant with the lowest mean ratio of
validation RMSE to the plain one wins where that ratio is below 1; else no calendar. A panel makes one
choice (the LSTM's input width is one). Elsewhere (global scope, big panels, coarser data) calendar="auto"
adds nothing, holidays given stay; calendar=True (--calendar) forces calendar_names(freq) unvalidated,
calendar=False (--no-calendar) turns it off. Backtests reuse the first window's choice (`given`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.calendar import calendar_groups
from ..data.covariates import Covariates, with_builtins
from ..models.covfeat import widths
from .select import VALIDATE_UP_TO, choose_diffs

LOO_UP_TO = 4000           # longer series test the calendar as one block (each left-out group: 3 more trials)


@dataclass
class CalendarStep:
    cov: object
    record: dict | None = None
    base: tuple | None = None


def with_widths(spec, cov):
    """spec with the LSTM's input widths for cov (none for None)."""
    n, n_head, n_lead = widths(cov, spec.recipe.h) if cov is not None else (0, 0, 0)
    return dataclasses.replace(spec, recipe=dataclasses.replace(spec.recipe, n_cov=n, n_head=n_head, n_lead=n_lead))


def _key(d) -> str:
    return ",".join(map(str, d)) or "none"


def offered(settings, panel, idx, scope, cov) -> tuple[dict, str | None]:
    """({group: columns} to validate, None) or ({}, why none is validated; None: nothing to say)."""
    if settings.calendar != "auto":
        return {}, None
    n = int(np.median([len(panel.values[i]) for i in idx])) if len(idx) else 0
    groups = dict(calendar_groups(panel.freq, n))
    if not groups:
        return {}, None
    if settings.keep_covariates and cov is not None and not cov.builtin_only:
        return {}, "not validated: keep_covariates=True skips validation; calendar=True (--calendar) forces them"
    if scope != "local" or len(idx) > VALIDATE_UP_TO:
        where = "global scope" if scope != "local" else f"a panel of over {VALIDATE_UP_TO} series"
        return {}, (f"not validated in {where} (no rolling folds): none added; calendar=True (--calendar) "
                    "forces them")
    return groups, None


def calendar_step(settings, panel, idx, scope, spec, phase0, cov, given, bar, say) -> CalendarStep:
    """The kept calendar (see the module's docstring); `given`: a previous fit's cov_choice to reuse."""
    if given is not None and "calendar" in given:
        return CalendarStep(with_chosen(cov, panel, given), given["calendar"])
    groups, why = offered(settings, panel, idx, scope, cov)
    if not groups:
        return CalendarStep(cov, {"kept": [], "why": why} if why else None)
    say(f"calendar: validating {', '.join(groups)} on rolling folds ({len(idx)} series) ...")
    fixed = None if isinstance(settings.diff, str) else [[tuple(settings.global_diff())]] * len(idx)
    country = cov.holidays if cov is not None else None         # given: in every variant, never validated
    plain = with_builtins(None, panel, (), country)
    dp, sp, mp = choose_diffs(with_widths(spec, plain), panel.values, idx, phase0, bar, plain, cands=fixed)
    names = tuple(c for cols in groups.values() for c in cols)
    full = with_builtins(None, panel, names, country)
    labels = list(groups)
    variants = [tuple(labels)]
    if len(labels) > 1 and max(len(panel.values[i]) for i in idx) <= LOO_UP_TO:
        variants += [tuple(g for g in labels if g != out) for out in labels]
    values, tidx, ph, vcov = _variant_trials(panel, full, groups, variants, idx, phase0)
    _, sv, mv = choose_diffs(with_widths(spec, full), values, tidx, ph, bar, vcov,
                             cands=[[d] for d in dp] * len(variants))
    n = len(idx)
    without = [sp[j].get(_key(dp[j]), np.nan) for j in range(n)]
    ratios = []
    for v in range(len(variants)):
        pairs = [(sv[v * n + j].get(_key(dp[j]), np.nan), without[j]) for j in range(n)]
        r = [a / b for a, b in pairs if np.isfinite(a) and np.isfinite(b) and b > 0]
        ratios.append(float(np.mean(r)) if r else np.nan)
    best = int(np.nanargmin(ratios)) if np.isfinite(ratios).any() else -1
    kept = variants[best] if best >= 0 and ratios[best] < 1.0 else ()
    with_ = sv[best * n].get(_key(dp[0]), np.nan) if best >= 0 else None
    rec = _record(groups, variants, ratios, kept, without, with_, n)
    rec["columns"], rec["holidays"] = [], country
    if not kept:
        return CalendarStep(with_builtins(cov, panel, (), country), rec, (dp, sp, mp))
    cols = tuple(c for g in kept for c in groups[g])
    rec["columns"] = list(cols)
    for j in range(n):                   # the kept variant's fold scores replace the plain candidate's
        k, src = _key(dp[j]), best * n + j
        sp[j][k] = sv[src][k]
        mp[j].update({k: mv[src][k], "folds": mv[src]["folds"]})
        if "errors" in mv[src]:
            mp[j]["errors"] = mv[src]["errors"]
    return CalendarStep(with_builtins(cov, panel, cols, rec["holidays"]), rec, (dp, sp, mp))


def with_chosen(cov, panel, choice):
    """cov (None: none) with the calendar columns a fit's cov_choice kept (as they are without a choice)."""
    rec = (choice or {}).get("calendar") or {}
    if "columns" not in rec:
        return cov
    return with_builtins(cov, panel, tuple(rec["columns"]), rec.get("holidays"))


def _variant_trials(panel, full, groups, variants, idx, phase0):
    """(values, phase0, cov) of len(variants) x len(idx) trials, variant-major: series idx[j] with the
    columns of the groups a variant leaves out set to zero."""
    values, ph, F = [], [], []
    for v in variants:
        on = np.array([c == "holiday" or any(c in groups[g] for g in v) for c in full.futr_names], np.float64)
        for i in idx:
            values.append(panel.values[i])
            F.append(full.futr[i] * on[None, :])
            ph.append(phase0[i])
    T = len(values)
    cov = Covariates((), full.futr_names, (), [np.zeros((len(x), 0)) for x in values], F, np.zeros((T, 0)),
                     full.holidays, full.calendar)
    return values, np.arange(T), np.asarray(ph), cov


def _record(groups, variants, ratios, kept, plain, with_, n) -> dict:
    """What calendar="auto" offered, kept and why (fit's output, the model card, the model file)."""
    rec: dict[str, Any] = {"offered": {g: list(c) for g, c in groups.items()}, "kept": list(kept),
           "metric": "RMSE on rolling folds, the calendar's over none's" + (f", mean over {n} series" if n > 1 else ""),
           "variants": [{"groups": list(v), "ratio": round(r, 4) if np.isfinite(r) else None}
                        for v, r in zip(variants, ratios)]}
    if n == 1 and np.isfinite(plain[0]):
        rec["without"] = round(float(plain[0]), 6)
    if n == 1 and with_ is not None and np.isfinite(with_):
        rec["with"] = round(float(with_), 6)
    finite = [r for r in ratios if np.isfinite(r)]
    why = {}
    for g in groups:
        if not finite:
            why[g] = "dropped: no validation fold was long enough to show that it helps"
        elif not kept:
            why[g] = f"dropped: no calendar variant lowers the validation error (best {min(finite):.3f}x none's)"
        elif g in kept:
            out = [r for v, r in zip(variants, ratios) if g not in v and set(v) < set(kept) | {g}]
            alt = f"; {out[0]:.3f}x without it" if out and np.isfinite(out[0]) else ""
            why[g] = f"kept: lowers the validation error ({min(finite):.3f}x none's{alt})"
        else:
            why[g] = f"dropped: the validation error is lower without it ({min(finite):.3f}x none's; " \
                     f"{ratios[0]:.3f}x with every group)"
    rec["why"] = why
    return rec


def describe_calendar(rec) -> str:
    """One line: which calendar groups were kept, the validation errors, and why the others were not."""
    if not rec or "offered" not in rec:
        return (rec or {}).get("why") or ""
    errs = f" (validation RMSE {rec['with']:.4g} with, {rec['without']:.4g} without)" \
        if rec["kept"] and "with" in rec and "without" in rec else ""
    line = f"kept {', '.join(rec['kept']) or 'none'}{errs}"
    return "; ".join([line] + [f"{g} {w}" for g, w in rec["why"].items()])
