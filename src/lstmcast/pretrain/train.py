"""Pretraining on synthetic series only: `python -m lstmcast.pretrain --out DIR --steps N --batch B --seed S`.

Each step draws a fresh batch from the generator (synth.py; the draw of step k is a function of (seed, k),
so a resumed run sees the batches an uninterrupted one would), cuts each series into a context of
log-uniform 10..C values (half of them the full C) and the H values after it, and takes one Adam step
(optax, gradient norm clipped at 1, learning rate 1e-3 with a cosine decay to 1e-4 over --steps) on
the pinball loss. DIR gets:
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

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import net
from .synth import VERSION, generate

CHUNK = 4   # batches drawn by one generator call (its loops over time cost the same for more series)


def make_batches(seed: int, chunk: int, batch: int, cfg: net.NetConfig):
    """The CHUNK training batches of steps CHUNK * chunk ...: a list of (x, base, target), the target in
    scaled units (clipped to +-50). A function of (seed, chunk) alone."""
    rng = np.random.default_rng([seed, chunk])
    C, H = cfg.context, cfg.horizon
    n = batch * CHUNK
    out = generate(rng, n, C + H)
    y, season = out["y"], out["season"]
    n_ctx = np.where(rng.random(n) < 0.5, C, np.exp(rng.uniform(np.log(10), np.log(C), n)).astype(int)).clip(10, C)
    mask = (np.arange(C)[None, :] >= C - n_ctx[:, None]).astype(np.float64)
    x, level, scale, base = net.features(y[:, :C], mask, season, cfg)
    target = np.clip((y[:, C:] - level[:, None]) / scale[:, None], -50, 50).astype(np.float32)
    return [(x[k:k + batch], base[k:k + batch], target[k:k + batch]) for k in range(0, n, batch)]


def make_batch(seed: int, step: int, batch: int, cfg: net.NetConfig):
    """One batch of `batch` windows (the held-out set): (x, base, target)."""
    rng = np.random.default_rng([seed, step])
    C, H = cfg.context, cfg.horizon
    out = generate(rng, batch, C + H)
    y, season = out["y"], out["season"]
    n_ctx = np.where(rng.random(batch) < 0.5, C,
                     np.exp(rng.uniform(np.log(10), np.log(C), batch)).astype(int)).clip(10, C)
    mask = (np.arange(C)[None, :] >= C - n_ctx[:, None]).astype(np.float64)
    x, level, scale, base = net.features(y[:, :C], mask, season, cfg)
    target = np.clip((y[:, C:] - level[:, None]) / scale[:, None], -50, 50).astype(np.float32)
    return x, base, target


def make_step(cfg: net.NetConfig, total_steps: int):
    sched = optax.cosine_decay_schedule(1e-3, max(total_steps, 1), alpha=0.1)
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(sched))
    median = cfg.levels.index(0.5)

    def loss_fn(params, x, base, target):
        q = net.quantiles(params, x, base, len(cfg.levels), median)
        return net.pinball(q, target, cfg.levels)

    @jax.jit
    def step(params, state, x, base, target):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, base, target)
        updates, state = opt.update(grads, state, params)
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


def _worker(q, seed, start, steps, batch, cfg):
    for c in range(start // CHUNK, -(-steps // CHUNK)):
        for k, b in enumerate(make_batches(seed, c, batch, cfg)):
            if start <= c * CHUNK + k < steps:
                q.put(b)


def _prefetch(seed, start, steps, batch, cfg):
    """Batches from a child process (the generator's Python loops would hold the GIL in a thread)."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")    # the child's Cholesky: threads only fight on a loaded machine
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue(maxsize=2 * CHUNK)
    proc = ctx.Process(target=_worker, args=(q, seed, start, steps, batch, cfg), daemon=True)
    proc.start()
    return q


def run(out: str, steps: int, batch: int, seed: int, cfg: net.NetConfig, every: int = 100,
        val_n: int = 512) -> None:
    os.makedirs(out, exist_ok=True)
    ckpt, log = os.path.join(out, "ckpt.npz"), os.path.join(out, "loss.csv")
    params = net.init(jax.random.key(seed), cfg)
    opt, step_fn, loss_fn = make_step(cfg, steps)
    state = opt.init(params)
    start = 0
    if os.path.exists(ckpt):
        params, state, start = load_checkpoint(ckpt, params, state)
        print(f"resumed from {ckpt} at step {start}", flush=True)
    else:
        with open(log, "w") as f:
            f.write("step,train_loss,val_loss,seconds\n")
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump({"net": cfg.to_dict(), "steps": steps, "batch": batch, "seed": seed, "generator": VERSION}, f)
    val = make_batch(seed + 10 ** 6, 0, val_n, cfg)      # held-out synthetic draws: another seed
    q = _prefetch(seed, start, steps, batch, cfg)
    t0, losses = time.perf_counter(), []
    for k in range(start, steps):
        params, state, loss = step_fn(params, state, *q.get())
        losses.append(float(loss))
        if (k + 1) % every == 0 or k + 1 == steps:
            secs = time.perf_counter() - t0
            vl = float(loss_fn(params, *val))
            with open(log, "a") as f:
                f.write(f"{k + 1},{np.mean(losses):.5f},{vl:.5f},{secs:.1f}\n")
            save_checkpoint(ckpt, params, state, k + 1)
            print(f"step {k + 1}: train {np.mean(losses):.4f} val {vl:.4f} "
                  f"{len(losses) / max(secs, 1e-9):.2f} steps/s", flush=True)
            losses, t0 = [], time.perf_counter()


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m lstmcast.pretrain", description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="run directory (checkpoints, loss.csv); resumes from it")
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--context", type=int, default=128)
    p.add_argument("--horizon", type=int, default=48)
    p.add_argument("--units", default="64", help="LSTM layer sizes, comma-separated")
    p.add_argument("--every", type=int, default=100, help="log and checkpoint every N steps")
    a = p.parse_args(argv)
    cfg = net.NetConfig(context=a.context, horizon=a.horizon, units=tuple(int(u) for u in a.units.split(",")))
    run(a.out, a.steps, a.batch, a.seed, cfg, a.every)
