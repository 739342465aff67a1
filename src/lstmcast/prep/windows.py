"""Scaling and framing: a series becomes (samples, steps, features) windows, and back.

    lo, hi = minmax_fit(train)                          # MinMaxScaler((0, 1)) fitted on train only
    x, y = windows(minmax_transform(z, lo, hi), look_back=3, targets=range(3, 144))
    x = frame(x, "window")                              # (N, 3, 1) -> (N, 1, 3)

Framings (the tutorial's three input shapes for a look-back of L months):
    "timesteps"  (N, L, 1): one value per time step (what an LSTM is for);
    "window"     (N, 1, L): the L values as L features of a single step;
    "regression" look_back 1, (N, 1, 1).
Pure numpy; no pandas here.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

FRAMINGS = ("timesteps", "window", "regression")
Bound = np.ndarray | np.floating[Any]   # per column: an array for (N, F) data, a numpy scalar for (N,)


# SCALING (sklearn MinMaxScaler's arithmetic, so float32 results match the tutorial bit for bit) ---

def minmax_fit(data: npt.ArrayLike) -> tuple[Bound, Bound]:
    """(data_min, data_max) per column of data (N, F) or (N,)."""
    data = np.asarray(data)
    return np.nanmin(data, axis=0), np.nanmax(data, axis=0)


def _scale_min(lo: Bound, hi: Bound) -> tuple[np.ndarray, np.ndarray]:
    rng = np.asarray(hi - lo)
    rng = np.where(rng == 0, 1, rng).astype(np.asarray(lo).dtype)  # sklearn: constant features scale by 1
    scale = (1 / rng).astype(rng.dtype)
    return scale, (0 - lo * scale).astype(rng.dtype)


def minmax_transform(data: npt.ArrayLike, lo: Bound, hi: Bound) -> np.ndarray:
    scale, mn = _scale_min(lo, hi)
    out: np.ndarray = np.asarray(data) * scale + mn
    return out


def minmax_inverse(data: npt.ArrayLike, lo: Bound, hi: Bound) -> np.ndarray:
    scale, mn = _scale_min(lo, hi)
    out: np.ndarray = (np.asarray(data) - mn) / scale
    return out


# FRAMING ------------------------------------------------------------------------------------------

def create_dataset(data: npt.ArrayLike, look_back: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's function, as written: `range(len(data) - look_back - 1)` drops one usable sample.

    data (N, 1) -> X (N - look_back - 1, look_back), Y (N - look_back - 1,)
    """
    data = np.asarray(data)
    x, y = [], []
    for i in range(len(data) - look_back - 1):
        x.append(data[i:i + look_back, 0])
        y.append(data[i + look_back, 0])
    return np.array(x), np.array(y)


def frame(x: npt.ArrayLike, framing: str) -> np.ndarray:
    """(N, L) or (N, L, F) windows -> the model's input shape for `framing`."""
    if framing not in FRAMINGS:
        raise ValueError(f"framing must be one of {FRAMINGS}; got {framing!r}")
    x = np.asarray(x)
    if x.ndim == 2:
        x = x[:, :, None]                                    # (N, L, 1)
    if framing == "window":
        return x.reshape(x.shape[0], 1, -1)                  # (N, 1, L*F)
    return x                                                 # (N, L, F)


def windows(z: npt.ArrayLike, look_back: int, targets: Iterable[int],
            horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Windows ending just before each target index.

    z: (N,) or (N, F) series (column 0 is the target); targets: indices t with t >= look_back and
    t + horizon <= N. Returns x (len(targets), look_back, F) = z[t-L:t] and
    y (len(targets), horizon) = z[t:t+horizon, 0].
    """
    z = np.asarray(z)
    if z.ndim == 1:
        z = z[:, None]
    t = np.asarray(list(targets), dtype=np.int64)
    if t.size and (t.min() < look_back or t.max() + horizon > len(z)):
        raise ValueError(f"targets must lie in [{look_back}, {len(z) - horizon}]")
    idx_x = t[:, None] + np.arange(-look_back, 0)[None, :]   # (N, L)
    idx_y = t[:, None] + np.arange(horizon)[None, :]         # (N, H)
    return z[idx_x], z[idx_y, 0]
