"""Choices made by validation inside the training data: differencing per series, and the scope.

    diffs, scores, step_mse = choose_diffs(spec, values, idx, phase0)   # local scope, diff="auto"
    mase = holdout_mase(values, idx, forecasts, h, m)          # one number per series

Differencing: per series, candidates (the unit-root tests' choice, (m, 1), (m,), (1,); for m > 1 also
(0, 1): a classical seasonal component removed, then one difference) are trained on 3
rolling folds of the series' own past and scored by the RMSE of h-step forecasts from one season of
origins after each fold's end, with frozen parameters, on the folds where every competing candidate
trained (`common_folds`). Each series' selection models get about SELECTION_STEPS Adam steps on
its own length (`selection_epochs`); the (series, candidate, fold) trials of one budget train
together in the local trainer's shared compiled calls.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import DataError
from ..models.ensemble import Spec, fit_ensemble, min_length
from ..models.lstm import effective_windows
from ..models.unitroot import ndiffs, nsdiffs

FOLDS = 3
SELECTION_STEPS = 800      # Adam steps per selection model at most: short series get their full epochs
SELECTION_SEEDS = 3        # members per selection model (the choice needs a stable mean, not the full ensemble)
DESEASON = ((0, 1),)       # seasonal candidates: a fixed seasonal component removed, then one difference
                           # ((0,), no difference, also tried: it lost on the corpus, benchmarks/README.md)
EPOCH_GRID = (8, 12, 16, 24, 32, 48, 64, 96)   # selection epochs of a panel of many lengths (`budgets`)
MAX_BUDGETS = 6            # distinct selection budgets in one panel (each is one more program to compile)
VALIDATE_UP_TO = 64        # local panels up to this many series choose by validation; bigger ones by the
                           # unit-root tests (AutoARIMA's own rule), since validation costs about 3x the fit


def fold_width(m: int) -> int:
    """Forecast origins per validation fold: one season, at least 4."""
    return max(int(m), 4)


def fold_cut(n: int, h: int, width: int, k: int) -> int:
    """Fold k (0 = the newest, longest) of a series of n values trains on y[:cut] and forecasts h steps
    from the `width` origins cut - 1, ..., cut + width - 2."""
    return n - h - width * (k + 1) + 1


def auto_diff(u, m: int, long_enough: bool = True) -> tuple[int, ...]:
    """Differencing lags for (transformed) values u, as AutoARIMA chooses its orders: one seasonal
    difference if nsdiffs asks for it, then ndiffs first differences (at most 2); unitroot.py has
    statsforecast's tests without importing statsforecast.arima."""
    u = np.asarray(u, np.float64)
    try:
        seasonal = m > 1 and long_enough and nsdiffs(u, m) > 0
        w = u[m:] - u[:-m] if seasonal else u
        d = int(ndiffs(w))
    except Exception:  # too short or degenerate for the tests: the airline model's orders
        return (m, 1) if m > 1 and long_enough else (1,)
    return ((m,) if seasonal else ()) + (1,) * d


def candidates(y, spec: Spec, transform: str) -> list:
    m, R = spec.recipe.m, spec.recipe
    y = np.asarray(y, np.float64)
    u = np.log(y) if transform in ("log", "boxcox") or (transform == "auto" and y.min() > 0) else y
    first = auto_diff(u, m, long_enough=len(y) >= 3 * m + R.look_back + 8)
    cands = [first, (m, 1), (m,), (1,)] if m > 1 else [first, (1,), ()]
    if m > 1:       # a fixed seasonal component removed instead of differenced away (prep/pipes.py)
        cands += list(DESEASON)
    return list(dict.fromkeys(cands))


def choose_diffs(spec: Spec, values, idx, phase0, progress=None, cov=None, cands=None):
    """Per series in idx: (the chosen lags, {"12,1": rmse, ...}, {"12,1": per-step MSE (h,), "folds": n,
    "errors": the chosen candidate's signed fold errors (n * width, calibration_horizon) for its conformal
    bands, NaN where the actual lies past the series' end}). Trials too long for a fold are skipped; the
    candidates of the longest fold compete on their common folds (scored on the first h steps). cov: the
    panel's Covariates (spec.recipe.n_cov > 0); each trial uses its series' rows, scaled on the trial's own
    training part. cands: per series of idx, the candidates to score (default `candidates`)."""
    R = spec.recipe
    m, h = R.m, R.h
    H = calibration_horizon(h) if cov is None else h     # future covariates stop at the series' end
    width = fold_width(m)
    cands_given = cands
    tspec = dataclasses.replace(spec, train=dataclasses.replace(spec.train, patience=0),
                                seeds=min(spec.seeds, SELECTION_SEEDS), n_val=0)
    groups: dict = {}            # selection epochs -> [(j, candidate, cut, fold)]
    cands_of = []
    epochs_of = budgets([selection_epochs(len(values[i]), spec) for i in idx])
    for j, i in enumerate(idx):
        y = np.asarray(values[i], np.float64)
        cands = candidates(y, spec, spec.transform) if cands_given is None else list(cands_given[j])
        cands_of.append(cands)
        for c, cut, folds in fold_trials(len(y), cands, tspec, width):
            groups.setdefault(epochs_of[j], []).append((j, c, cut, folds))
    pooled: list[dict] = [dict() for _ in idx]
    for epochs, meta in sorted(groups.items()):     # each budget's trials train together (one program)
        gspec = dataclasses.replace(tspec, train=dataclasses.replace(tspec.train, epochs=epochs))
        trial_vals = [np.asarray(values[idx[j]], np.float64)[:cut] for j, _, cut, _ in meta]
        ph = np.array([phase0[idx[j]] for j, _, _, _ in meta])
        tcov = cov.subset([idx[j] for j, _, _, _ in meta]) if cov is not None else None
        model = fit_ensemble(gspec, trial_vals, np.arange(len(trial_vals)), [c for _, c, _, _ in meta], ph,
                             progress, one_bucket=len({j for j, _, _, _ in meta}) == 1, cov=tcov)
        full = [np.asarray(values[idx[j]], np.float64) for j, _, _, _ in meta]
        origins = {t: np.concatenate([np.arange(c - 1, c + width - 1) for c in
                                      (fold_cut(len(full[t]), h, width, k) for k in folds)])
                   for t, (_, _, _, folds) in enumerate(meta)}
        p = model.paths(full, origins, H, cov=tcov)
        for t, (j, c, _cut, folds) in enumerate(meta):
            pred = p[t].mean(0)                                            # (B, H)
            o = origins[t]
            actual = np.r_[full[t], np.full(H, np.nan)][o[:, None] + 1 + np.arange(H)[None, :]]
            with np.errstate(over="ignore", invalid="ignore"):            # values near 1e300: inf, no warning
                err = pred - actual
                sq = err[:, :h] ** 2
            for r, k in enumerate(folds):                                  # each fold's `width` origins
                e, q = err[r * width:(r + 1) * width], sq[r * width:(r + 1) * width]
                pooled[j][c, k] = (float(np.sum(q)), q.size, q.sum(axis=0), e)
    diffs, scores, step_mse = [], [], []
    for j, cands in enumerate(cands_of):
        fair, steps = common_folds(pooled[j], h)
        scores.append({(",".join(map(str, c)) or "none"): float(v) for c, v in fair.items()})
        step_mse.append({(",".join(map(str, c)) or "none"): steps[c] for c in fair})
        step_mse[-1]["folds"] = steps.get("folds", FOLDS)  # how many (the newest) folds scored them
        diffs.append(min(fair, key=fair.get) if fair else cands[0])
        if fair:
            none = np.full((width, H), np.nan)
            step_mse[-1]["errors"] = np.concatenate([pooled[j][diffs[-1], k][3] if (diffs[-1], k) in pooled[j]
                                                     else none for k in range(step_mse[-1]["folds"])])
    return diffs, scores, step_mse


def fold_trials(n: int, cands, spec: Spec, width: int) -> list:
    """The selection trials of a series of n values: [(candidate, cut, folds)], each trained on y[:cut] and
    scored on the origins of `folds`. One trial per (candidate, fold) with a training cut at that fold's end;
    but a long series, whose trainings draw a subset of their windows per pass (a step budget: the folds' data
    differ by a few seasons in thousands of values), trains each candidate once, on its oldest fold, and
    scores that model, frozen, on every fold's origins (a third of the trainings)."""
    h = spec.recipe.h
    if not long_series(n, spec, width):
        return [(c, fold_cut(n, h, width, k), (k,)) for k in range(FOLDS) for c in cands
                if fold_cut(n, h, width, k) >= min_length(spec, c)]
    trials = []
    for c in cands:
        folds = tuple(k for k in range(FOLDS) if fold_cut(n, h, width, k) >= min_length(spec, c))
        if folds:
            trials.append((c, fold_cut(n, h, width, folds[-1]), folds))
    return trials


def long_series(n: int, spec: Spec, width: int) -> bool:
    """True where a selection training of the oldest fold draws a subset of its windows per pass
    (models/lstm.py effective_windows): the series of the benchmark corpus are all shorter."""
    R = spec.recipe
    n_windows = fold_cut(n, R.h, width, FOLDS - 1) - R.look_back - R.h + 1
    return effective_windows(n_windows, R.m, R.look_back) < n_windows


def calibration_horizon(h: int) -> int:
    """Steps of the fold forecasts kept for conformal bands: two of the network's horizons (a forecast
    usually asks for one or two seasons; steps past these take the last one's width, flagged)."""
    return 2 * int(h)


def selection_epochs(n: int, spec: Spec) -> int:
    """Epochs of a selection model of a series of n values: about SELECTION_STEPS Adam steps on its
    first fold, at least 10 epochs and at most the recipe's. Per series: in a panel, a short series
    gets the epochs it would get alone (one budget from the panel's median length gave the short ones
    a fraction of theirs; the corpus's 13 monthly series as one panel, 3 windows: LSTM MASE 1.049 ->
    1.017)."""
    R, E = spec.recipe, spec.train.epochs
    n_windows = effective_windows(      # a long series' passes draw a subset of its windows (lstm.py)
        max(int(n) - R.h - fold_width(R.m) - R.look_back, 1), R.m, R.look_back)
    steps_per_epoch = max(1, -(-n_windows // spec.train.batch_size))
    return int(min(E, max(10, SELECTION_STEPS // steps_per_epoch)))


def budgets(epochs: list) -> list:
    """The series' selection epochs, or, where a panel holds more than MAX_BUDGETS distinct ones, each
    moved to the nearest (in ratio) of a grid of two values per octave (EPOCH_GRID, or the recipe's
    cap): a few programs for a panel of many lengths."""
    if len(set(epochs)) <= MAX_BUDGETS:
        return list(epochs)
    grid = np.asarray(EPOCH_GRID, float)
    cap = max(epochs)
    return [e if e == cap else int(min(cap, max(10, grid[np.argmin(np.abs(np.log(grid / e)))]))) for e in epochs]


def common_folds(trials: dict, h: int):
    """{(candidate, fold): (sum of squared errors, count, per-step sums (h,))} -> ({candidate: RMSE},
    {candidate: per-step MSE (h,), "folds": how many folds count}). The candidates that compete are those
    trained on the longest fold that trained any; each is scored on the folds where all of them trained
    (shorter folds may be too short for the candidates that lose more values to differencing: scoring every
    candidate on its own folds would favour the others)."""
    by_fold: dict = {}
    for c, k in trials:
        by_fold.setdefault(k, set()).add(c)
    if not by_fold:
        return {}, {}
    comp = by_fold[min(by_fold)]
    use = [k for k in by_fold if comp <= by_fold[k]]
    fair, steps = {}, {"folds": len(use)}
    for c in comp:
        s = sum(trials[c, k][0] for k in use)
        n = sum(trials[c, k][1] for k in use)
        if np.isfinite(s) and n:
            fair[c] = float(np.sqrt(s / n))
            steps[c] = sum(trials[c, k][2] for k in use) / (n // h)
    return fair, steps


def snaive_scale(y, m: int) -> float:
    """In-sample MAE of the seasonal naive (naive when m = 1 or the series is shorter than 2 seasons)."""
    y = np.asarray(y, np.float64)
    lag = m if len(y) > m else 1
    d = np.abs(y[lag:] - y[:-lag])
    s = float(np.mean(d)) if len(d) else 0.0
    return s


def holdout_mase(actual, pred, train, m: int) -> float:
    scale = snaive_scale(train, m)
    err = float(np.mean(np.abs(np.asarray(actual) - np.asarray(pred))))
    if scale > 0:
        return err / scale
    return 0.0 if err == 0 else float("inf")


def check_choice(name: str, scores: dict):
    if not scores or not all(np.isfinite(v) for v in scores.values()):
        raise DataError(f"{name} could not be chosen by validation; set it explicitly")
