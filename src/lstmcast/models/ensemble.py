"""A trained LSTM panel model: per-series pipelines plus one ensemble (global) or one per series (local).

    model = fit_ensemble(spec, values, idx, diffs, progress)       # values: every series' raw array
    p = model.paths(values, origins, h)                             # {series: (K, B, h)} member forecasts

Series that share differencing lags share one vectorised `Pipes` (a `Group`); local params are
(S, K, ...) per group, global params (K, ...) for all. `origins` are, per series, the indices of the
last observation each forecast starts from, so one call serves the forecast past the end, in-sample
predictions, conformal calibration and frozen-parameter backtests.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..engine.config import TrainConfig
from ..engine.plan import check_training
from ..errors import DataError
from ..prep.pipes import Pipes, fit_pipes
from ..scale.threads import cpu_workers
from .covfeat import fit_scaler, step_features
from .lstm import Recipe, effective_windows, windows_many

MIN_WINDOWS = 8


@dataclass
class Spec:
    """Everything a fit needs besides the data: resolved settings of one Forecaster."""
    recipe: Recipe
    scope: str                       # "local" or "global"
    train: TrainConfig
    seeds: int
    seed: int
    transform: str                   # "auto", "none", "log", "boxcox"
    scale: str
    n_val: int = 0                   # local: validation windows per series (early stopping)
    val_frac: float = 0.0            # global: fraction of each series' last windows held out
    pad_windows: int = 0             # pad training windows to at least this many (backtest windows share programs)


@dataclass
class Group:
    idx: np.ndarray                  # (S,) series positions in the panel
    pipes: Pipes                     # S rows
    params: dict                     # local: leaves (S, K, ...); global: the shared (K, ...) tree


@dataclass
class Ensemble:
    recipe: Recipe
    scope: str
    groups: list
    phase0: np.ndarray               # (N,) season position of each panel series' index 0
    loss: np.ndarray                 # (K, E) mean training loss per member (local: mean over series)
    val_loss: np.ndarray
    extra: dict = field(default_factory=dict)

    @property
    def trained(self) -> np.ndarray:
        return np.sort(np.concatenate([g.idx for g in self.groups])) if self.groups else np.zeros(0, int)

    def paths(self, values, origins: dict, h: int, cov=None) -> dict:
        """{i: origins (B_i,) ints} -> {i: (K, B_i, h)}: member forecasts from each origin (the index of the
        last value used) of series i, values[i] its raw values (later values unused). cov: the panel's
        `Covariates` when the model was trained with some (future ones must cover the h steps)."""
        from .lstm_calls import paths, take  # JAX: loaded when a network forecasts
        out = {}
        R = self.recipe
        scaler = self.extra.get("cov_scaler")
        if R.n_cov and cov is None:
            raise DataError("this model was trained with covariates " + _names(self.extra.get("cov_names"))
                            + "; pass them (futr_df= / --future for future ones)")
        for g in self.groups:
            rows = [(s, i) for s, i in enumerate(g.idx) if i in origins and len(origins[i])]
            if not rows:
                continue
            B = max(len(origins[i]) for _, i in rows)
            sel = np.array([s for s, _ in rows])
            D = g.pipes.n_lost
            tails = np.zeros((len(rows) * B, R.look_back + D))
            ends = np.zeros(len(rows) * B, int)
            for r, (_, i) in enumerate(rows):
                o = np.asarray(origins[i], int)
                o = np.concatenate([o, np.full(B - len(o), o[-1])])
                v = np.asarray(values[i], np.float64)
                tails[r * B:(r + 1) * B] = v[o[:, None] + np.arange(-(R.look_back + D) + 1, 1)[None, :]]
                ends[r * B:(r + 1) * B] = o
            pipes = g.pipes.take(np.repeat(sel, B))
            params = g.params
            if self.scope == "local":
                params = take(g.params, sel)
            fn = None
            if R.n_cov:
                ser = np.repeat(g.idx[sel], B)
                assert scaler is not None        # fit_ensemble stores it whenever R.n_cov
                fn = lambda e, ser=ser, o=ends: step_features(cov, scaler, R.h, R.look_back, ser, o, e)  # noqa: E731
            p = paths(R, self.scope, params, pipes, tails, ends, h, groups=(len(rows), B), extra_fn=fn)
            p = p.reshape(p.shape[0], len(rows), B, h)
            for r, (_, i) in enumerate(rows):
                out[i] = p[:, r, :len(origins[i])]
        return out


def min_length(spec: Spec, diff) -> int:
    """Fewest values a series needs for MIN_WINDOWS training windows (plus validation)."""
    R = spec.recipe
    return int(sum(diff)) + R.look_back + R.h - 1 + MIN_WINDOWS + spec.n_val


def val_values(spec: Spec) -> int:
    return spec.n_val + spec.recipe.h - 1 if spec.n_val else 0


def fit_ensemble(spec: Spec, values, idx, diffs, phase0, progress=None, one_bucket: bool = False,
                 cov=None, warm=None) -> Ensemble:
    """Fit pipelines and networks on series `idx` of `values`; diffs[j] = lags of series idx[j].
    cov: the panel's `Covariates` (spec.recipe.n_cov features per step), scaled on training rows only.
    warm: a local Ensemble of the same recipe fitted on an earlier part of the same series (a backtest's
    first window): its weights start each series' training, for `warm_config`'s shorter budget."""
    from .lstm_calls import take, train_global, train_local, train_local_val  # JAX: loaded when a network trains
    R = spec.recipe
    idx = np.asarray(idx, int)
    nv = val_values(spec)
    scaler = fit_scaler(cov, idx, [len(values[i]) - nv for i in idx], spec.scope) if R.n_cov else None
    by_diff: dict = {}
    for j, i in enumerate(idx):
        by_diff.setdefault(tuple(diffs[j]), []).append(i)
    groups: list[Group] = []
    data: list[tuple] = []               # global: (x, t, counts) per lags; local: (x, t) per series
    where: list[tuple[int, int]] = []
    for d, members_ in by_diff.items():
        members_ = np.asarray(members_, int)
        pipes = fit_pipes([values[i][: len(values[i]) - nv] for i in members_], spec.transform, d, spec.scale,
                          m=R.m)
        fn = None
        if R.n_cov:
            assert scaler is not None
            fn = lambda r, e, m_=members_: step_features(cov, scaler, R.h, R.look_back, m_[r], e, e)  # noqa: E731
        x, t, counts = windows_many(R, pipes, [values[i] for i in members_], fn)
        if spec.scope == "global":
            data.append((x, t, counts))
        else:
            bounds = np.concatenate([[0], np.cumsum(counts)])
            for s in range(len(members_)):
                data.append((x[bounds[s]:bounds[s + 1]], t[bounds[s]:bounds[s + 1]]))
                where.append((len(groups), s))
        groups.append(Group(members_, pipes, {}))
    if spec.scope == "local":
        n_most = max((effective_windows(len(x), R.m, R.look_back) for x, _ in data), default=0)  # a pass's windows
        chunks = check_training(spec, n_most, min(len(data), 128 * cpu_workers()))
        if spec.n_val:
            params, metrics = train_local_val(spec, data)
        else:
            init = warm_starts(warm, R, [int(groups[a].idx[b]) for a, b in where])
            params, metrics = train_local(R, warm_config(spec.train) if init else spec.train, data, spec.seeds,
                                          spec.seed, progress, one_bucket, max_chunk=max(1, 128 // chunks),
                                          pad_to=spec.pad_windows, init=init)
        finite = np.isfinite(metrics["loss"]).reshape(len(data), -1).all(axis=1)          # (S,)
        _check_loss(metrics["loss"][finite] if finite.any() else metrics["loss"], spec)
        diverged = [int(groups[a].idx[b]) for k, (a, b) in enumerate(where) if not finite[k]]
        for gi, g in enumerate(groups):
            rows = np.asarray([k for k, (a, _) in enumerate(where) if a == gi and finite[k]], int)
            keep = np.asarray([b for k, (a, b) in enumerate(where) if a == gi and finite[k]], int)
            g.params = take(params, rows)
            g.idx, g.pipes = g.idx[keep], g.pipes.take(keep)
        groups = [g for g in groups if len(g.idx)]
        loss, val = metrics["loss"][finite].mean(0), metrics["val_loss"][finite].mean(0)
        ens = Ensemble(R, spec.scope, groups, np.asarray(phase0), np.asarray(loss), np.asarray(val))
        ens.extra["diverged"] = diverged
        _keep_cov(ens, scaler, cov)
        return ens
    else:
        x = data[0][0] if len(data) == 1 else np.concatenate([d[0] for d in data])
        t = data[0][1] if len(data) == 1 else np.concatenate([d[1] for d in data])
        counts = np.concatenate([d[2] for d in data])
        xv = tv = None
        if spec.val_frac > 0:       # each series' last windows are its validation tail
            k = np.ceil(spec.val_frac * counts).astype(int)
            pos = np.arange(len(x)) - np.repeat(np.cumsum(counts) - counts, counts)
            val = pos >= np.repeat(counts - k, counts)
            x, t, xv, tv = x[~val], t[~val], x[val], t[val]
        check_training(spec, len(x), 1)
        params, metrics = train_global(R, spec.train, x, t, spec.seeds, spec.seed,
                                       xv if xv is not None and len(xv) else None, tv, pad_to=spec.pad_windows)
        _check_loss(metrics["loss"], spec)
        for g in groups:
            g.params = params
        loss, val = metrics["loss"], metrics["val_loss"]
    ens = Ensemble(R, spec.scope, groups, np.asarray(phase0), np.asarray(loss), np.asarray(val))
    _keep_cov(ens, scaler, cov)
    return ens


WARM_FRACTION = 4     # a warm-started refit trains a quarter of the budget (25 of 100 epochs)


def warm_config(tc: TrainConfig) -> TrainConfig:
    """The budget of a training that starts from an earlier window's weights: 1 / WARM_FRACTION of tc's."""
    return dataclasses.replace(tc, epochs=max(1, tc.epochs // WARM_FRACTION), steps=tc.steps // WARM_FRACTION)


def warm_starts(warm, recipe: Recipe, series) -> list | None:
    """Each of `series`' starting weights (leaves (K, ...)) in the Ensemble `warm`; None (every series
    starts afresh) without one, for another recipe or scope, or when any of them has none."""
    if warm is None or warm.scope != "local" or warm.recipe != recipe:
        return None
    where = {int(i): (g, s) for g in warm.groups for s, i in enumerate(g.idx)}
    if any(i not in where for i in series):
        return None
    return [_row(where[i][0].params, where[i][1]) for i in series]


def _row(tree, s):
    """Row s of every array leaf of a nested dict / list of arrays."""
    if isinstance(tree, dict):
        return {k: _row(v, s) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_row(v, s) for v in tree)
    return np.asarray(tree)[s]


def _keep_cov(ens, scaler, cov):
    if scaler is not None:
        ens.extra["cov_scaler"], ens.extra["cov_names"] = scaler, cov.describe()


def _names(d) -> str:
    d = d or {}
    return ", ".join(f"{k}={v}" for k, v in d.items() if v) or "(unknown)"


def _check_loss(loss, spec: Spec):
    if not np.all(np.isfinite(loss)):
        lr = spec.train.learning_rate
        raise DataError(f"training diverged to NaN (learning_rate={lr}); try a lower --learning-rate")
