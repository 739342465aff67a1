"""The LSTM recipe's compiled calls: training (one ensemble for all series, or one per series, in shared
programs) and the members' forecast paths. This module imports JAX; the recipe and its windows
(lstm.py) do not, so that settings and model files load without it.

    params = train_global(rec, tc, x, t, seeds=5, seed=0)          # (K, ...): one ensemble for all series
    params = train_local(rec, tc, [(x1, t1), (x2, t2)], 5, 0)      # (S, K, ...): one ensemble per series
    p = paths(rec, "global", params, pipes_rows, tails, ends, h)   # (K, R, h) member forecasts
"""
from __future__ import annotations

import functools

import jax
import numpy as np

from ..engine.model import apply
from ..engine.programs import program
from ..engine.train import compiled_train
from ..prep.pipes import Pipes
from ..scale import current
from ..scale.threads import cpu_workers
from .lstm import CHUNK_NETWORKS, ONE_BUCKET, Recipe, bucket, inputs, pow2, step_budget


def take(params, rows):
    """Rows `rows` of every leaf of a parameter tree (the series a group keeps, or a forecast selects)."""
    return jax.tree.map(lambda a: a[rows], params)


# TRAINING ----------------------------------------------------------------------------------------

def _keys(seed: int, seeds: int):
    return jax.vmap(jax.random.key)(np.arange(seed, seed + seeds))


def _pad_rows(a, n):
    if len(a) >= n:
        return a
    out = np.zeros((n, *a.shape[1:]), a.dtype)
    out[:len(a)] = a
    return out


def train_global(rec: Recipe, tc, x, t, seeds: int, seed: int, xv=None, tv=None, pad_to: int = 0):
    """One K-member ensemble on the pooled windows x (N, T, F), t (N, H). Returns (params (K, ...), metrics).
    Runs as one task of the current scale backend: on a Ray cluster, on a worker with a GPU if any. In this
    process on a CPU with W > 1 workers, the members train in `_parts` equal groups at once, one thread each
    (one program, compiled once): XLA runs a training this small on about one core."""
    n = bucket(max(len(x), pad_to))
    w = _pad_rows(np.ones(len(x), np.float32), n)
    x, t = _pad_rows(x, n), _pad_rows(t, n)
    val = (xv, tv) if xv is not None and len(xv) else None
    mc, k = rec.model_config(), _parts(seeds)
    if k == 1:
        return current().run_one(train_global_task, (mc, tc, seed, seeds, x, t, w, val), desc="global training")
    per = seeds // k                              # group j: seeds seed + j * per ... (the same members' keys)
    _global_program(mc, tc, val).warm(_keys(seed, per), x, t, w, *(val or ()))     # compiled once, not per thread
    outs = current().map(train_global_task, [(mc, tc, seed + j * per, per, x, t, w, val) for j in range(k)],
                         desc="global training")
    cat = lambda *a: np.concatenate(a)  # noqa: E731
    return jax.tree.map(cat, *[o[0] for o in outs]), jax.tree.map(cat, *[o[1] for o in outs])


def _parts(seeds: int) -> int:
    """How many equal groups of members train at once: the largest divisor of `seeds` up to the CPU workers
    (1 on an accelerator or another scale backend)."""
    n = min(cpu_workers() if current().name == "local" else 1, seeds)
    return max(d for d in range(1, n + 1) if seeds % d == 0)


def train_global_task(task):
    """train_global's compiled call as a picklable task -> numpy (params (K, ...), metrics)."""
    mc, tc, seed, seeds, x, t, w, val = task
    params, metrics = _global_program(mc, tc, val)(_keys(seed, seeds), x, t, w, *(val or ()))
    return jax.tree.map(np.asarray, params), jax.tree.map(np.asarray, metrics)


def _global_program(mc, tc, val):
    """The global trainer's program (compiled_train caches it per exact arguments: always ask here)."""
    return compiled_train(mc, tc, vmap_keys=True, with_val=True) if val is not None else \
        compiled_train(mc, tc, vmap_keys=True)


def train_local(rec: Recipe, tc, data, seeds: int, seed: int, progress=None, one_bucket: bool = False,
                max_chunk: int = 128, pad_to: int = 0, init=None):
    """One K-member ensemble per dataset; data: list of (x (n_i, T, F), t (n_i, H)). Series whose window
    counts fall in the same bucket train together, max_chunk at a time (the last chunk padded with empty,
    inert datasets; max_chunk series per call, 128 unless memory is short, and at most CHUNK_NETWORKS
    networks: series x seeds); one_bucket pads every dataset to
    the largest bucket (one program: selection trials).
    Each chunk is one task of the current scale backend (in this process unless `scale.using(...)`).
    init: per dataset, the ensemble's starting weights (leaves (K, ...)), instead of drawn ones.
    Returns (params (S, K, ...), metrics {name: (S, K, ...)})."""

    max_chunk = max(1, min(max_chunk, CHUNK_NETWORKS // max(int(seeds), 1)))
    by_bucket: dict = {}
    top = bucket(max(max(len(x) for x, _ in data), pad_to))
    one_bucket = one_bucket or len(data) <= ONE_BUCKET
    for i, (x, _) in enumerate(data):
        by_bucket.setdefault(top if one_bucket else bucket(len(x)), []).append(i)
    threads = cpu_workers() if current().name == "local" else 1
    parts, tasks = [], []
    for n, idx in sorted(by_bucket.items()):
        tcn = step_budget(tc, max(len(data[i][0]) for i in idx), rec.m, rec.look_back)   # long series: steps
        # chunks of equal width (one program), at least one per thread that can run them at once; datasets of
        # similar window counts together: a chunk's passes run as many batches as its longest dataset needs
        n_chunks = min(len(idx), max(-(-len(idx) // max_chunk), threads))
        chunks = [list(c) for c in np.array_split(sorted(idx, key=lambda i: len(data[i][0])), n_chunks)]
        most = max(len(c) for c in chunks)     # inert padding datasets cost in full: powers of two up to 8, then
        width = min(max_chunk, pow2(most) if most <= 8 else -(-most // 8) * 8)   # multiples of 8 (few programs)
        for part in chunks:
            xs = np.zeros((width, n, *data[part[0]][0].shape[1:]), np.float32)
            ts = np.zeros((width, n, rec.h), np.float32)
            ws = np.zeros((width, n), np.float32)
            for j, i in enumerate(part):
                x, t = data[i]
                xs[j, :len(x)], ts[j, :len(x)], ws[j, :len(x)] = x, t, 1.0
            parts.append(part)
            tasks.append((rec.model_config(), tcn, seed, seeds, xs, ts, ws) + _starts(init, part, width))
    sizes = np.cumsum([len(p) for p in parts])
    tick = (lambda k, _: progress(int(sizes[k - 1]), len(data))) if progress else None
    results = current().map(train_chunk, tasks, desc="training chunk", tick=tick)
    out_p, out_m = [None] * len(data), [None] * len(data)
    for part, (params, metrics) in zip(parts, results):
        for j, i in enumerate(part):
            out_p[i] = jax.tree.map(lambda a, j=j: a[j], params)
            out_m[i] = jax.tree.map(lambda a, j=j: a[j], metrics)
    stack = lambda trees: jax.tree.map(lambda *a: np.stack(a), *trees)  # noqa: E731
    return stack(out_p), stack(out_m)


def _starts(init, part, width) -> tuple:
    """() without starting weights, else (the part's starting weights stacked, leaves (width, K, ...): zeros for
    the inert padding datasets)."""
    if init is None:
        return ()
    return (jax.tree.map(lambda *a: _pad_rows(np.stack(a), width), *[init[i] for i in part]),)


def train_chunk(task):
    """One compiled local-training call, a picklable task: (ModelConfig, TrainConfig, seed, seeds,
    xs (W, n, T, F), ts (W, n, H), ws (W, n)[, starting weights (W, K, ...)]) -> numpy (params, metrics)
    with leaves (W, K, ...)."""
    mc, tc, seed, seeds, xs, ts, ws, *start = task
    swap = lambda a: np.swapaxes(np.asarray(a), 0, 1)  # noqa: E731   (K, W, ...) <-> (W, K, ...)
    fn = compiled_train(mc, tc, vmap_keys=True, vmap_data=True, warm=bool(start))
    params, metrics = fn(_keys(seed, seeds), *[jax.tree.map(swap, p) for p in start], xs, ts, ws)
    return jax.tree.map(swap, params), jax.tree.map(swap, metrics)


# PREDICTION --------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _predictors():
    """Cached programs (engine/programs.py): members on their own inputs, and per series for local scope."""
    own = jax.vmap(lambda p, x: apply(p, x)[0], (0, 0))               # params (K, ...), x (K, B, T, F)
    return program("members", own), program("members_local", jax.vmap(own, (0, 0)))


BLOCK = 2048     # origins per series in one local prediction call (17,424 in-sample origins of a half-hourly
                # year: 9 calls of 2,048 = 18,432 rows computed, against 32,768 padded to a power of two)


def members(scope: str, params, x, groups=None):
    """Each member's outputs. x (K, R, T, F) -> (K, R, O). Global: one parameter set (K, ...). Local:
    params (S, K, ...) and rows grouped per series: `groups` = (S, B), rows s*B .. s*B + B - 1 belong
    to series s."""
    glob, local = _predictors()
    K, R = x.shape[:2]
    if scope == "global":
        n = pow2(R)
        xp = np.zeros((K, n, *x.shape[2:]), np.float32)
        xp[:, :R] = x
        return np.asarray(glob(params, xp))[:, :R]
    S, B = groups
    sb = pow2(S)
    xs = np.swapaxes(x.reshape(K, S, B, *x.shape[2:]), 0, 1)           # (S, K, B, T, F)
    pp = jax.tree.map(lambda a: _pad_rows(a, sb), params)
    out = []
    for a in range(0, B, BLOCK):    # a long series' many origins: blocks of BLOCK rows (one program, little padding)
        part = xs[:, :, a:a + BLOCK]
        xp = np.zeros((sb, K, pow2(part.shape[2]), *x.shape[2:]), np.float32)
        xp[:S, :, :part.shape[2]] = part
        out.append(np.asarray(local(pp, xp))[:S, :, :part.shape[2]])   # (S, K, b, O)
    return np.swapaxes(np.concatenate(out, axis=2), 0, 1).reshape(K, S * B, -1)


def paths(rec: Recipe, scope: str, params, pipes: Pipes, tails, ends, h: int, groups=None,
          extra_fn=None):
    """Each member's h-step forecasts from R origins at once.

    pipes: R rows (one per origin); tails (K, R, n) or (R, n) raw histories (the last L + D values are
    used); ends (R,) series index of each history's last value. Returns (K, R, h).
    Direct: H steps per network call; past H, the next block starts from the forecasts. Recursive:
    one step per call, fed back. extra_fn(ends (R,)) -> (R, L, C): covariate features of the steps."""
    L, D = rec.look_back, pipes.n_lost
    K = (params["dense"]["bias"].shape[1] if scope == "local" else params["dense"]["bias"].shape[0])
    tails = np.asarray(tails, np.float64)[..., -(L + D):]
    if tails.ndim == 2:
        tails = np.broadcast_to(tails, (K, *tails.shape))
    tails = np.array(tails)
    ends = np.asarray(ends)
    out = []
    for j in range(h):
        if rec.strategy == "recursive" or j % rec.h == 0:
            extra = extra_fn(ends + j) if extra_fn is not None else None
            x, off = inputs(rec, pipes, tails, extra, end=ends + j)
            zhat = members(scope, params, x, groups) + off[..., None]   # (K, R, O)
        z = zhat[..., 0] if rec.strategy == "recursive" else zhat[..., j % rec.h]
        nxt = pipes.invert_next(tails, z, end=ends + j)                 # (K, R)
        out.append(nxt)
        tails = np.concatenate([tails[..., 1:], nxt[..., None]], axis=-1)
    return np.stack(out, axis=-1)


def train_local_val(spec, data):
    """Local training with a validation tail (early stopping): tails differ in size, so one by one."""
    R = spec.recipe
    tc = step_budget(spec.train, max((len(x) - spec.n_val for x, _ in data), default=0), R.m, R.look_back)
    fn = compiled_train(R.model_config(), tc, vmap_keys=True, with_val=True)
    ps, ms = [], []
    for x, t in data:
        n = spec.n_val
        p, m = fn(_keys(spec.seed, spec.seeds), x[:-n], t[:-n], np.ones(len(x) - n, np.float32), x[-n:], t[-n:])
        ps.append(jax.tree.map(np.asarray, p))
        ms.append(jax.tree.map(np.asarray, m))
    stack = lambda trees: jax.tree.map(lambda *a: np.stack(a), *trees)  # noqa: E731
    return stack(ps), stack(ms)
