"""Invertible pre-processing, fit on training data only: power transform -> differencing -> scaling.

    pipe = fit_pipeline(y_train, transform="log", diff=(12, 1), scale="standard")
    z = pipe.forward(y)                      # (..., N) -> (..., N - 13): what the LSTM sees
    y_next = pipe.invert_next(y_hist, z_hat) # one predicted z -> the next y, given the history

Differencing with lags (l1, l2, ...) applies d_k[t] = d_{k-1}[t] - d_{k-1}[t - l_k] in order, so
(12, 1) is the seasonal difference followed by the first difference (the airline model's). The
inverse of one step adds back the levels l_k steps ago, all known from the history. Pure numpy.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TRANSFORMS = ("none", "log", "boxcox")
SCALES = ("standard", "minmax")


@dataclass(frozen=True)
class Pipeline:
    transform: str = "none"
    lam: float = 1.0                 # Box-Cox lambda
    diff: tuple[int, ...] = ()
    scale: str = "standard"
    loc: float = 0.0                 # z = (d - loc) / spread
    spread: float = 1.0

    @property
    def n_lost(self) -> int:
        """Leading values consumed by differencing."""
        return int(sum(self.diff))

    # elementwise transform
    def power(self, y):
        y = np.asarray(y, np.float64)
        if self.transform == "log":
            return np.log(y)
        if self.transform == "boxcox":
            return np.log(y) if self.lam == 0 else (np.power(y, self.lam) - 1) / self.lam
        return y

    def power_inverse(self, u):
        u = np.asarray(u, np.float64)
        if self.transform == "log":
            return np.exp(u)
        if self.transform == "boxcox":
            if self.lam == 0:
                return np.exp(u)
            return np.power(np.maximum(self.lam * u + 1, 1e-12), 1 / self.lam)
        return u

    def levels(self, u):
        """[u, d1, d2, ...], each aligned to the end of the series (shorter by its lags)."""
        out = [np.asarray(u, np.float64)]
        for lag in self.diff:
            prev = out[-1]
            out.append(prev[..., lag:] - prev[..., :-lag])
        return out

    def forward(self, y):
        """(..., N) values -> (..., N - n_lost) scaled differenced values."""
        return (self.levels(self.power(y))[-1] - self.loc) / self.spread

    def invert_next(self, y_hist, z_next):
        """The next value after `y_hist` (..., n) whose forward() value is z_next (...)."""
        v = np.asarray(z_next, np.float64) * self.spread + self.loc
        levels = self.levels(self.power(y_hist))
        for k in range(len(self.diff), 0, -1):
            v = v + levels[k - 1][..., -self.diff[k - 1]]
        return self.power_inverse(v)

    def to_dict(self) -> dict:
        return {"transform": self.transform, "lam": self.lam, "diff": list(self.diff), "scale": self.scale,
                "loc": self.loc, "spread": self.spread}

    @classmethod
    def from_dict(cls, d: dict) -> "Pipeline":
        return cls(d["transform"], float(d["lam"]), tuple(int(a) for a in d["diff"]), d["scale"],
                   float(d["loc"]), float(d["spread"]))


def fit_pipeline(y, transform: str = "none", diff=(), scale: str = "standard") -> Pipeline:
    """Fit the transform's lambda and the scaler on `y` (the training values only)."""
    y = np.asarray(y, np.float64)
    lam = 1.0
    if transform == "boxcox":
        from scipy import stats
        lam = float(stats.boxcox_normmax(y, method="mle"))
        lam = float(np.clip(lam, -1.0, 2.0))
    pipe = Pipeline(transform, lam, tuple(int(a) for a in diff), scale)
    d = pipe.levels(pipe.power(y))[-1]
    if scale == "standard":
        loc, spread = float(np.mean(d)), float(np.std(d))
    else:  # minmax to [0, 1]
        loc, spread = float(np.min(d)), float(np.max(d) - np.min(d))
    if not np.isfinite(spread) or spread <= 0:
        spread = 1.0
    return Pipeline(transform, lam, pipe.diff, scale, loc, spread)
