"""Pretraining on synthetic series only: `python -m lstmcast.pretrain --out DIR --steps N --batch B --seed S`.

Each step draws a fresh batch from the generator (synth.py; the draw of step k is a function of (seed, k),
so a resumed run sees the batches an uninterrupted one would), cuts each series into a context of
log-uniform 10..C values (half of them the full C) and the H values after it, and takes one Adam step
(optax, gradient norm clipped at 1) on the pinball loss. Learning rate:
- `--schedule cosine` (default): 1e-3 with a cosine decay to 1e-4 over --steps;
- `--schedule wsd` (warmup-stable-decay): a linear warmup over the first 2% of steps (at most 500), 1e-3, then a linear
  decay to 1e-4 over the last 20% of --steps. With `--max-seconds S` the run ends by the clock: the decay
  starts when 80% of S has passed and lasts a quarter of the steps taken so far (in this stage: from
  --warm-from, where a second stage resumed from a decayed checkpoint warms up again to --peak); config.json records the
  steps it took and where the decay began, so `--steps N --decay-from K` reproduces the run.
`--workers W` draws batches in W child processes (batch k from worker k mod W: the order stays a function
of the seed). `--units 64/128/128,128` trains several networks on the very same batches, each in DIR/u<units>.
DIR (or each DIR/u<units>) gets:
- ckpt.npz   parameters, optimiser state and step (every --every steps and at the end; resumes from it);
- loss.csv   step, train loss (mean over the last --every steps), held-out synthetic loss, seconds;
- config.json  the network's and the run's settings.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import net
from .synth import VERSION, generate

CHUNK = 4   # batches drawn by one generator call (its loops over time cost the same for more series)
PEAK, FLOOR = 1e-3, 1e-4


def _windows(rng, n: int, cfg: net.NetConfig):
    """n (x, base, target) windows: contexts of log-uniform 10..C values (half the full C), targets in
    scaled units (clipped to +-50)."""
    C, H = cfg.context, cfg.horizon
    out = generate(rng, n, C + H)
    y, season = out["y"], out["season"]
    n_ctx = np.where(rng.random(n) < 0.5, C, np.exp(rng.uniform(np.log(10), np.log(C), n)).astype(int)).clip(10, C)
    mask = (np.arange(C)[None, :] >= C - n_ctx[:, None]).astype(np.float64)
    x, level, scale, base = net.features(y[:, :C], mask, season, cfg)
    target = np.clip((y[:, C:] - level[:, None]) / scale[:, None], -50, 50).astype(np.float32)
    return x, base, target


def make_batches(seed: int, chunk: int, batch: int, cfg: net.NetConfig):
    """The CHUNK training batches of steps CHUNK * chunk ...: a list of (x, base, target). A function of
    (seed, chunk) alone."""
    x, base, target = _windows(np.random.default_rng([seed, chunk]), batch * CHUNK, cfg)
    return [(x[k:k + batch], base[k:k + batch], target[k:k + batch]) for k in range(0, batch * CHUNK, batch)]


def make_batch(seed: int, step: int, batch: int, cfg: net.NetConfig):
    """One batch of `batch` windows (the held-out set): (x, base, target)."""
    return _windows(np.random.default_rng([seed, step]), batch, cfg)


def learning_rate(k: int, steps: int, schedule: str, decay_from: int | None = None, peak: float = PEAK,
                  warm_from: int = 0) -> float:
    """The learning rate of step k (0-based) of a run of `steps` steps (wsd: warming up again from step
    `warm_from`, for a second stage resumed from a decayed checkpoint)."""
    if schedule == "cosine":
        return FLOOR + (peak - FLOOR) * 0.5 * (1 + np.cos(np.pi * min(k, steps) / max(steps, 1)))
    warm = max(min(steps // 50, 500), 1)
    start = int(0.8 * steps) if decay_from is None else decay_from
    if k - warm_from < warm:
        return peak * (k - warm_from + 1) / warm
    if k < start:
        return peak
    return peak + (FLOOR - peak) * min((k - start) / max(steps - start, 1), 1.0)


def make_step(cfg: net.NetConfig):
    """(optimiser, step(params, state, x, base, target, lr), loss(params, x, base, target)): Adam with the
    gradient norm clipped at 1; the learning rate is an argument of each step."""
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.scale_by_adam())
    median = cfg.levels.index(0.5)

    def loss_fn(params, x, base, target):
        q = net.quantiles(params, x, base, len(cfg.levels), median)
        return net.pinball(q, target, cfg.levels)

    @jax.jit
    def step(params, state, x, base, target, lr):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, base, target)
        updates, state = opt.update(grads, state, params)
        updates = jax.tree_util.tree_map(lambda u: -lr * u, updates)
        return optax.apply_updates(params, updates), state, loss

    return opt, step, jax.jit(loss_fn)


def save_checkpoint(path: str, params, state, step: int) -> None:
    leaves = jax.tree_util.tree_leaves((params, state))
    arrays = {f"a{i}": np.asarray(v) for i, v in enumerate(leaves)}
    tmp = path + ".tmp.npz"
    # (mypy: a dict of arrays passed as **kwargs could also fill savez's allow_pickle: bool)
    np.savez(tmp, step=np.int64(step), **arrays)  # type: ignore[arg-type]
    os.replace(tmp, path)          # a killed run leaves the previous checkpoint whole


def load_checkpoint(path: str, params, state):
    """(params, state, step) from `path`, shaped like the given fresh trees."""
    treedef = jax.tree_util.tree_structure((params, state))
    with np.load(path, allow_pickle=False) as z:
        n = treedef.num_leaves  # type: ignore[attr-defined]  # jaxlib ships no stub for its compiled PyTreeDef
        leaves = [jnp.asarray(z[f"a{i}"]) for i in range(n)]
        step = int(z["step"])
    params, state = jax.tree_util.tree_unflatten(treedef, leaves)
    return params, state, step


def _worker(q, seed, first, stride, batch, cfg):
    c = first
    while True:
        q.put(make_batches(seed, c, batch, cfg))
        c += stride


class Prefetch:
    """Training batches from `workers` child processes (the generator's Python loops would hold the GIL in a
    thread); chunk c comes from worker c mod workers, so the order is the seed's whatever the timing."""

    def __init__(self, seed, start, batch, cfg, workers=1):
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")    # the children's Cholesky: threads only fight for the cores
        saved = os.environ.get("JAX_PLATFORMS")
        os.environ["JAX_PLATFORMS"] = "cpu"    # the children use numpy only: never let them claim the GPU
        ctx = multiprocessing.get_context("spawn")
        c0 = start // CHUNK
        self.queues = [ctx.Queue(maxsize=3) for _ in range(workers)]
        self.procs = [ctx.Process(target=_worker, args=(q, seed, c0 + w, workers, batch, cfg), daemon=True)
                      for w, q in enumerate(self.queues)]
        for p in self.procs:
            p.start()
        if saved is None:
            os.environ.pop("JAX_PLATFORMS")
        else:
            os.environ["JAX_PLATFORMS"] = saved
        self.chunk, self.skip, self.buf = c0, start - c0 * CHUNK, []

    def get(self):
        while not self.buf:
            self.buf = self.queues[self.chunk % len(self.queues)].get()[self.skip:]
            self.chunk, self.skip = self.chunk + 1, 0
        return self.buf.pop(0)

    def close(self):
        for p in self.procs:
            p.terminate()


class Model:
    """One network being trained: its parameters, optimiser state, step function and run directory."""

    def __init__(self, out: str, seed: int, cfg: net.NetConfig, run_cfg: dict):
        self.out, self.cfg, self.run_cfg = out, cfg, run_cfg
        os.makedirs(out, exist_ok=True)
        self.ckpt, self.log = os.path.join(out, "ckpt.npz"), os.path.join(out, "loss.csv")
        self.params = net.init(jax.random.key(seed), cfg)
        self.opt, self.step_fn, self.loss_fn = make_step(cfg)
        self.state, self.start = self.opt.init(self.params), 0
        self.losses: list[Any] = []         # the step losses since the last log line (device scalars)
        if os.path.exists(self.ckpt):
            self.params, self.state, self.start = load_checkpoint(self.ckpt, self.params, self.state)
            print(f"resumed from {self.ckpt} at step {self.start}", flush=True)
        else:
            with open(self.log, "w") as f:
                f.write("step,train_loss,val_loss,seconds\n")
        self.write_config()

    def write_config(self, **extra):
        self.run_cfg.update(extra)
        with open(os.path.join(self.out, "config.json"), "w") as f:
            json.dump({"net": self.cfg.to_dict(), **self.run_cfg, "generator": VERSION}, f)

    def train(self, batch, lr):
        self.params, self.state, loss = self.step_fn(self.params, self.state, *batch, lr)
        self.losses.append(loss)

    def checkpoint(self, k: int, val, secs: float) -> str:
        tl = float(np.mean([float(v) for v in self.losses]))
        vl = float(self.loss_fn(self.params, *val))
        with open(self.log, "a") as f:
            f.write(f"{k},{tl:.5f},{vl:.5f},{secs:.1f}\n")
        save_checkpoint(self.ckpt, self.params, self.state, k)
        self.losses = []
        return f"{os.path.basename(self.out)} train {tl:.4f} val {vl:.4f}"


def run(out: str, steps: int, batch: int, seed: int, cfgs, every: int = 100, val_n: int = 512,
        workers: int = 1, schedule: str = "cosine", max_seconds: float | None = None,
        decay_from: int | None = None, peak: float = PEAK, warm_from: int = 0) -> None:
    cfgs = list(cfgs) if isinstance(cfgs, (list, tuple)) else [cfgs]
    dirs = [out] if len(cfgs) == 1 else [os.path.join(out, "u" + "-".join(map(str, c.units))) for c in cfgs]
    run_cfg = {"steps": steps, "batch": batch, "seed": seed, "schedule": schedule, "decay_from": decay_from,
               "peak": peak, "warm_from": warm_from}
    models = [Model(d, seed, c, dict(run_cfg)) for d, c in zip(dirs, cfgs)]
    start = min(m.start for m in models)
    val = make_batch(seed + 10 ** 6, 0, val_n, cfgs[0])      # held-out synthetic draws: another seed
    feed = Prefetch(seed, start, batch, cfgs[0], workers)
    t_run = t0 = time.perf_counter()
    k = start
    try:
        while k < steps:
            if max_seconds and decay_from is None and time.perf_counter() - t_run > 0.8 * max_seconds:
                decay_from, steps = k, k + max((k - warm_from) // 4, 1)   # the clock: decay now, a quarter more
                for m in models:
                    m.write_config(steps=steps, decay_from=decay_from)
                print(f"decay from step {k} to step {steps}", flush=True)
            lr = learning_rate(k, steps, schedule, decay_from, peak, warm_from)
            b = feed.get()
            for m in models:
                if k >= m.start:
                    m.train(b, lr)
            k += 1
            if k % every == 0 or k == steps:
                secs = time.perf_counter() - t0
                msg = " | ".join(m.checkpoint(k, val, secs) for m in models)
                print(f"step {k} lr {lr:.2e}: {msg} | {every / max(secs, 1e-9):.2f} steps/s", flush=True)
                t0 = time.perf_counter()
    finally:
        feed.close()


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m lstmcast.pretrain", description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="run directory (checkpoints, loss.csv); resumes from it")
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--context", type=int, default=128)
    p.add_argument("--horizon", type=int, default=48)
    p.add_argument("--units", default="64", help="LSTM layer sizes, comma-separated; several networks: /")
    p.add_argument("--every", type=int, default=100, help="log and checkpoint every N steps")
    p.add_argument("--workers", type=int, default=1, help="generator processes")
    p.add_argument("--schedule", choices=("cosine", "wsd"), default="cosine")
    p.add_argument("--max-seconds", type=float, default=None, help="wsd: end by the clock (see above)")
    p.add_argument("--decay-from", type=int, default=None, help="wsd: the step where the decay begins")
    p.add_argument("--peak", type=float, default=PEAK, help="the peak learning rate")
    p.add_argument("--warm-from", type=int, default=0, help="wsd: warm up again from this step (a second stage)")
    a = p.parse_args(argv)
    cfgs = [net.NetConfig(context=a.context, horizon=a.horizon, units=tuple(int(u) for u in us.split(",")))
            for us in a.units.split("/")]
    if a.max_seconds and a.schedule != "wsd":
        p.error("--max-seconds needs --schedule wsd")
    run(a.out, a.steps, a.batch, a.seed, cfgs, a.every, workers=a.workers, schedule=a.schedule,
        max_seconds=a.max_seconds, decay_from=a.decay_from, peak=a.peak, warm_from=a.warm_from)
