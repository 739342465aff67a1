"""Fine-tuning the pretrained LSTM on the user's series (pure arrays; an experiment, not yet a Forecaster member).

    params2 = finetune(params, cfg, [y1, y2, ...], season=12, steps=200)

Every origin of every series with at least 10 values before it and 1 after is a window (context: the
values before it, left-padded to C; target: the next H values, masked where the series ends). Each step
samples `batch` windows (seeded) and takes one Adam step (lr 3e-4, gradient norm clipped at 1) on the
masked pinball loss of pretrain/net.py, in the same scaled units as pretraining.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import net


def windows(series: list, season, cfg: net.NetConfig):
    """(x, base, target, tmask) of every origin of every series (see the module docstring)."""
    C, H = cfg.context, cfg.horizon
    season = np.broadcast_to(np.asarray(season, np.int64), (len(series),))
    ctx, mask, fut, fmask, seas = [], [], [], [], []
    for y, m in zip(series, season):
        y = np.asarray(y, np.float64)
        for t in range(10, len(y)):
            c = y[max(0, t - C):t]
            row = np.zeros(C)
            row[C - len(c):] = c
            ctx.append(row)
            mask.append(np.arange(C) >= C - len(c))
            f = y[t:t + H]
            fut.append(np.r_[f, np.zeros(H - len(f))])
            fmask.append(np.arange(H) < len(f))
            seas.append(m)
    if not ctx:
        raise ValueError("no series has 11 values: nothing to fine-tune on")
    ctx_a, mask_a, fut_a, fmask_a = map(np.asarray, (ctx, mask, fut, fmask))
    x, level, scale, base = net.features(ctx_a, mask_a.astype(np.float64), np.asarray(seas), cfg)
    target = np.clip((fut_a - level[:, None]) / scale[:, None], -50, 50).astype(np.float32)
    return x, base, target, fmask_a.astype(np.float32)


@functools.lru_cache(maxsize=4)
def _step(cfg: net.NetConfig, lr: float):
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(lr))
    median = cfg.levels.index(0.5)
    tau = jnp.asarray(cfg.levels, jnp.float32)

    def loss_fn(params, x, base, target, tmask):
        q = net.quantiles(params, x, base, len(cfg.levels), median)
        d = target[..., None] - q
        pin = jnp.maximum(tau * d, (tau - 1) * d).mean(-1)
        return (pin * tmask).sum() / jnp.maximum(tmask.sum(), 1.0)

    @jax.jit
    def step(params, state, x, base, target, tmask):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, base, target, tmask)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    return opt, step


def finetune(params, cfg: net.NetConfig, series: list, season, steps: int = 200, batch: int = 64,
             lr: float = 3e-4, seed: int = 0):
    """The pretrained parameters after `steps` Adam steps on the windows of `series`."""
    x, base, target, tmask = windows(series, season, cfg)
    opt, step = _step(cfg, float(lr))
    state = opt.init(params)
    rng = np.random.default_rng(seed)
    for _ in range(int(steps)):
        i = rng.integers(0, len(x), batch)
        params, state, _ = step(params, state, x[i], base[i], target[i], tmask[i])
    return params
