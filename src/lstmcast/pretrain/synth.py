"""Synthetic training series for the pretrained LSTM (generator version "synth-1"): synthetic only, never real data.

    from lstmcast.pretrain.synth import generate, sample_series
    batch = generate(seed=0, n=256, length=176)          # dict: y (256, 176), season (256,), freq, family
    series = sample_series(seed=1, n=100)                # list of 1-D arrays, lengths 20-2,000

Every draw is a function of the seed alone (numpy's PCG64), vectorised over series (loops run over time
steps only). Priors, per series:
- frequency (season length m, an optional second period): yearly 0.20 (m=1), quarterly 0.20 (4),
  monthly 0.30 (12), weekly 0.10 (52), daily 0.10 (7; a yearly 365.25 period in 30%), hourly 0.10
  (24; a weekly 168 period in 50%). The network is told m; the second period is not.
- family: ets 0.25, arima 0.20, structural 0.30, kernel 0.15, intermittent 0.05, random walk 0.05.
  - ets: additive-error ETS state space. alpha ~ U(0.05, 0.9); a trend in 50% (beta = alpha U(0, 0.3),
    damped phi ~ U(0.8, 0.98) in half of those); a season (m > 1) in 70% (gamma = (1 - alpha) U(0, 0.3),
    initial profile N(0, 1) x U(0.5, 6), centred); unit noise.
  - arima: ARIMA(p, d, q)(P, D, 0)_m, p, q uniform in {0, 1, 2}, d in {0, 1, 2} with 0.35 / 0.5 / 0.15,
    stationary AR from partial autocorrelations U(-0.9, 0.9), MA U(-0.8, 0.8); seasonal AR P=1 with
    Phi ~ U(0.2, 0.9) in 50% and seasonal integration D=1 in 30% (m > 1).
  - structural: level + trend (slope N(0, 1) / length, damped in 30%, 0-3 slope breaks in 40%) + Fourier
    seasonality on each period (1-4 harmonics, amplitude U(0.5, 4), slowly drifting in 30%; absent in 20%),
    multiplicative (x (1 + 0.3 s)) in 35% else additive, + AR(1) noise (phi ~ U(-0.3, 0.9), sd U(0.1, 1)).
  - kernel: KernelSynth (Ansari et al. 2024): a Gaussian-process draw from 1-4 kernels of a fixed bank
    (RBF at 6 length scales, 3 rational quadratic, 3 linear, periodic at the frequency's periods (3x as
    likely) and at 6 generic ones, 2 length scales each, white), combined by random + or x, sampled by
    Cholesky on at most 256 points (longer series: linear
    interpolation of a 256-point draw + white noise).
  - intermittent: counts, occurrence probability U(0.05, 0.9), Poisson size with rate logU(0.3, 20),
    seasonally modulated in 50%. Non-negative integers; no affine change below.
  - random walk: Gaussian steps (sd 1, drift N(0, 0.2) in 50%), a seasonal profile added in 30%.
- events (all but intermittent): 0-3 level shifts of N(0, 4) noise sds in 20%; 1-4 outliers of
  +-U(4, 10) sds in 15%.
- scale and sign: standardised to unit sd, then in 55% moved positive (minimum U(0.1, 3) sds above 0) and,
  of those, 40% made multiplicative (exp of the series x U(0.05, 0.4)) and finally x logU(1, 1000).
Lengths (sample_series): log-uniform on 20-2,000. Every value is finite.
"""
from __future__ import annotations

import functools

import numpy as np

VERSION = "synth-1"
FREQS = {  # name: (prior weight, season length m, candidate second period, its probability)
    "yearly": (0.20, 1, None, 0.0), "quarterly": (0.20, 4, None, 0.0), "monthly": (0.30, 12, None, 0.0),
    "weekly": (0.10, 52, None, 0.0), "daily": (0.10, 7, 365.25, 0.3), "hourly": (0.10, 24, 168.0, 0.5)}
FAMILIES = {"ets": 0.25, "arima": 0.20, "structural": 0.30, "kernel": 0.15, "intermittent": 0.05, "rw": 0.05}
GP_MAX = 256


def _ets(rng, n, T, m):
    alpha = rng.uniform(0.05, 0.9, n)
    beta = np.where(rng.random(n) < 0.5, alpha * rng.uniform(0, 0.3, n), 0.0)
    phi = np.where(rng.random(n) < 0.5, rng.uniform(0.8, 0.98, n), 1.0)
    seasonal = (rng.random(n) < 0.7) & (m > 1)
    gamma = np.where(seasonal, (1 - alpha) * rng.uniform(0, 0.3, n), 0.0)
    prof = rng.normal(0, 1, (n, max(m, 1))) * rng.uniform(0.5, 6, (n, 1))
    s = np.where(seasonal[:, None], prof - prof.mean(1, keepdims=True), 0.0)
    level, b = rng.normal(0, 1, n), np.where(beta > 0, rng.normal(0, 0.3, n), 0.0)
    e, y = rng.normal(0, 1, (n, T)), np.empty((n, T))
    for t in range(T):
        j = t % max(m, 1)
        y[:, t] = level + phi * b + s[:, j] + e[:, t]
        level = level + phi * b + alpha * e[:, t]
        b = phi * b + beta * e[:, t]
        s[:, j] = s[:, j] + gamma * e[:, t]
    return y


def _stationary_ar(rng, n, p):
    """AR(p <= 2) coefficients from partial autocorrelations in (-0.9, 0.9): always stationary."""
    r = rng.uniform(-0.9, 0.9, (n, 2)) * (np.arange(2) < p[:, None])
    return np.stack([r[:, 0] * (1 - r[:, 1]), r[:, 1]], 1)


def _seasonal_cumsum(y, m):
    """y[t] += y[t - m] for every t (seasonal integration), through a per-phase cumulative sum."""
    n, T = y.shape
    k = -(-T // m)
    pad = np.concatenate([y, np.zeros((n, k * m - T))], 1).reshape(n, k, m)
    return np.cumsum(pad, 1).reshape(n, k * m)[:, :T]


def _arima(rng, n, T, m):
    p, q = rng.integers(0, 3, n), rng.integers(0, 3, n)
    d = rng.choice(3, n, p=[0.35, 0.5, 0.15])
    ar = _stationary_ar(rng, n, p)
    ma = rng.uniform(-0.8, 0.8, (n, 2)) * (np.arange(2) < q[:, None])
    sar = np.where((rng.random(n) < 0.5) & (m > 1), rng.uniform(0.2, 0.9, n), 0.0)
    burn = 50 + 3 * m
    e = rng.normal(0, 1, (n, T + burn))
    x = np.zeros((n, T + burn))
    for t in range(2, T + burn):
        x[:, t] = (ar[:, 0] * x[:, t - 1] + ar[:, 1] * x[:, t - 2] + e[:, t]
                   + ma[:, 0] * e[:, t - 1] + ma[:, 1] * e[:, t - 2])
        if m > 1 and t >= m:
            x[:, t] += sar * x[:, t - m]
    x = x[:, burn:]
    for k in (1, 2):
        x = np.where((d >= k)[:, None], np.cumsum(x, 1) / np.sqrt(T) * 4, x)
    if m > 1:
        x = np.where((rng.random(n) < 0.3)[:, None], _seasonal_cumsum(x, m) / np.sqrt(T / m), x)
    return x


def _fourier(rng, n, t, period):
    """(n, T) seasonal pattern of the period: 1-4 harmonics, random amplitudes and phases, unit max amplitude."""
    K = rng.integers(1, 5, n)
    out = np.zeros((n, len(t)))
    for k in range(1, 5):
        a = rng.normal(0, 1, (n, 2)) / k * (k <= K)[:, None]
        w = 2 * np.pi * k * t / period
        out += a[:, :1] * np.sin(w) + a[:, 1:] * np.cos(w)
    return out / np.maximum(np.abs(out).max(1, keepdims=True), 1e-9)


def _trend(rng, n, T):
    t = np.arange(T, dtype=np.float64)
    slope = rng.normal(0, 1, (n, 1)) * 10 / T
    damp = np.where(rng.random((n, 1)) < 0.3, rng.uniform(0.9, 0.995, (n, 1)), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        curve = np.where(damp < 1, (1 - damp ** t) / np.where(damp < 1, 1 - damp, 1.0), t)
    trend = slope * curve
    nbreak = np.where(rng.random(n) < 0.4, rng.integers(1, 4, n), 0)
    for k in range(3):
        at = rng.integers(1, max(T - 1, 2), n)[:, None]
        dslope = rng.normal(0, 1, (n, 1)) * 10 / T * (k < nbreak)[:, None]
        trend += dslope * np.maximum(t - at, 0)
    return trend


def _structural(rng, n, T, periods):
    t = np.arange(T, dtype=np.float64)
    season = np.zeros((n, T))
    for i, period in enumerate(periods):
        amp = rng.uniform(0.5, 4, (n, 1)) * (rng.random((n, 1)) < (0.8 if i == 0 else 1.0))
        drift = np.where(rng.random((n, 1)) < 0.3, 1 + 0.5 * np.sin(2 * np.pi * t / (T * rng.uniform(1, 3, (n, 1)))), 1)
        season += amp * drift * _fourier(rng, n, t, period)
    level = 5 + _trend(rng, n, T)
    mult = rng.random((n, 1)) < 0.35
    base = np.where(mult, np.abs(level) * (1 + 0.3 * season / 4), level + season)
    phi, sd = rng.uniform(-0.3, 0.9, n), rng.uniform(0.1, 1, (n, 1))
    e, noise = rng.normal(0, 1, (n, T)), np.zeros((n, T))
    noise[:, 0] = e[:, 0]
    for k in range(1, T):
        noise[:, k] = phi * noise[:, k - 1] + e[:, k]
    return base + sd * noise


@functools.lru_cache(maxsize=64)
def _bank(T: int, periods: tuple) -> np.ndarray:
    """The KernelSynth bank on T points of [0, 1] (cached): (K, T, T) covariance matrices."""
    t = np.linspace(0, 1, T)
    d = t[:, None] - t[None, :]
    bank = [np.exp(-0.5 * (d / ls) ** 2) for ls in (0.02, 0.05, 0.1, 0.2, 0.5, 1.0)]               # RBF
    bank += [(1 + d ** 2 / (2 * a * ls ** 2)) ** -a for a, ls in ((0.5, 0.05), (1, 0.2), (5, 0.5))]  # RQ
    bank += [(t[:, None] - c) * (t[None, :] - c) + 0.1 for c in (0.0, 0.5, 1.0)]                  # linear
    generic = (T / 2, T / 4, T / 8, 5.0, 10.0, 20.0)
    for p in tuple(periods) + generic:                                                          # periodic
        for ls in (0.5, 1.0):
            bank.append(np.exp(-2 * np.sin(np.pi * d * (T - 1) / p) ** 2 / ls ** 2))
    bank.append(0.1 * np.eye(T))                                                                # white
    return np.stack(bank)


def _kernel_matrix(rng, bank, n_own: int):
    """One random KernelSynth kernel: 1-4 bank kernels (the n_own periodic ones at the frequency's periods
    drawn 3x as often) combined by random + or x."""
    w = np.ones(len(bank))
    w[12:12 + n_own] = 3.0                # after 6 RBF, 3 RQ, 3 linear
    out = None
    for j in rng.choice(len(bank), rng.integers(1, 5), p=w / w.sum()):
        out = bank[j] if out is None else (out + bank[j] if rng.random() < 0.5 else out * bank[j])
    return out


def _kernel(rng, n, T, periods):
    Tg = min(T, GP_MAX)
    tg = np.linspace(0, 1, Tg)
    scaled = tuple(round(p * (Tg - 1) / max(T - 1, 1), 3) for p in periods)
    bank = _bank(Tg, scaled)
    Ks = np.stack([_kernel_matrix(rng, bank, 2 * len(scaled)) for _ in range(n)])
    Ks = Ks + 1e-4 * np.eye(Tg) * np.abs(Ks).max((1, 2), keepdims=True)
    try:
        L = np.linalg.cholesky(Ks)
    except np.linalg.LinAlgError:   # rounding: a square root from the eigendecomposition, negatives clipped
        lam, V = np.linalg.eigh(Ks)
        L = V * np.sqrt(np.maximum(lam, 0))[:, None, :]
    g = np.einsum("nij,nj->ni", L, rng.normal(0, 1, (n, Tg)))
    if Tg < T:
        tt = np.linspace(0, 1, T)
        g = np.stack([np.interp(tt, tg, row) for row in g]) + 0.05 * rng.normal(0, 1, (n, T))
    return g


def _intermittent(rng, n, T, m):
    rate = np.exp(rng.uniform(np.log(0.3), np.log(20), (n, 1)))
    t = np.arange(T)
    mod = np.where(rng.random((n, 1)) < 0.5,
                   np.exp(0.7 * np.sin(2 * np.pi * t / max(m, 2) + rng.uniform(0, 6, (n, 1)))), 1)
    occur = rng.random((n, T)) < rng.uniform(0.05, 0.9, (n, 1))
    return (occur * (1 + rng.poisson(rate * mod))).astype(np.float64)


def _rw(rng, n, T, m):
    drift = np.where(rng.random((n, 1)) < 0.5, rng.normal(0, 0.2, (n, 1)), 0.0)
    y = np.cumsum(rng.normal(0, 1, (n, T)) + drift, 1)
    if m > 1:
        prof = rng.normal(0, 2, (n, m)) * (rng.random((n, 1)) < 0.3)
        y += np.tile(prof, -(-T // m))[:, :T]
    return y


def _events(rng, y):
    n, T = y.shape
    sd = np.maximum(np.std(np.diff(y, axis=1), 1, keepdims=True) if T > 1 else 1.0, 1e-6)
    t = np.arange(T)
    shifts = np.where(rng.random(n) < 0.2, rng.integers(1, 4, n), 0)
    for k in range(3):
        at = rng.integers(1, max(T, 2), (n, 1))
        y = y + (k < shifts)[:, None] * (t >= at) * rng.normal(0, 4, (n, 1)) * sd
    spikes = np.where(rng.random(n) < 0.15, rng.integers(1, 5, n), 0)
    for k in range(4):
        at = rng.integers(0, T, n)
        size = rng.choice([-1, 1], n) * rng.uniform(4, 10, n) * sd[:, 0] * (k < spikes)
        y[np.arange(n), at] += size
    return y


def _finish(rng, y):
    """Standardise, then move positive / make multiplicative / rescale by the priors of the docstring."""
    n = len(y)
    y = (y - y.mean(1, keepdims=True)) / np.maximum(y.std(1, keepdims=True), 1e-9)
    pos = rng.random((n, 1)) < 0.55
    y = np.where(pos, y - y.min(1, keepdims=True) + rng.uniform(0.1, 3, (n, 1)), y)
    mult = pos & (rng.random((n, 1)) < 0.4)
    y = np.where(mult, np.exp(np.clip(y * rng.uniform(0.05, 0.4, (n, 1)), -30, 30)), y)
    return y * np.exp(rng.uniform(0, np.log(1000), (n, 1)))


def _family(rng, name, n, T, m, periods):
    if name == "ets":
        return _ets(rng, n, T, m)
    if name == "arima":
        return _arima(rng, n, T, m)
    if name == "structural":
        return _structural(rng, n, T, periods)
    if name == "kernel":
        return _kernel(rng, n, T, periods)
    if name == "intermittent":
        return _intermittent(rng, n, T, m)
    return _rw(rng, n, T, m)


def generate(seed, n: int, length: int, freq: str | None = None, family: str | None = None) -> dict:
    """n series of `length` points: {"y": (n, length) float64, "season": (n,) int, "freq": (n,) str,
    "family": (n,) str}. `freq` / `family` fix the frequency / family (else drawn from the priors);
    `seed` is an int or a numpy Generator."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    names = list(FREQS)
    w = np.array([FREQS[f][0] for f in names])
    fr = np.full(n, freq) if freq else rng.choice(names, n, p=w / w.sum())
    fam = np.full(n, family) if family else rng.choice(list(FAMILIES), n, p=list(FAMILIES.values()))
    y = np.empty((n, length))
    for f in np.unique(fr):
        _, m, second, p2 = FREQS[f]
        for g in np.unique(fam[fr == f]):
            idx = np.flatnonzero((fr == f) & (fam == g))
            periods = [float(m)] if m > 1 else []
            if second and rng.random() < p2:
                periods.append(second)
            part = _family(rng, g, len(idx), length, m, periods)
            if g != "intermittent":
                part = _finish(rng, _events(rng, part))
            y[idx] = part
    season = np.array([FREQS[f][1] for f in fr], dtype=np.int64)
    return {"y": y, "season": season, "freq": fr, "family": fam}


def sample_series(seed, n: int, min_len: int = 20, max_len: int = 2000):
    """n series with lengths log-uniform on [min_len, max_len]: (list of 1-D arrays, seasons (n,))."""
    rng = np.random.default_rng(seed)
    lengths = np.exp(rng.uniform(np.log(min_len), np.log(max_len + 1), n)).astype(int).clip(min_len, max_len)
    out = generate(rng, n, int(lengths.max()))
    return [row[len(row) - L:] for row, L in zip(out["y"], lengths)], out["season"]
