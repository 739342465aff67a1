"""A realistic synthetic monthly panel, deterministic by seed, for the scale benchmark.

    from synth import synth_panel
    df = synth_panel(n_series=10_000, length=120, seed=0)   # long: unique_id, ds, y (all y > 0)

Each series is  y_t = L_t * S_t * exp(e_t)  (all factors positive):
- level L_t: log L_0 ~ N(5, 1.5) (levels from about 10 to 10^4), a drift g ~ N(0.002, 0.004) per month,
  a random walk on log level with step sd ~ U(0, 0.02), and for 30% of the series a structural break
  (a level shift of N(0, 0.3) in log at a month drawn from [24, length - 24)); half of the breaks also
  change the drift by N(0, 0.006);
- multiplicative seasonality S_t = exp(a * p_{t mod 12}): p a random mix of the first two harmonics,
  scaled to sd 1, with strength a ~ U(0, 0.35) (from none to about +-40%) and the profile slowly
  drifting (the second half blends in a second random profile by up to 30%);
- noise e_t: AR(1) with phi ~ U(0, 0.5) and innovation sd ~ U(0.02, 0.12).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _profiles(rng, n: int) -> np.ndarray:
    """(n, 12) seasonal profiles with mean 0 and sd 1 over the year."""
    k = np.arange(12) * 2 * np.pi / 12                                   # (12,)
    amp = rng.uniform(0, 1, (n, 2)) * np.array([1.0, 0.6])               # (n, 2)
    phase = rng.uniform(0, 2 * np.pi, (n, 2))                            # (n, 2)
    p = (amp[:, :1] * np.cos(k + phase[:, :1]) + amp[:, 1:] * np.cos(2 * k + phase[:, 1:]))  # (n, 12)
    p -= p.mean(axis=1, keepdims=True)
    return p / np.maximum(p.std(axis=1, keepdims=True), 1e-9)


def synth_values(n_series: int, length: int, seed: int = 0) -> np.ndarray:
    """(n_series, length) positive values; same seed, same array."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)                                                # (T,)
    # level: drift + random walk + breaks, in logs
    log_l0 = rng.normal(5.0, 1.5, (n_series, 1))
    drift = rng.normal(0.002, 0.004, (n_series, 1))
    walk = np.cumsum(rng.normal(0, 1, (n_series, length)) * rng.uniform(0, 0.02, (n_series, 1)), axis=1)
    has_break = rng.uniform(size=(n_series, 1)) < 0.3
    t_break = rng.integers(24, max(25, length - 24), (n_series, 1))
    after = (t >= t_break) & has_break                                   # (N, T)
    shift = rng.normal(0, 0.3, (n_series, 1))
    slope_change = rng.normal(0, 0.006, (n_series, 1)) * (rng.uniform(size=(n_series, 1)) < 0.5)
    log_level = log_l0 + drift * t + walk + after * (shift + slope_change * (t - t_break))
    # seasonality: multiplicative, varying strength, a profile drifting over time
    strength = rng.uniform(0, 0.35, (n_series, 1))
    p0, p1 = _profiles(rng, n_series), _profiles(rng, n_series)          # (N, 12) each
    blend = np.clip((t - length / 2) / (length / 2), 0, 1) * 0.3         # (T,)
    season = (1 - blend) * p0[:, t % 12] + blend * p1[:, t % 12]         # (N, T)
    # noise: AR(1)
    phi = rng.uniform(0, 0.5, (n_series, 1))
    innov = rng.normal(0, 1, (n_series, length)) * rng.uniform(0.02, 0.12, (n_series, 1))
    e = np.empty_like(innov)
    e[:, 0] = innov[:, 0]
    for i in range(1, length):
        e[:, i] = phi[:, 0] * e[:, i - 1] + innov[:, i]
    return np.exp(log_level + strength * season + e)


def synth_panel(n_series: int = 10_000, length: int = 120, seed: int = 0, start: str = "2010-01-01") -> pd.DataFrame:
    """Long frame unique_id ('S00000', ...), ds (month starts from `start`), y."""
    y = synth_values(n_series, length, seed)                             # (N, T)
    width = len(str(n_series - 1))
    ids = np.array([f"S{i:0{width}d}" for i in range(n_series)])
    ds = pd.date_range(start, periods=length, freq="MS")
    return pd.DataFrame({"unique_id": np.repeat(ids, length), "ds": np.tile(ds, n_series), "y": y.ravel()})
