"""LSTM ensembles over many series: windows, training in shared compiled calls, forecast paths.

    rec = Recipe(m=12, look_back=15, h=12, units=(16,))
    x, t = windows(rec, pipes.take([i]), values_i)                 # one series' training windows
    params = train_global(rec, tc, x, t, seeds=5, seed=0)          # (K, ...): one ensemble for all series
    params = train_local(rec, tc, [(x1, t1), (x2, t2)], 5, 0)      # (S, K, ...): one ensemble per series
    p = paths(rec, "global", params, pipes_rows, tails, ends, h)   # (K, R, h) member forecasts

Scopes: "local" trains one ensemble per series; all series and all seeds train together, their windows
padded with inert weight-0 rows to a few bucket sizes (`bucket`) and stacked in chunks of a few sizes,
so N series compile a handful of programs, not N. "global" pools the windows of every series (each
through its own pipeline) and trains one ensemble. `level_norm` subtracts each window's last input value
from its inputs and targets (and adds it back to the forecast): the per-window normalisation of global
RNN forecasting (Hewamalage, Bergmeir & Bandara 2021; Smyl 2020).
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np

from ..engine.config import ModelConfig
from ..prep.pipes import Pipes
from ..scale import current
from ..scale.threads import cpu_workers


@dataclass(frozen=True)
class Recipe:
    m: int                           # season length
    look_back: int                   # input window L
    h: int                           # network output width: H steps (direct) or 1 (recursive)
    units: tuple[int, ...] = (16,)
    framing: str = "timesteps"       # "window": the L values as features of one step
    strategy: str = "direct"
    level_norm: bool = False
    n_cov: int = 0                   # covariate features per input step (models/covfeat.py)
    n_head: int = 0                  # of which the last n_head (the horizon's future covariates) also feed the head
    n_lead: int = 0                  # of which the last n_lead (leads) are zero before the last step

    @property
    def n_features(self) -> int:
        f = 1 + self.n_cov
        return f * self.look_back if self.framing == "window" else f

    def model_config(self):
        return ModelConfig(n_features=self.n_features, units=self.units, n_outputs=self.h, n_head=self.n_head,
                           n_lead=self.n_lead)


BUCKETS = np.unique(np.concatenate([2 ** np.arange(31), 3 * 2 ** np.arange(30)]))


def bucket(n: int) -> int:
    """The smallest of 1, 2, 3, 4, 6, 8, 12, 16, 24, ... that is >= n (at most 1.5x padding)."""
    return int(BUCKETS[np.searchsorted(BUCKETS, max(int(n), 1))])


def pow2(n: int) -> int:
    """The smallest power of two >= n: prediction shapes, where a new program costs more than padding."""
    return 1 << (max(int(n), 1) - 1).bit_length()


ONE_BUCKET = 64      # up to this many series train padded to one window count (one compiled program)

# STEP BUDGET of a local training: `epochs` passes over at most `effective_windows` windows (below).
WINDOWS_PER_SEASON = 16   # the information a series holds grows with its seasons, not its points: 16 windows a
                          # season (2 batches of 8) is 100 epochs of a monthly season; no cap for m <= 16
MIN_WINDOWS = 256         # ... but at least this many (a short hourly series keeps its epochs)
LOOK_BACK_WINDOWS = 7680  # compute cap: windows x look-back of one pass (640 windows at look-back 12, 160 at 48);
                          # above every series of the benchmark corpus (at most 577 windows at 12)


def effective_windows(n_windows: int, m: int, look_back: int) -> int:
    """How many of a series' n_windows one pass of a local training draws (a fresh random subset each pass):
    all of them for a short series; for a long one at most WINDOWS_PER_SEASON per season (at least
    MIN_WINDOWS) and at most LOOK_BACK_WINDOWS / look_back. A half-hourly year (17,425 windows, season 48,
    look-back 48): 160 windows a pass, 100 epochs = 2,000 Adam steps instead of 218,000."""
    n = int(n_windows)
    info = max(WINDOWS_PER_SEASON * n / max(int(m), 1), MIN_WINDOWS)
    return int(max(1, min(n, info, LOOK_BACK_WINDOWS // max(int(look_back), 1))))


def step_budget(tc, n_windows: int, m: int, look_back: int):
    """The TrainConfig of a local training on at most n_windows windows per series: unchanged (epochs over
    every window) where `effective_windows` keeps them all, else a step budget of `epochs` passes over
    the effective windows, each drawn at random from all of them (TrainConfig.steps). A config that
    already has a step budget is left as it is."""
    if tc.steps or n_windows <= 0:
        return tc
    n_eff = effective_windows(n_windows, m, look_back)
    if n_eff >= n_windows:
        return tc
    return dataclasses.replace(tc, steps=int(tc.epochs) * -(-n_eff // int(tc.batch_size)))


# INPUTS ------------------------------------------------------------------------------------------

def inputs(rec: Recipe, pipes: Pipes, tails, extra=None, end=None):
    """Model inputs from raw tails. tails (..., R, L + D) raw values; extra (R, L, C): covariate
    features of each step (calendar ones included: data/calendar.py), appended after the value; end
    (..., R): series index of each tail's last value (deseasonalising pipes need it).
    Returns x (..., R, T, F) float32 and the level offset (..., R) to add back to outputs."""
    z = pipes.forward(tails, end)                                       # (..., R, L)
    off = z[..., -1].copy() if rec.level_norm else np.zeros(z.shape[:-1])
    feats = [(z - off[..., None])[..., None]]
    if extra is not None and extra.shape[-1]:
        feats.append(np.broadcast_to(extra, (*z.shape, extra.shape[-1])))
    x = np.concatenate(feats, axis=-1)                                  # (..., R, L, F)
    if rec.framing == "window":
        x = x.reshape(*x.shape[:-2], 1, -1)                             # (..., R, 1, L*F)
    return x.astype(np.float32), off


def windows(rec: Recipe, pipe: Pipes, values):
    """Training windows of one series (pipe: its one row). Returns x (n, T, F), targets (n, H) float32."""
    L, D, H = rec.look_back, pipe.n_lost, rec.h
    values = np.asarray(values, np.float64)
    targets = np.arange(L, len(values) - D - H + 1)                     # indices into z
    if len(targets) == 0:
        return (np.zeros((0, 1 if rec.framing == "window" else L, rec.n_features), np.float32),
                np.zeros((0, H), np.float32))
    z = pipe.forward(values[None, :])[0]                                # (n - D,)
    idx = targets[:, None] + np.arange(-L - D, 0)[None, :] + D          # raw-value tails (n, L + D)
    x, off = inputs(rec, pipe.take(np.zeros(len(targets), int)), values[idx], end=targets + D - 1)
    t = z[targets[:, None] + np.arange(H)[None, :]] - off[:, None]
    return x, t.astype(np.float32)


# TRAINING ----------------------------------------------------------------------------------------

def _keys(seed: int, seeds: int):
    import jax
    return jax.vmap(jax.random.key)(np.arange(seed, seed + seeds))


def _pad_rows(a, n):
    if len(a) >= n:
        return a
    out = np.zeros((n, *a.shape[1:]), a.dtype)
    out[:len(a)] = a
    return out


def train_global(rec: Recipe, tc, x, t, seeds: int, seed: int, xv=None, tv=None, pad_to: int = 0):
    """One K-member ensemble on the pooled windows x (N, T, F), t (N, H). Returns (params (K, ...), metrics).
    Runs as one task of the current scale backend: on a Ray cluster, on a worker with a GPU if any."""
    n = bucket(max(len(x), pad_to))
    w = _pad_rows(np.ones(len(x), np.float32), n)
    x, t = _pad_rows(x, n), _pad_rows(t, n)
    val = (xv, tv) if xv is not None and len(xv) else None
    return current().run_one(train_global_task, (rec.model_config(), tc, seed, seeds, x, t, w, val),
                             desc="global training")


def train_global_task(task):
    """train_global's compiled call as a picklable task -> numpy (params (K, ...), metrics)."""
    import jax

    from ..engine.train import compiled_train
    mc, tc, seed, seeds, x, t, w, val = task
    if val is not None:
        params, metrics = compiled_train(mc, tc, vmap_keys=True, with_val=True)(_keys(seed, seeds), x, t, w, *val)
    else:
        params, metrics = compiled_train(mc, tc, vmap_keys=True)(_keys(seed, seeds), x, t, w)
    return jax.tree.map(np.asarray, params), jax.tree.map(np.asarray, metrics)


def train_local(rec: Recipe, tc, data, seeds: int, seed: int, progress=None, one_bucket: bool = False,
                max_chunk: int = 128, pad_to: int = 0):
    """One K-member ensemble per dataset; data: list of (x (n_i, T, F), t (n_i, H)). Series whose window
    counts fall in the same bucket train together, max_chunk at a time (the last chunk padded with empty,
    inert datasets; max_chunk series per call, 128 unless memory is short); one_bucket pads every dataset to
    the largest bucket (one program: selection trials).
    Each chunk is one task of the current scale backend (in this process unless `scale.using(...)`).
    Returns (params (S, K, ...), metrics {name: (S, K, ...)})."""
    import jax

    by_bucket: dict = {}
    top = bucket(max(max(len(x) for x, _ in data), pad_to))
    one_bucket = one_bucket or len(data) <= ONE_BUCKET
    for i, (x, _) in enumerate(data):
        by_bucket.setdefault(top if one_bucket else bucket(len(x)), []).append(i)
    threads = cpu_workers() if current().name == "local" else 1
    parts, tasks = [], []
    for n, idx in sorted(by_bucket.items()):
        tcn = step_budget(tc, max(len(data[i][0]) for i in idx), rec.m, rec.look_back)   # long series: steps
        # chunks of equal width (one program), at least one per thread that can run them at once
        n_chunks = min(len(idx), max(-(-len(idx) // max_chunk), threads))
        chunks = [list(c) for c in np.array_split(idx, n_chunks)]
        width = min(max_chunk, pow2(max(len(c) for c in chunks)))
        for part in chunks:
            xs = np.zeros((width, n, *data[part[0]][0].shape[1:]), np.float32)
            ts = np.zeros((width, n, rec.h), np.float32)
            ws = np.zeros((width, n), np.float32)
            for j, i in enumerate(part):
                x, t = data[i]
                xs[j, :len(x)], ts[j, :len(x)], ws[j, :len(x)] = x, t, 1.0
            parts.append(part)
            tasks.append((rec.model_config(), tcn, seed, seeds, xs, ts, ws))
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


def train_chunk(task):
    """One compiled local-training call, a picklable task: (ModelConfig, TrainConfig, seed, seeds,
    xs (W, n, T, F), ts (W, n, H), ws (W, n)) -> numpy (params, metrics) with leaves (W, K, ...)."""
    import jax

    from ..engine.train import compiled_train
    mc, tc, seed, seeds, xs, ts, ws = task
    params, metrics = compiled_train(mc, tc, vmap_keys=True, vmap_data=True)(_keys(seed, seeds), xs, ts, ws)
    swap = lambda a: np.swapaxes(np.asarray(a), 0, 1)  # noqa: E731   (K, W, ...) -> (W, K, ...)
    return jax.tree.map(swap, params), jax.tree.map(swap, metrics)


# PREDICTION --------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _predictors():
    """Cached programs (engine/programs.py): members on their own inputs, and per series for local scope."""
    import jax

    from ..engine.model import apply
    from ..engine.programs import program
    own = jax.vmap(lambda p, x: apply(p, x)[0], (0, 0))               # params (K, ...), x (K, B, T, F)
    return program("members", own), program("members_local", jax.vmap(own, (0, 0)))


def members(scope: str, params, x, groups=None):
    """Each member's outputs. x (K, R, T, F) -> (K, R, O). Global: one parameter set (K, ...). Local:
    params (S, K, ...) and rows grouped per series: `groups` = (S, B), rows s*B .. s*B + B - 1 belong
    to series s."""
    import jax
    glob, local = _predictors()
    K, R = x.shape[:2]
    if scope == "global":
        n = pow2(R)
        xp = np.zeros((K, n, *x.shape[2:]), np.float32)
        xp[:, :R] = x
        return np.asarray(glob(params, xp))[:, :R]
    S, B = groups
    sb, bb = pow2(S), pow2(B)
    xp = np.zeros((sb, K, bb, *x.shape[2:]), np.float32)
    xp[:S, :, :B] = np.swapaxes(x.reshape(K, S, B, *x.shape[2:]), 0, 1)
    pp = jax.tree.map(lambda a: _pad_rows(a, sb), params)
    out = np.asarray(local(pp, xp))[:S, :, :B]                          # (S, K, B, O)
    return np.swapaxes(out, 0, 1).reshape(K, S * B, -1)


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


# MANY SERIES AT ONCE -----------------------------------------------------------------------------

def padded(values, lengths=None) -> np.ndarray:
    """Ragged series -> (R, n_max) float64, left-aligned, NaN after each series' end."""
    lengths = np.array([len(v) for v in values]) if lengths is None else np.asarray(lengths)
    out = np.full((len(values), int(lengths.max()) if len(values) else 0), np.nan)
    for r, (v, n) in enumerate(zip(values, lengths)):
        out[r, :n] = np.asarray(v, np.float64)[:n]
    return out


def windows_many(rec: Recipe, pipes: Pipes, values, extra_fn=None):
    """Training windows of R series at once (pipes: R rows). Returns x (W, T, F), t (W, H) float32 and
    counts (R,): series r owns rows counts[:r].sum() .. counts[:r + 1].sum() - 1, oldest first. The same
    numbers as `windows` per series. extra_fn(rows (W,), ends (W,)) -> (W, L, C) covariate features."""
    L, D, H = rec.look_back, pipes.n_lost, rec.h
    lengths = np.array([len(v) for v in values])
    counts = np.maximum(lengths - D - L - H + 1, 0)
    if counts.sum() == 0:
        x0, t0 = windows(rec, pipes.take([0]), values[0][:0])
        return x0, t0, counts
    Z = pipes.forward(padded(values, lengths)).astype(np.float32)      # (R, n_max - D)
    span = np.lib.stride_tricks.sliding_window_view(Z, L + H, axis=1)   # (R, S, L + H)
    r, s = np.nonzero(np.arange(span.shape[1])[None, :] < counts[:, None])
    win = span[r, s]                                                    # (W, L + H), row-major: by series
    off = win[:, L - 1:L].copy() if rec.level_norm else np.zeros((len(win), 1), np.float32)
    win -= off
    x = win[:, :L, None]
    if extra_fn is not None:
        x = np.concatenate([x, extra_fn(r, s + D + L - 1).astype(x.dtype)], axis=-1)
    if rec.framing == "window":
        x = x.reshape(len(x), 1, -1)
    t = win[:, L:]
    return np.ascontiguousarray(x, np.float32), np.ascontiguousarray(t, np.float32), counts
