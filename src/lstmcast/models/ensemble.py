"""Many forecasters at once: fit them in shared compiled calls, and choose differencing by validation.

    fit_many([fc_a, fc_b], [y_a, y_b])          # windows of a backtest, candidates of a selection
    diffs, scores = choose_diffs([fc], [y])     # diff="auto": which differencing forecasts y best

Forecasters whose training arrays have the same window shape train together: their windows are
padded to one length with weight-0 rows (inert, see train.py) and all their K seeds run in one
vmapped call, exactly as separate fits would.
"""
from __future__ import annotations

import jax
import numpy as np

from ..errors import DataError
from ..engine.train import compiled_train


def fit_many(fcs, series, diffs=None, progress=None):
    """Fit fcs[i] on series[i] (diffs[i], if given, replaces diff='auto'); returns fcs."""
    say = progress or (lambda *_: None)
    diffs = diffs or [None] * len(fcs)
    arrays = [f.prepare(y, diff=d) for f, y, d in zip(fcs, series, diffs)]
    groups: dict = {}
    for i, (f, (x, t)) in enumerate(zip(fcs, arrays)):
        key = (x.shape[1:], t.shape[1:], f.model_config(x.shape[-1]), f.train_config(), f.r_["n_val"] > 0,
               f.seed, f.seeds)
        groups.setdefault(key, []).append(i)
    for (_, _, mc, tc, has_val, seed, seeds), idx in groups.items():
        if has_val:  # validation tails differ in size: these train one by one
            for i in idx:
                fcs[i]._train(*arrays[i], fcs[i].r_["n_val"])
            continue
        n = max(len(arrays[i][0]) for i in idx)
        pad = lambda a: np.concatenate([a, np.zeros((n - len(a), *a.shape[1:]), a.dtype)])  # noqa: E731
        xs = np.stack([pad(arrays[i][0]) for i in idx])                         # (W, N, T, F)
        ts = np.stack([pad(arrays[i][1]) for i in idx])                         # (W, N, h)
        ws = np.stack([pad(np.ones(len(arrays[i][0]), np.float32)) for i in idx])
        keys = jax.vmap(jax.random.key)(np.arange(seed, seed + seeds))         # the same seeds for each
        params, m = compiled_train(mc, tc, vmap_keys=True, vmap_data=True)(keys, xs, ts, ws)
        for j, i in enumerate(idx):
            fcs[i].set_trained(jax.tree.map(lambda a: a[:, j], params), jax.tree.map(lambda a: a[:, j], m))
        say(f"lstm: {len(idx)} model set(s) x {seeds} seeds trained in one compiled call")
    return fcs


def holdout_sse(f, y, start: int, stop: int, h: int):
    """Sum of squared errors and count of f's h-step forecasts from the origins start-1 .. stop-1
    (frozen parameters; the targets run up to stop - 1 + h)."""
    vals = y.to_numpy()
    L, D = f.r_["look_back"], f.pipe_.n_lost
    ends = np.arange(start - 1, stop)
    hist = vals[ends[:, None] + 1 + np.arange(-(L + D), 0)[None, :]]
    pred = f._point(f.paths(hist, ends, h))                                      # (B, h)
    actual = vals[ends[:, None] + 1 + np.arange(h)[None, :]]
    return float(np.sum((pred - actual) ** 2)), pred.size


FOLDS = 3
SELECTION_STEPS = 800      # Adam steps per selection model at most: short series get their full epochs,
                           # long ones (more steps per epoch) fewer epochs, so selection stays cheap


def choose_diffs(fcs, series, progress=None):
    """For each forecaster with diff="auto", the differencing whose forecasts of its own series' recent
    past are best, by rolling origin inside that series: 3 folds, each fitted on the values before
    it and scored on h-step forecasts from one season (at least 4) of origins with frozen parameters.
    Candidates: the unit-root tests' choice, (season, 1), (season,), (1,).
    Returns (diffs, scores) with scores[i] = {"12,1": rmse, ...} (pooled over the folds)."""
    trials, meta, cands_of = [], [], []
    for i, (f, y) in enumerate(zip(fcs, series)):
        probe = type(f)(**f.get_params())
        r = probe._resolve(y)
        m, h = r["m"], r["h"]
        cands = list(dict.fromkeys([r["diff"], (m, 1), (m,), (1,)] if m > 1 else [r["diff"], (1,), ()]))
        cands_of.append((r["diff"], cands))
        width = max(m, 4)
        # one epoch count for all of this series' trials (one TrainConfig: they train in one call)
        steps_per_epoch = max(1, -(-(len(y) - h - width - r["look_back"]) // f.batch_size))
        epochs = int(min(f.epochs, max(10, SELECTION_STEPS // steps_per_epoch)))
        for k in range(FOLDS):
            cut = len(y) - h - width * (k + 1) + 1          # fold k trains on y[:cut]
            for c in cands:
                t = type(f)(**{**f.get_params(), "diff": c, "epochs": epochs})
                try:
                    t._resolve(y.iloc[:cut])
                except DataError:
                    continue
                trials.append((t, y.iloc[:cut]))
                meta.append((i, c, cut, cut + width - 1, h))
    if trials:
        fit_many([t for t, _ in trials], [s for _, s in trials], progress=progress)
    pooled = [dict() for _ in fcs]
    for (t, _), (i, c, start, stop, h) in zip(trials, meta):
        sse, n = holdout_sse(t, series[i], start, stop, h)
        a, b = pooled[i].get(c, (0.0, 0))
        pooled[i][c] = (a + sse, b + n)
    diffs, scores = [], []
    for i, (default, cands) in enumerate(cands_of):
        full = pooled[i]
        # only candidates scored on every fold compete (a candidate too long for early folds would be
        # judged on fewer, easier origins)
        most = max((n for _, n in full.values()), default=0)
        fair = {c: np.sqrt(sse / n) for c, (sse, n) in full.items() if n == most}
        scores.append({(",".join(map(str, c)) or "none"): float(v) for c, v in fair.items()})
        diffs.append(min(fair, key=fair.get) if fair else default)
    return diffs, scores
