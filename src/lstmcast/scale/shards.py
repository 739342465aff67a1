"""Series in shards: how many per task, and one task that trains a shard's models in one compiled call.

    size = shard_size(2000, workers=2)                       # 250: 8 tasks of 250 series
    tasks = [WindowShard(mc, tc, x[s], y[s], w[s], seed=1, seeds=2, pad_to=size) for s in slices(2000, size)]
    out = get_backend("ray").map(train_windows, tasks)       # [{"params", "loss", "forecast"}, ...]

A shard is a stack of S window sets (S, N, T, F) trained with the same K seeds by one vmapped call
(`compiled_train(vmap_keys=True, vmap_data=True)`), as `models.ensemble.fit_many` trains backtest
windows. Every shard is padded to the same S (`pad_to`; padded sets have weight 0 and change nothing),
so a run compiles one program however many shards it has. Pure numpy in and out: tasks pickle small.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax
import numpy as np

from ..engine.config import ModelConfig, TrainConfig
from ..engine.train import compiled_train, predict_many_own
from ..prep.windows import windows


def shard_size(n: int, workers: int, tasks_per_worker: int = 4, min_size: int = 16) -> int:
    """Series per task: about `tasks_per_worker` tasks per worker (a slow or retried task then
    delays the run by a fraction of a worker's share), never fewer than `min_size` series (the
    vmapped engine is efficient on wide stacks, and each task has a fixed cost)."""
    return max(1, min(n, max(min_size, -(-n // (max(1, workers) * tasks_per_worker)))))


def slices(n: int, size: int) -> list[slice]:
    """Contiguous slices of size `size` covering range(n) (the last may be shorter)."""
    return [slice(a, min(a + size, n)) for a in range(0, n, size)]


def _pad(a: np.ndarray, n: int) -> np.ndarray:
    return np.concatenate([a, np.zeros((n - len(a), *a.shape[1:]), a.dtype)]) if n > len(a) else a


@dataclass(frozen=True)
class WindowShard:
    """One task: S window sets trained with seeds seed .. seed + seeds - 1 (the same for each set)."""
    model: ModelConfig
    train: TrainConfig
    x: np.ndarray                    # (S, N, T, F) windows
    y: np.ndarray                    # (S, N, O) targets
    w: np.ndarray                    # (S, N) sample weights (0 = padding row)
    seed: int = 1
    seeds: int = 1
    x_last: np.ndarray | None = None  # (S, T, F): the window to forecast from, or None
    pad_to: int = 0                  # pad the stack to this many sets (one compiled shape for all shards)


def train_windows(task: WindowShard) -> dict:
    """Train a shard; returns numpy {"params": tree of (K, S, ...), "loss": (K, S, E),
    "forecast": (K, S, O) or None}, with S the shard's own size (padding dropped)."""
    s = len(task.x)
    n = max(s, task.pad_to)
    x, y, w = (_pad(np.asarray(a, np.float32), n) for a in (task.x, task.y, task.w))
    keys = jax.vmap(jax.random.key)(np.arange(task.seed, task.seed + task.seeds))
    params, m = compiled_train(task.model, task.train, vmap_keys=True, vmap_data=True)(keys, x, y, w)
    out = {"params": jax.tree.map(lambda a: np.asarray(a)[:, :s], params),
           "loss": np.asarray(m["loss"])[:, :s], "forecast": None}
    if task.x_last is not None:
        xl = _pad(np.asarray(task.x_last, np.float32), n)[:, None]                 # (S, 1, T, F)
        # each (seed, set) model forecasts its own set's last window: flatten (K, S) into one axis
        flat = jax.tree.map(lambda a: a.reshape(-1, *a.shape[2:]), params)         # (K*S, ...)
        xs = np.broadcast_to(xl, (task.seeds, *xl.shape)).reshape(-1, *xl.shape[1:])
        out["forecast"] = np.asarray(predict_many_own(flat, xs)).reshape(task.seeds, n, -1)[:, :s, ]
    return out


def gather(results: list[dict], key: str, axis: int = 1):
    """Concatenate the shards' `key` arrays (trees) along the series axis, in shard order."""
    return jax.tree.map(lambda *a: np.concatenate(a, axis=axis), *[r[key] for r in results])


def standard_windows(values: np.ndarray, look_back: int, horizon: int):
    """Equal-length series (S, n) -> per-series standardized windows for direct h-step training:
    x (S, N, L, 1), y (S, N, h), x_last (S, L, 1), and (loc, spread) (S,) each to invert forecasts.
    Each series is scaled by its own mean and sd (prep.transforms.fit_pipeline's "standard")."""
    v = np.asarray(values, np.float64)
    loc = v.mean(axis=1)
    spread = v.std(axis=1)
    spread = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
    z = ((v - loc[:, None]) / spread[:, None]).astype(np.float32)                  # (S, n)
    targets = range(look_back, v.shape[1] - horizon + 1)
    xy = [windows(zi, look_back, targets, horizon) for zi in z]
    x = np.stack([a for a, _ in xy])                                               # (S, N, L, 1)
    y = np.stack([b for _, b in xy])                                               # (S, N, h)
    return x, y, z[:, -look_back:, None], (loc, spread)
