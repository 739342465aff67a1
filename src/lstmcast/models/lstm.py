"""LSTM ensembles over many series: the recipe and its windows (training and forecasting, in shared
compiled calls, are in lstm_calls.py, which loads JAX).

    rec = Recipe(m=12, look_back=15, h=12, units=(16,))
    x, t = windows(rec, pipes.take([i]), values_i)                 # one series' training windows

Scopes: "local" trains one ensemble per series; all series and all seeds train together, their windows
padded with inert weight-0 rows to a few bucket sizes (`bucket`) and stacked in chunks of a few sizes,
so N series compile a handful of programs, not N. "global" pools the windows of every series (each
through its own pipeline) and trains one ensemble. `level_norm` subtracts each window's last input value
from its inputs and targets (and adds it back to the forecast): the per-window normalisation of global
RNN forecasting (Hewamalage, Bergmeir & Bandara 2021; Smyl 2020).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..engine.config import ModelConfig
from ..prep.pipes import Pipes


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
CHUNK_NETWORKS = 48  # networks (series x seeds) per compiled local-training call: XLA's kernels on these small
                     # matrices run fastest while a call's arrays stay in the core's cache. Two threads training
                     # 10-seed chunks (97 windows, 10 epochs), wall ms a series: 47.5 at 128 series a call, 41.8 at
                     # 64, 36.7 at 32, 31.3 at 16, 28.2 at 8, 27.2 at 4 (3 seeds: 10.1 at 64, 8.0 at 16, 8.2 at 8)

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
