"""Zero-shot forecasts of the pretrained LSTM (weights shipped in lstmcast/weights/): pure arrays in and out.

    point, bounds = forecast_arrays([y1, y2, ...], season=12, h=12, levels=(80, 95))
    # point (n, h): the median; bounds {80: (lo (n, h), hi (n, h)), 95: ...}

No training step: each series' last C values (C = the card's context, 128) go through the network of
pretrain/net.py once (horizons past its direct H = 48 recurse on the median). Batches are padded to
a power of two (at least 64), so one compiled program serves each bucket. The weights load once per
process; a file whose sha256 differs from the model card's is refused with a one-line DataError.
Levels: the quantile head gives 0.025 ... 0.975; a level L uses the quantiles (1 -/+ L/100) / 2,
interpolated (or, past 95, extrapolated) linearly in normal-score space between the two nearest.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from statistics import NormalDist

import jax
import jax.numpy as jnp
import numpy as np

from ..engine.cache import enable_compilation_cache
from ..errors import DataError
from ..pretrain import net
from .baselines import finite_history
from .pretrained_card import weights_dir

enable_compilation_cache()     # a second process loads the bucket programs instead of compiling them

def _refuse(path, why) -> DataError:
    return DataError(f"pretrained weights {path}: {why}; reinstall lstmcast (pip install --force-reinstall lstmcast)")


def load(directory: str | None = None):
    """(params, NetConfig, card) from directory/pretrained.{npz,json}; checks the card's sha256."""
    directory = directory or weights_dir()
    npz, card_path = os.path.join(directory, "pretrained.npz"), os.path.join(directory, "pretrained.json")
    try:
        with open(card_path) as f:
            card = json.load(f)
        with open(npz, "rb") as f:
            blob = f.read()
    except (OSError, ValueError) as e:
        raise _refuse(directory, f"cannot be read ({type(e).__name__}: {e})") from None
    if hashlib.sha256(blob).hexdigest() != card.get("sha256"):
        raise _refuse(npz, "corrupted (its sha256 differs from the model card's)")
    try:
        c = card["net"]
        cfg = net.NetConfig(context=int(c["context"]), horizon=int(c["horizon"]), units=tuple(c["units"]),
                            levels=tuple(c["levels"]))
        with np.load(npz, allow_pickle=False) as z:
            layers = [{k: jnp.asarray(z[f"lstm_{i}_{k}"]) for k in ("kernel", "recurrent_kernel", "bias")}
                      for i in range(len(cfg.units))]
            params = {"lstm": layers, "dense": {"kernel": jnp.asarray(z["dense_kernel"]),
                                                "bias": jnp.asarray(z["dense_bias"])}}
    except (KeyError, ValueError, TypeError, OSError) as e:
        raise _refuse(npz, f"unreadable ({type(e).__name__}: {e})") from None
    return params, cfg, card


@functools.lru_cache(maxsize=4)
def _loaded(directory: str):
    return load(directory)


@functools.lru_cache(maxsize=8)
def _program(n_levels: int, median: int):
    return jax.jit(lambda p, x, b: net.quantiles(p, x, b, n_levels, median))


def _bucket(n: int) -> int:
    return max(64, 1 << (int(n) - 1).bit_length())


def _contexts(series: list, C: int):
    """Left-padded (n, C) contexts and masks from the last C values of each series."""
    ctx, mask = np.zeros((len(series), C)), np.zeros((len(series), C))
    for i, y in enumerate(series):
        tail = y[-C:]
        if len(tail):
            ctx[i, C - len(tail):], mask[i, C - len(tail):] = tail, 1.0
    return ctx, mask


def _run(params, cfg, ctx, mask, season):
    """Quantiles (n, H, Q) in the series' units for left-padded contexts."""
    n = len(ctx)
    x, level, scale, base = net.features(ctx, mask, season, cfg)
    B = _bucket(n)
    if B > n:
        x = np.concatenate([x, np.zeros((B - n,) + x.shape[1:], x.dtype)])
        base = np.concatenate([base, np.zeros((B - n, base.shape[1]), base.dtype)])
    q = np.asarray(_program(len(cfg.levels), cfg.levels.index(0.5))(params, x, base))[:n].astype(np.float64)
    return level[:, None, None] + scale[:, None, None] * q


def forecast_quantiles(series: list, season, h: int, directory: str | None = None, params=None, cfg=None):
    """(n, h, Q) quantiles at the card's levels and the levels, for 1-D arrays `series` (NaN carried forward).
    params: other weights (fine-tuned ones, of the network `cfg`, default the card's), else the loaded ones."""
    if params is None or cfg is None:
        loaded, card_cfg, _ = _loaded(directory or weights_dir())
        params, cfg = (loaded, card_cfg) if params is None else (params, cfg or card_cfg)
    hist = [finite_history(y) for y in series]
    empty = [i for i, y in enumerate(hist) if len(y) == 0]
    if empty:
        raise DataError(f"series {empty[0]} has no finite value: the pretrained LSTM needs at least one")
    season = np.broadcast_to(np.asarray(season, np.int64), (len(hist),))
    ctx, mask = _contexts(hist, cfg.context)
    out, med = [], cfg.levels.index(0.5)
    for _ in range(-(-h // cfg.horizon)):
        q = _run(params, cfg, ctx, mask, season)
        out.append(q)
        k = q.shape[1]
        ctx = np.concatenate([ctx, q[:, :, med]], 1)[:, -cfg.context:]
        mask = np.concatenate([mask, np.ones((len(ctx), k))], 1)[:, -cfg.context:]
    return np.concatenate(out, 1)[:, :h], np.asarray(cfg.levels)


def _at(q, taus, tau):
    """The quantile at level tau from the grid (…, Q) at `taus`, linear in normal scores (extrapolated)."""
    z = np.array([NormalDist().inv_cdf(t) for t in taus])
    zt = NormalDist().inv_cdf(tau)
    j = int(np.clip(np.searchsorted(z, zt) - 1, 0, len(z) - 2))
    w = (zt - z[j]) / (z[j + 1] - z[j])
    return q[..., j] + w * (q[..., j + 1] - q[..., j])


def forecast_arrays(series: list, season, h: int, levels=(), directory: str | None = None, params=None, cfg=None):
    """(point (n, h), {level: (lo (n, h), hi (n, h))}) for percent levels in (0, 100); point = the median."""
    q, taus = forecast_quantiles(series, season, h, directory, params, cfg)
    bounds = {}
    for lv in levels:
        if not 0 < float(lv) < 100:
            raise DataError(f"level {lv} must be between 0 and 100 (percent)")
        a = (1 - float(lv) / 100) / 2
        lo, hi = _at(q, taus, a), _at(q, taus, 1 - a)
        bounds[lv] = (np.minimum(lo, q[..., list(taus).index(0.5)]), np.maximum(hi, q[..., list(taus).index(0.5)]))
    return q[..., list(taus).index(0.5)], bounds
