"""Per-series invertible pipelines, vectorised over series: power transform -> [deseasonalising] ->
differencing -> scaling.

    pipes = fit_pipes([y_a, y_b], transform="auto", diff=(12, 1), scale="standard")   # one row per series
    z = pipes.forward(Y)                 # Y (..., R, n) -> (..., R, n - 13): what the LSTM sees
    y_next = pipes.invert_next(Y, z_hat) # z_hat (..., R): the next value of each row's series

Row r carries its own transform (none / log / Box-Cox), lambda, location and spread; all rows share the
differencing lags (series with other lags form another `Pipes`). `take(rows)` gathers rows, so the same
series can appear at many forecast origins. Differencing with lags (l1, l2, ...) applies
d_k[t] = d_{k-1}[t] - d_{k-1}[t - l_k] in order; (12, 1) is the airline model's. Pure numpy.

A leading lag 0, as in (0,) or (0, 1), removes a fixed seasonal component first: each row's `season`
(m values, a classical decomposition of its newest transformed training values, `seasonal_component`) is
subtracted at each value's phase (its index in the series modulo m; `end` tells forward/invert_next the
series index of an array's last value, default: the array starts the series) and added back to forecasts.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import DataError

KINDS = ("none", "log", "boxcox")
RECENT_SEASONS = 6   # the seasonal component is estimated on the newest 6 (+1) seasons: patterns drift
                     # (one value tried: corpus monthly LSTM 1.193 -> 1.100 against all of the history)
SCALES = ("standard", "minmax")


@dataclass(frozen=True)
class Pipes:
    kind: np.ndarray                 # (R,) int: index into KINDS
    lam: np.ndarray                  # (R,) Box-Cox lambda (1 elsewhere)
    diff: tuple[int, ...]            # differencing lags, shared by every row
    loc: np.ndarray                  # (R,) z = (d - loc) / spread
    spread: np.ndarray               # (R,)
    season: np.ndarray | None = None  # (R, m) seasonal component by series index mod m (diff starts with 0)

    def __len__(self) -> int:
        return len(self.kind)

    @property
    def n_lost(self) -> int:
        """Leading values consumed by differencing."""
        return int(sum(self.diff))

    def take(self, rows: npt.ArrayLike) -> "Pipes":
        rows = np.asarray(rows)
        return Pipes(self.kind[rows], self.lam[rows], self.diff, self.loc[rows], self.spread[rows],
                     None if self.season is None else self.season[rows])

    @property
    def lags(self) -> tuple[int, ...]:
        """The differencing lags proper (the deseasonalising marker 0 left out)."""
        return tuple(a for a in self.diff if a > 0)

    def deseason(self, u: np.ndarray, end: npt.ArrayLike | None = None, sign: float = -1.0) -> np.ndarray:
        """u (..., R, n) transformed values + sign * each row's seasonal component at their phases; the
        last value of u has series index `end` (..., R) (None: u starts the series)."""
        if self.season is None:
            return u
        n, m = u.shape[-1], self.season.shape[1]
        pos = np.arange(n) if end is None else np.asarray(end)[..., None] - (n - 1) + np.arange(n)
        out: np.ndarray = u + sign * self.season[np.arange(len(self.season))[:, None], np.mod(pos, m)]
        return out

    # ELEMENTWISE POWER (p: per-row parameters already broadcast against u) ----------------------
    @staticmethod
    def _power(y: np.ndarray, kind: np.ndarray, lam: np.ndarray) -> np.ndarray:
        uniform = _uniform(y, kind)               # every row the same kind: one ufunc, not three (big panels)
        if uniform is not None:
            with np.errstate(all="ignore"):
                return np.log(uniform) if kind.flat[0] == 1 else uniform + 0.0
        with np.errstate(all="ignore"):
            logy = np.log(np.where(kind > 0, y, 1.0))
            safe_lam = np.where(lam == 0, 1.0, lam)
            bc = np.where(lam == 0, logy, (np.power(np.where(kind == 2, y, 1.0), safe_lam) - 1) / safe_lam)
        return np.where(kind == 0, y, np.where(kind == 1, logy, bc))

    @staticmethod
    def _power_inverse(u: np.ndarray, kind: np.ndarray, lam: np.ndarray) -> np.ndarray:
        uniform = _uniform(u, kind)
        if uniform is not None:
            with np.errstate(all="ignore"):
                return np.exp(uniform) if kind.flat[0] == 1 else uniform + 0.0
        with np.errstate(all="ignore"):
            e = np.exp(np.where(kind > 0, u, 0.0))
            safe_lam = np.where(lam == 0, 1.0, lam)
            base = np.maximum(safe_lam * np.where(kind == 2, u, 0.0) + 1, 1e-12)
            bc = np.where(lam == 0, e, np.power(base, 1 / safe_lam))
        return np.where(kind == 0, u, np.where(kind == 1, e, bc))

    def levels(self, u: npt.ArrayLike) -> list[npt.NDArray[np.float64]]:
        """[u, d1, d2, ...] along the last axis, each aligned to the end (shorter by its lag)."""
        out = [np.asarray(u, np.float64)]
        for lag in self.lags:
            prev = out[-1]
            out.append(prev[..., lag:] - prev[..., :-lag])
        return out

    def forward(self, y: npt.ArrayLike, end: npt.ArrayLike | None = None) -> np.ndarray:
        """(..., R, n) values -> (..., R, n - n_lost) scaled, differenced values. end (..., R): series index
        of each row's last value (only deseasonalising needs it; None: y starts the series)."""
        y = np.asarray(y, np.float64)
        u = self.deseason(self._power(y, self.kind[:, None], self.lam[:, None]), end)
        z: np.ndarray = (self.levels(u)[-1] - self.loc[:, None]) / self.spread[:, None]
        return z

    def invert_next(self, y_hist: npt.ArrayLike, z_next: npt.ArrayLike,
                    end: npt.ArrayLike | None = None) -> np.ndarray:
        """The next value after each row's history y_hist (..., R, n) whose forward() value is z_next (..., R);
        end as in forward (the history's last index)."""
        y_hist = np.asarray(y_hist, np.float64)
        v = np.asarray(z_next, np.float64) * self.spread + self.loc
        levels = self.levels(self.deseason(self._power(y_hist, self.kind[:, None], self.lam[:, None]), end))
        lags = self.lags
        for k in range(len(lags), 0, -1):
            v = v + levels[k - 1][..., -lags[k - 1]]
        if self.season is not None:
            nxt = (y_hist.shape[-1] if end is None else np.asarray(end) + 1) + np.zeros(v.shape[-1], int)
            v = self.deseason(v[..., None], nxt, sign=1.0)[..., 0]
        return self._power_inverse(v, self.kind, self.lam)

    # FILES -------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out = {"kind": [KINDS[k] for k in self.kind], "lam": self.lam.tolist(), "diff": list(self.diff),
               "loc": self.loc.tolist(), "spread": self.spread.tolist()}
        if self.season is not None:
            out["season"] = self.season.tolist()
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Pipes":
        kind = np.asarray([KINDS.index(k) for k in d["kind"]], np.int64)
        arrays = [np.asarray(d[k], np.float64).reshape(-1) for k in ("lam", "loc", "spread")]
        if any(len(a) != len(kind) for a in arrays):
            raise DataError("pipeline parameters disagree in length")
        if not all(np.all(np.isfinite(a)) for a in arrays) or np.any(arrays[2] <= 0):
            raise DataError("pipeline parameters are not finite (or a spread is <= 0)")
        diff = tuple(int(a) for a in d["diff"])
        season = None
        if diff[:1] == (0,):
            season = np.asarray(d.get("season", []), np.float64)
            if season.ndim != 2 or len(season) != len(kind) or season.shape[1] < 1 or not np.all(np.isfinite(season)):
                raise DataError("pipeline lags start with 0 (deseasonalising) but its seasonal component is "
                                "missing, finite-less or of the wrong shape")
        return cls(kind, arrays[0], diff, arrays[1], arrays[2], season)


def concat(parts: list["Pipes"]) -> "Pipes":
    """Rows of several Pipes with the same lags, in order."""
    season = None if parts[0].season is None else np.concatenate([p.season for p in parts])

    def rows(field: str) -> np.ndarray:
        return np.concatenate([getattr(p, field) for p in parts])
    return Pipes(rows("kind"), rows("lam"), parts[0].diff, rows("loc"), rows("spread"), season)


def _uniform(y: np.ndarray, kind: np.ndarray) -> np.ndarray | None:
    """y broadcast against kind when every row is "none" (0) or every row "log" (1), else None (mixed, or Box-Cox):
    the shortcut of Pipes._power, with the same values as its general branch."""
    k = np.asarray(kind)
    if k.size == 0 or not (np.all(k == 0) or np.all(k == 1)):
        return None
    y = np.asarray(y, np.float64)
    shape = np.broadcast_shapes(y.shape, k.shape)
    return y if y.shape == shape else np.broadcast_to(y, shape)


def seasonal_component(u: npt.ArrayLike, m: int, seasons: int | None = None) -> np.ndarray:
    """(m,) additive seasonal component of u by index mod m, as a classical decomposition estimates it
    (statsmodels' seasonal_decompose, additive, two-sided): centred moving average of order m (2 x m for
    even m) as the trend, per-phase means of u - trend, shifted to sum to 0; with `seasons`, on the last
    seasons + 1 seasons of u only (phases still counted from u's start). Zeros when u holds fewer than
    two seasons of finite values, or m < 2."""
    u = np.asarray(u, np.float64)
    u = u[: len(u) - int(np.argmax(np.isfinite(u[::-1])))] if np.isfinite(u).any() else u[:0]
    n = len(u)
    if m < 2 or n < 2 * m or not np.all(np.isfinite(u)):
        return np.zeros(max(m, 1))
    if seasons and n > (seasons + 1) * m:     # the newest seasons only (a pattern that drifts), phases kept
        start = n - (seasons + 1) * m
        return np.roll(seasonal_component(u[start:], m), start % m)
    w = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    half = len(w) // 2
    trend = np.convolve(u, w, mode="valid")                  # trend at indices half .. n - half - 1
    detr = u[half: n - half] - trend
    phase = np.mod(np.arange(half, n - half), m)
    s = np.bincount(phase, detr, minlength=m) / np.maximum(np.bincount(phase, minlength=m), 1)
    out: np.ndarray = s - s.mean()
    return out


def resolve_kind(values: npt.ArrayLike, transform: str) -> str:
    """'auto' -> 'log' when every value is > 0, else 'none'."""
    if transform == "auto":
        return "log" if np.nanmin(values) > 0 else "none"
    return transform


def fit_pipes(series: Sequence[np.ndarray], transform: str = "auto", diff: Iterable[int] = (),
              scale: str = "standard", kinds: Iterable[str] | None = None, m: int = 1) -> Pipes:
    """One row per training series (a list of 1-D arrays): its transform (`kinds` overrides `transform`),
    Box-Cox lambda, seasonal component (lags starting with 0; season length m) and the scaler of its
    differenced values, fitted on that series alone. Vectorised: the series are padded with NaN into one
    (R, n_max) array."""
    diff = tuple(int(a) for a in diff)
    n = len(series)
    lengths = np.array([len(y) for y in series])
    Y = np.full((n, int(lengths.max()) if n else 0), np.nan)
    for r, y in enumerate(series):
        Y[r, :len(y)] = np.asarray(y, np.float64)
    with np.errstate(all="ignore"):
        lo_val = np.nanmin(Y, axis=1) if Y.size else np.zeros(n)
    if kinds is not None:
        kind = np.asarray([KINDS.index(k) for k in kinds], np.int64)
    elif transform == "auto":
        kind = np.where(lo_val > 0, 1, 0).astype(np.int64)
    else:
        kind = np.full(n, KINDS.index(transform), np.int64)
    lam = np.ones(n)
    for i in np.flatnonzero(kind == 2):
        from scipy import stats  # scipy.stats (~0.3 s): only for Box-Cox
        lam[i] = float(np.clip(stats.boxcox_normmax(Y[i, :lengths[i]], method="mle"), -1.0, 2.0))
    season = None
    if 0 in diff[1:]:
        raise DataError(f"lag 0 (deseasonalising) may only come first; got {list(diff)}")
    if diff[:1] == (0,):
        u = Pipes(kind, lam, (), np.zeros(n), np.ones(n)).forward(Y)
        season = (np.stack([seasonal_component(u[r], m, RECENT_SEASONS) for r in range(n)]) if n
                  else np.zeros((0, max(m, 1))))
    d = Pipes(kind, lam, diff, np.zeros(n), np.ones(n), season).forward(Y)    # (R, n_max - D), NaN past each end
    with np.errstate(all="ignore"):
        if scale == "standard":        # measured in units of each row's largest |value|: no overflow near 1e308
            big = np.nanmax(np.abs(np.where(np.isfinite(d), d, np.nan)), axis=1)
            big = np.where(np.isfinite(big) & (big > 0), big, 1.0)[:, None]
            loc, sp = np.nanmean(d / big, axis=1) * big[:, 0], np.nanstd(d / big, axis=1) * big[:, 0]
        else:
            loc = np.nanmin(d, axis=1)
            sp = np.nanmax(d, axis=1) - loc
    ok = np.isfinite(sp) & (sp > 1e-12 * np.maximum(1.0, np.abs(np.nan_to_num(loc))))
    loc = np.where(np.isfinite(loc), loc, 0.0)
    return Pipes(kind, lam, diff, loc, np.where(ok, sp, 1.0), season)
