"""Invertible pre-processing, fit on training data only: power transform -> differencing -> scaling.

    pipe = fit_pipeline(y_train, transform="log", diff=(12, 1), scale="standard")
    z = pipe.forward(y)                      # (..., N) -> (..., N - 13): what the LSTM sees
    y_next = pipe.invert_next(y_hist, z_hat) # one predicted z -> the next y, given the history

Differencing with lags (l1, l2, ...) applies d_k[t] = d_{k-1}[t] - d_{k-1}[t - l_k] in order, so
(12, 1) is the seasonal difference followed by the first difference (the airline model's). The
inverse of one step adds back the levels l_k steps ago, all known from the history. Pure numpy.

Nothing non-finite passes silently: the values before and after each stage (power transform,
differencing, scaling, and each inverse step) are checked, and a `DataError` names the stage, the
first offending row and value, and the option to change (overflow of exp/Box-Cox inverse, log of 0).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import DataError

TRANSFORMS = ("none", "log", "boxcox")
SCALES = ("standard", "minmax")
F32_MAX = float(np.finfo(np.float32).max)


def check_finite(a: npt.ArrayLike, stage: str, fix: str) -> np.ndarray:
    """Raise a one-line DataError naming `stage`, the first non-finite entry (row) and `fix`."""
    a = np.asarray(a)
    if not np.all(np.isfinite(a)):
        at = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        # at[-1]: rows are the last axis
        raise DataError(f"{stage}: non-finite value {a[at]} at row {at[-1] if at else 0}; {fix}")
    return a


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
    def power(self, y: npt.ArrayLike) -> npt.NDArray[np.float64]:
        y = check_finite(np.asarray(y, np.float64), "input values", "remove or replace them")
        if self.transform == "none":
            return y
        if np.any(y <= 0):
            i = np.argwhere(y <= 0)[0]
            raise DataError(f"{self.transform} transform needs values > 0; row {int(i[-1])} has "
                            f"{y[tuple(i)]:g}; use --transform none")
        with np.errstate(all="ignore"):
            if self.transform == "log" or self.lam == 0:
                u = np.log(y)
            else:
                u = (np.power(y, self.lam) - 1) / self.lam
        return check_finite(u, f"{self.transform} transform (lambda {self.lam:g}) overflowed",
                            "use --transform log or none, or rescale the values")

    def power_inverse(self, u: npt.ArrayLike) -> npt.NDArray[np.float64]:
        u = np.asarray(u, np.float64)
        y: npt.NDArray[np.float64]
        with np.errstate(all="ignore"):
            if self.transform == "log" or (self.transform == "boxcox" and self.lam == 0):
                y = np.exp(u)
            elif self.transform == "boxcox":
                y = np.power(np.maximum(self.lam * u + 1, 1e-12), 1 / self.lam)
            else:
                y = u
        if not np.all(np.isfinite(y)):
            check_finite(y, f"forecast overflowed inverting the {self.transform} transform (of "
                            f"{float(np.nanmax(np.abs(u))):.4g})",
                         "use --transform none, a shorter --horizon, or a lower --learning-rate")
        return y

    def levels(self, u: npt.ArrayLike) -> list[npt.NDArray[np.float64]]:
        """[u, d1, d2, ...], each aligned to the end of the series (shorter by its lags)."""
        out = [np.asarray(u, np.float64)]
        for lag in self.diff:
            prev = out[-1]
            with np.errstate(all="ignore"):
                out.append(check_finite(prev[..., lag:] - prev[..., :-lag], f"differencing at lag {lag} "
                                        "overflowed", "rescale the values or use --transform log"))
        return out

    def forward(self, y: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """(..., N) values -> (..., N - n_lost) scaled differenced values."""
        with np.errstate(all="ignore"):
            z = (self.levels(self.power(y))[-1] - self.loc) / self.spread
        z = check_finite(z, "scaling overflowed", "rescale the values or use --transform log")
        if np.any(np.abs(z) > F32_MAX):
            raise DataError(f"scaled values reach {float(np.max(np.abs(z))):.3g}, beyond float32; "
                            "rescale the values or use --transform log")
        return z

    def invert_next(self, y_hist: npt.ArrayLike, z_next: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """The next value after `y_hist` (..., n) whose forward() value is z_next (...)."""
        z = check_finite(np.asarray(z_next, np.float64), "model output", "the model directory may be corrupt; "
                         "refit it (or lower --learning-rate)")
        with np.errstate(all="ignore"):
            v = z * self.spread + self.loc
            levels = self.levels(self.power(y_hist))
            for k in range(len(self.diff), 0, -1):
                v = v + levels[k - 1][..., -self.diff[k - 1]]
        v = check_finite(v, "forecast overflowed undoing the differencing", "use --transform log or a "
                         "shorter --horizon")
        return self.power_inverse(v)

    def to_dict(self) -> dict[str, Any]:
        return {"transform": self.transform, "lam": self.lam, "diff": list(self.diff), "scale": self.scale,
                "loc": self.loc, "spread": self.spread}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Pipeline":
        return cls(d["transform"], float(d["lam"]), tuple(int(a) for a in d["diff"]), d["scale"],
                   float(d["loc"]), float(d["spread"]))


def fit_pipeline(y: npt.ArrayLike, transform: str = "none", diff: Iterable[int] = (),
                 scale: str = "standard") -> Pipeline:
    """Fit the transform's lambda and the scaler on `y` (the training values only)."""
    y = check_finite(np.asarray(y, np.float64), "training values", "remove or replace them")
    lam = 1.0
    if transform == "boxcox":
        from scipy import stats  # scipy.stats (~0.3 s): only for Box-Cox
        with np.errstate(all="ignore"):
            lam = float(stats.boxcox_normmax(y, method="mle"))
        lam = float(np.clip(lam, -1.0, 2.0)) if np.isfinite(lam) else 1.0
    pipe = Pipeline(transform, lam, tuple(int(a) for a in diff), scale)
    d = pipe.levels(pipe.power(y))[-1]
    big = float(np.max(np.abs(d))) if d.size else 0.0
    big = big if big > 0 else 1.0
    with np.errstate(all="ignore"):
        if scale == "standard":   # computed on d / max|d| so that squares of huge values cannot overflow
            loc, spread = big * float(np.mean(d / big)), big * float(np.std(d / big))
        else:  # minmax to [0, 1]
            loc, spread = float(np.min(d)), float(np.max(d) - np.min(d))
    if not (np.isfinite(loc) and np.isfinite(spread)):
        raise DataError(f"the values are too large to scale (up to {big:.3g} after the transform); "
                        "rescale them or use --transform log")
    if spread <= 0:
        spread = 1.0
    out = Pipeline(transform, lam, pipe.diff, scale, loc, spread)
    out.forward(y)                     # every stage finite and float32-sized, or a DataError
    return out
