"""The pretrained LSTM's network: per-window scaling, input features, quantile head, pinball loss (pure arrays).

    x, level, scale, base = features(ctx, mask, season, cfg)      # numpy, (B, C) left-padded contexts
    q = quantiles(params, x, base)                                # jax: (B, H, Q) in scaled units
    y = level[:, None, None] + scale[:, None, None] * q           # back to the series' units

A window is a context of at most C values, left-padded (mask 0). Scaling (MASE-like): subtract the mean of
the context's last season (`level`), divide by the mean absolute seasonal difference over the context
(`scale`; lag 1 when the context is shorter than a season and a day; floored at 0.1 x the mean absolute
first difference and 1e-3 x the mean |value|; no absolute floor but 1e-8 for an all-zero context, so that
y and y x 1e-9 forecast alike). Inputs are clipped to +-40 scaled units, the base is not.
Inputs per step: the scaled value /4 (clipped to +-10), the scaled value one season earlier /4 (0 where
unknown), the scaled first difference /2 (clipped to +-10), the mask, log(1 + m) / log(53). The LSTM stack is
the engine's
(Keras layout, engine/model.py); its Dense head gives H x Q numbers: the median correction added to the
seasonal-naive forecast in scaled units (`base`: the last season repeated, 0-centred by `level`), the
other quantiles as cumulative softplus offsets from it, so quantiles never cross. Loss: pinball over
horizons and quantiles in scaled units, so the median's term is a MASE-like error.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import jax
import jax.numpy as jnp
import numpy as np

from ..engine.config import ModelConfig
from ..engine.model import apply, init_params

N_FEATURES = 5


@dataclass(frozen=True)
class NetConfig:
    context: int = 128                       # C: the last C values of a series are read (left-padded)
    horizon: int = 48                        # H: direct horizon; longer ones recurse on the median
    units: tuple[int, ...] = (64,)
    levels: tuple[float, ...] = (0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975)

    def __post_init__(self):
        object.__setattr__(self, "units", tuple(int(u) for u in self.units))
        object.__setattr__(self, "levels", tuple(float(q) for q in self.levels))
        if 0.5 not in self.levels or list(self.levels) != sorted(self.levels):
            raise ValueError("levels must be increasing and contain 0.5")

    @property
    def model(self) -> ModelConfig:
        return ModelConfig(n_features=N_FEATURES, units=self.units, n_outputs=self.horizon * len(self.levels))

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def init(key, cfg: NetConfig) -> dict:
    """Fresh parameters (the engine's Keras-equivalent init); the head starts small so that the first
    forecasts are the seasonal naive."""
    p = init_params(key, cfg.model)
    p["dense"]["kernel"] = p["dense"]["kernel"] * 0.1
    return p


def effective_season(season, cfg: NetConfig) -> np.ndarray:
    """Season lengths the network uses: m if 1 <= m <= C // 2, else 1 (the naive base)."""
    m = np.asarray(season, np.int64)
    return np.where((m >= 1) & (m <= cfg.context // 2), m, 1)


def _scale(ctx, mask, m):
    """(level, scale) per row of a left-padded context (B, C), mask (B, C), season m (B,)."""
    B, C = ctx.shape
    idx = np.arange(C)
    last = idx[None, :] >= C - m[:, None]
    n_last = np.maximum((last & (mask > 0)).sum(1), 1)
    level = np.where(last & (mask > 0), ctx, 0).sum(1) / n_last
    d_seas = np.abs(ctx - _shift(ctx, m))
    ok_seas = (mask > 0) & (_shift(mask, m) > 0)
    d_one = np.abs(np.diff(ctx, axis=1, prepend=0.0))
    ok_one = (mask > 0) & (np.concatenate([np.zeros((B, 1)), mask[:, :-1]], 1) > 0)
    n_s, n_1 = ok_seas.sum(1), ok_one.sum(1)
    s_seas = np.where(ok_seas, d_seas, 0).sum(1) / np.maximum(n_s, 1)
    s_one = np.where(ok_one, d_one, 0).sum(1) / np.maximum(n_1, 1)
    scale = np.where(n_s >= 1, s_seas, s_one)
    mean_abs = np.where(mask > 0, np.abs(ctx), 0).sum(1) / np.maximum(mask.sum(1), 1)
    floor = np.maximum(0.1 * s_one, 1e-3 * mean_abs)      # an exactly periodic context: no 0
    scale = np.maximum(scale, floor)                       # relative floors only: y and y x 1e-9 forecast alike
    return level, np.where(scale > 0, scale, 1e-8)         # an all-zero context: no unit; forecasts stay ~0


def _shift(a, m):
    """a[:, t - m[b]] per row b (0 where t < m)."""
    B, C = a.shape
    src = np.arange(C)[None, :] - m[:, None]
    return np.where(src >= 0, np.take_along_axis(a, np.maximum(src, 0), 1), 0.0)


def features(ctx, mask, season, cfg: NetConfig):
    """Network inputs from left-padded contexts. ctx, mask (B, C) (padding: mask 0, any value), season (B,).

    Returns x (B, C, 5) float32, level (B,), scale (B,), base (B, H) float32 (seasonal naive, scaled)."""
    ctx = np.where(mask > 0, np.asarray(ctx, np.float64), 0.0)
    mask = np.asarray(mask, np.float64)
    m = effective_season(season, cfg)
    level, scale = _scale(ctx, mask, m)
    z_raw = np.where(mask > 0, (ctx - level[:, None]) / scale[:, None], 0.0)
    z = np.clip(z_raw, -40, 40)
    zlag = np.where(_shift(mask, m) > 0, _shift(z, m), 0.0) * mask
    dz = np.where(mask * np.concatenate([np.zeros_like(mask[:, :1]), mask[:, :-1]], 1) > 0,
                  np.diff(z, axis=1, prepend=0.0), 0.0)
    logm = np.broadcast_to((np.log1p(m) / np.log(53))[:, None], mask.shape)
    x = np.stack([z / 4, zlag / 4, np.clip(dz / 2, -10, 10), mask, logm], -1)
    C, H = ctx.shape[1], cfg.horizon
    k = np.arange(H)[None, :]
    pos = C - m[:, None] + (k % m[:, None])            # the last season, repeated
    base = np.take_along_axis(z_raw, pos, 1)            # unclipped: the exact seasonal naive
    return x.astype(np.float32), level, scale, base.astype(np.float32)


def quantiles(params, x, base, n_levels: int, median: int):
    """(B, H, Q) quantiles in scaled units: the median = base + correction, the others cumulative softplus
    offsets from the median (never crossing)."""
    raw, _ = apply(params, x)
    B, H = base.shape
    raw = raw.reshape(B, H, n_levels)
    mid = base + raw[..., median]
    up = mid[..., None] + jnp.cumsum(jax.nn.softplus(raw[..., median + 1:]), -1)
    down = mid[..., None] - jnp.cumsum(jax.nn.softplus(raw[..., :median][..., ::-1]), -1)[..., ::-1]
    return jnp.concatenate([down, mid[..., None], up], -1)


def pinball(q, target, levels):
    """Mean pinball loss of quantiles q (B, H, Q) at `levels` (Q,) for targets (B, H)."""
    diff = target[..., None] - q
    tau = jnp.asarray(levels, q.dtype)
    return jnp.mean(jnp.maximum(tau * diff, (tau - 1) * diff))
