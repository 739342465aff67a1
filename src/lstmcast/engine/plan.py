"""A resource plan from shapes alone, before anything is allocated: peak memory and work of a request.

    p = estimate(n_windows=120, seeds=10, look_back=12, n_features=1, units=(16,), horizon=12,
                 batch_size=8, epochs=100)
    chunks = check_fits(p)      # 1 if it fits at once, k: run the seeds in k chunks; else a DataError

Model (float32 unless noted; K = seeds x series models trained at once by vmap):
    data       series * N * T * F * 4                    the windows, shared by the seeds
    shuffled   K * N_pad * (T * F + H) * 4               each model's reshuffled copy per epoch
    params     K * 8 * P * 4                             weights, grads, Adam mu/nu, best copy, temps
    activations K * B * T * sum_l(8 U_l + in_l) * 4 * 2   what backprop keeps per minibatch
    forecast   K * origins * (steps + look_back) * 8 * 4   float64 paths, tails and quantile copies
P = sum_l 4 U_l (in_l + U_l + 1) + U_last * H + H. Work: 3 x 2 x 4 U (in + U) flops per step of a
sequence for training (forward + backward), 2 x 4 U (in + U) for prediction. The estimate is an
order of magnitude guide (tests hold it within a factor of a measured peak), not an exact count.
"""
from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from ..data.era import day
from ..errors import DataError

if TYPE_CHECKING:   # for annotations only: at run time plan.py loads neither jax nor pandas
    from ..data.panel_core import Panel
    from .config import TrainConfig

OVERHEAD = 64 << 20      # XLA's own buffers and compiled code, counted once


@dataclass(frozen=True)
class Plan:
    bytes_peak: int                 # estimated peak of the request's own arrays (bytes)
    flops: float                    # estimated floating-point operations
    per_model_bytes: int            # the part that grows with each model (seed x series): chunkable
    models: int                     # seeds x series trained/predicted at once
    parts: dict[str, int] = field(default_factory=dict)    # name -> bytes
    flags: dict[str, str] = field(default_factory=dict)    # part name -> the flag that shrinks it
    shorten: str = ""               # the flags that shorten the run (said when it is long)

    def describe(self) -> str:
        return f"~{fmt_bytes(self.bytes_peak)} of memory, ~{self.flops:.2g} flops"

    def seconds(self) -> float:
        """A rough run time: flops at FLOPS_PER_SECOND (one core's pace on these small LSTMs)."""
        return self.flops / FLOPS_PER_SECOND


def fmt_seconds(s: float) -> str:
    return f"{s:.0f} s" if s < 90 else f"{s / 60:.0f} min" if s < 5400 else f"{s / 3600:.1f} h"


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"


def estimate(n_windows: int, seeds: int, look_back: int, n_features: int, units: int | Iterable[int], horizon: int,
             batch_size: int, series: int = 1, epochs: int = 1, steps: int = 0, origins: int = 1,
             framing: str = "timesteps") -> Plan:
    """Peak bytes and flops of training (`epochs` > 0, on `n_windows` windows) and forecasting (`steps`
    ahead from `origins` origins), for `seeds` x `series` models of `units` (int or tuple) LSTM layers
    with a Dense(`horizon`) head. Python ints throughout: no overflow however large the request."""
    units = (int(units),) if isinstance(units, int) else tuple(int(u) for u in units)
    K = int(seeds) * int(series)
    N, B, H = int(n_windows), int(batch_size), int(horizon)
    T, F = (1, int(look_back) * int(n_features)) if framing == "window" else (int(look_back), int(n_features))
    ins = (F, *units[:-1])
    P = sum(4 * u * (i + u + 1) for i, u in zip(ins, units)) + units[-1] * H + H
    cell = sum(4 * u * (i + u) for i, u in zip(ins, units))          # multiply-adds per time step
    n_pad = -(-N // B) * B if N else 0
    train = epochs > 0 and N > 0
    parts = {
        "data": 4 * int(series) * N * (T * F + H) if train else 0,
        "shuffled": 4 * K * n_pad * (T * F + H) if train else 0,
        "params": 4 * K * 8 * P,
        "activations": 8 * K * min(B, max(N, 1)) * T * sum(8 * u + i for i, u in zip(ins, units)) if train else 0,
        "forecast": 32 * K * int(origins) * (int(steps) + T) if steps else 0,
    }
    flops = (6.0 * cell * T * n_pad * int(epochs) * K if train else 0.0) + \
        2.0 * cell * T * int(steps) * int(origins) * K
    per_model = parts["shuffled"] + parts["params"] + parts["activations"] + parts["forecast"]
    flags = {"data": "the series length or --look-back", "shuffled": "--seeds",
             "params": "--units" if max(units) * len(units) > 64 else "--seeds",
             "activations": "--batch-size" if B > 64 else "--units",
             "forecast": "--horizon" if steps > 1000 else "--seeds"}
    return Plan(bytes_peak=OVERHEAD + sum(parts.values()), flops=flops, per_model_bytes=per_model // max(K, 1),
                models=K, parts=parts, flags=flags)


# WHAT THE CHECKS READ OF A FIT'S SPEC (models.ensemble.Spec, a layer above: described here, not imported) -

class RecipeLike(Protocol):
    @property
    def look_back(self) -> int: ...
    @property
    def n_features(self) -> int: ...
    @property
    def framing(self) -> str: ...
    @property
    def units(self) -> tuple[int, ...]: ...
    @property
    def h(self) -> int: ...


class SpecLike(Protocol):
    @property
    def recipe(self) -> RecipeLike: ...
    @property
    def train(self) -> TrainConfig: ...
    @property
    def seeds(self) -> int: ...
    @property
    def scope(self) -> str: ...


# MEMORY AVAILABLE -------------------------------------------------------------------------------

_DEFAULT_MAX: dict[str, int | None] = {"bytes": None}     # set by the CLI's --max-memory
_REPORT: dict[str, Callable[[str], object] | None] = {"fn": None}   # set by the CLI: where long-run notes go
BIG_FLOPS = 1e11                    # about a minute of these small LSTM steps on a laptop core
FLOPS_PER_SECOND = 1.5e9            # what one core of a 2-core x86-64 CPU does of them, in vmapped chunks


def set_reporter(fn: Callable[[str], object] | None) -> None:
    """A callable receiving one-line notes about long requests (None: silent)."""
    _REPORT["fn"] = fn


def set_max_memory(n_bytes: int | None) -> None:
    """A cap for check_fits when it is given none (the CLI's --max-memory)."""
    _DEFAULT_MAX["bytes"] = None if n_bytes is None else int(n_bytes)


def device_memory() -> int | None:
    """Free bytes on the accelerator JAX computes on (its allocator's limit minus what is in use), or
    None on CPU or when the backend does not say. Looks only if jax is already imported."""
    jax = sys.modules.get("jax")
    if jax is None:
        return None
    try:
        dev = jax.devices()[0]
        stats = dev.memory_stats() if dev.platform != "cpu" else None
        if stats and "bytes_limit" in stats:
            return max(int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0)), 0)
    except Exception:   # no backend yet, or a backend without memory stats: use host memory
        return None
    return None


def available_memory() -> int:
    """Bytes this process can still allocate: the accelerator's free memory when JAX runs on one,
    else MemAvailable, lowered by a cgroup (container) limit."""
    dev = device_memory()
    if dev is not None:
        return dev
    avail = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            avail = 8 << 30
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            cap = f.read().strip()
        if cap != "max":
            with open("/sys/fs/cgroup/memory.current") as f:
                avail = min(avail, int(cap) - int(f.read().strip()))
    except (OSError, ValueError):
        pass
    return max(int(avail), 0)


def parse_bytes(text: str) -> int:
    """'512M', '2G', '1.5GiB', '1000000' -> bytes; ValueError otherwise."""
    t = str(text).strip().upper().removesuffix("B").removesuffix("I")
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(t[-1:], 1)
    num = float(t[:-1] if t[-1:] in "KMGT" and t else t)
    if not math.isfinite(num) or num <= 0:
        raise ValueError(text)
    return int(num * mult)


def check_fits(plan: Plan, max_memory: int | None = None, what: str = "this request",
               chunkable: bool = True) -> int:
    """How many chunks (over the models: seeds x series) make `plan` fit in memory: 1 = all at once.

    The limit is `max_memory`, else the CLI's --max-memory, else 80% of the memory available now.
    Raises a one-line DataError saying what is needed, what there is and which flag to lower when
    even one model at a time does not fit (or, with chunkable=False, when all at once do not).
    """
    if _REPORT["fn"] is not None and plan.flops > BIG_FLOPS:
        how = f"; {plan.shorten} shortens it" if plan.shorten else ""
        _REPORT["fn"](f"{what}: a long run ({plan.describe()}: about {fmt_seconds(plan.seconds())} on one core{how}); "
                      "Ctrl-C stops it cleanly")
    user = max_memory if max_memory is not None else _DEFAULT_MAX["bytes"]
    limit = int(user) if user is not None else int(0.8 * available_memory())
    if plan.bytes_peak <= limit:
        return 1
    fixed = plan.bytes_peak - plan.per_model_bytes * plan.models
    per_chunk = (limit - fixed) // plan.per_model_bytes if plan.per_model_bytes else 0
    if per_chunk >= 1 and plan.models > 1 and chunkable:
        return -(-plan.models // per_chunk)
    big = max(plan.parts, key=plan.parts.__getitem__) if per_chunk < 1 or plan.models == 1 else "shuffled"
    where = "--max-memory" if user is not None else "available"
    raise DataError(f"{what} needs about {fmt_bytes(plan.bytes_peak)} of memory (mostly {big}: "
                    f"{fmt_bytes(plan.parts[big])}), {fmt_bytes(limit)} {where}; lower {plan.flags[big]}"
                    + (" or raise --max-memory" if user is not None else ""))


def in_chunks(fn: Callable[..., Any], keys: Any, n_chunks: int, *args: Any) -> Any:
    """`fn(keys, *args)` run on `n_chunks` slices of `keys` (axis 0), outputs joined on axis 0."""
    if n_chunks <= 1:
        return fn(keys, *args)
    import jax  # JAX (~1 s): loaded when a training runs, not when the plan is made
    bounds = np.linspace(0, len(keys), min(n_chunks, len(keys)) + 1).astype(int)
    outs = [jax.tree.map(np.asarray, fn(keys[a:b], *args)) for a, b in zip(bounds[:-1], bounds[1:])]
    return jax.tree.map(lambda *xs: np.concatenate(xs, axis=0) if np.ndim(xs[0]) else xs[0], *outs)


def check_forecast(spec: SpecLike, panel: Panel, diffs: Mapping[Any, Iterable[int]], h: int,
                   level: object = None, lengths: Iterable[int] | None = None) -> int:
    """The plan of an h-step forecast (`level`: with intervals) of a fitted model (its Spec, panel and
    per-series differencing) checked before it allocates; also that the h dates after each series stay
    within pandas' calendar (years 1677..2262). Returns check_fits's chunks."""
    rec = spec.recipe
    D = max((sum(d) for d in diffs.values()), default=0)
    n_series = max(len(diffs), 1)
    longest = int(max(panel.lengths)) if lengths is None else int(max(lengths))
    p = estimate(0, spec.seeds, rec.look_back + D, rec.n_features // (rec.look_back if rec.framing == "window" else 1),
                 rec.units, rec.h, 1, series=n_series, epochs=0, steps=int(h),
                 origins=1 + (min(301, longest) if level else 0))
    chunks = check_fits(p, what=f"a {h}-step forecast of {n_series} series with {spec.seeds} members")
    last_end = panel.ends.max()
    try:
        last = last_end + int(h) * panel.offset
        bad = last > pd.Timestamp.max.tz_localize(last.tz) if last.tz is not None else last > pd.Timestamp.max
    except (OverflowError, ValueError):
        bad = True
    if bad:
        limit, end = panel.localize(pd.DatetimeIndex([pd.Timestamp.max.floor("D"), last_end]))   # the user's era
        raise DataError(f"--horizon {h} runs past {day(limit)}, the last date this data's grid can hold (pandas "
                        f"holds 584 years of dates), from {day(end)} at frequency {panel.freq}; lower --horizon")
    return chunks


def check_training(spec: SpecLike, n_windows: int, n_series: int) -> int:
    """check_fits for a fit: global scope trains seeds models on all windows; local seeds x series
    models on their own windows (n_windows: the largest series' count, or the windows a pass draws from
    it: models/lstm.py effective_windows)."""
    rec, tc = spec.recipe, spec.train
    n_feat = rec.n_features // (rec.look_back if rec.framing == "window" else 1)
    epochs = -(-tc.steps * tc.batch_size // max(n_windows, 1)) if tc.steps else tc.epochs
    p = estimate(n_windows, spec.seeds, rec.look_back, n_feat, rec.units, rec.h, tc.batch_size,
                 series=n_series, epochs=max(int(epochs), 1), framing=rec.framing)
    p = replace(p, shorten="--steps or --seeds" if tc.steps else "--epochs or --seeds")
    return check_fits(p, what=f"training {spec.seeds} seeds x {n_series} series ({spec.scope} scope)")
