"""The pretrained LSTM as a member of the combination: zero-shot, nothing to fit, batched over series.

    mod = PretrainedMember(12).fit(y)            # keeps y; the network's weights ship with the package
    mod.predict(12, level=[80])                  # {"mean": (12,), "lo-80": (12,), "hi-80": (12,)}
    PretrainedMember.forecast_many([y1, y2], 12, 12, [80])   # one compiled call for many series

It speaks the statistical members' protocol (`fit`, `predict`, `forward`), so the combination weights it by
the same validation folds as AutoETS and AutoARIMA (fit/combine.py), and the saved model needs no arrays of
its own (its "fit" is the series, which the model file stores). The network is models/pretrained.py.
"""
from __future__ import annotations

import numpy as np

NAME = "pretrained"


def _bands(point, bounds, j: int, levels) -> dict:
    out = {"mean": np.asarray(point[j], np.float64)}
    for lv in levels or []:
        lo, hi = bounds[lv]
        out[f"lo-{lv}"], out[f"hi-{lv}"] = np.asarray(lo[j], np.float64), np.asarray(hi[j], np.float64)
    return out


class PretrainedMember:
    def __init__(self, m: int):
        self.m, self.y = max(int(m), 1), None

    def fit(self, y):
        self.y = np.asarray(y, np.float64)
        return self

    def predict(self, h: int, level=None) -> dict:
        return self.forward(self.y, h, level)

    def forward(self, y, h: int, level=None) -> dict:
        return self.forecast_many([y], self.m, h, level)[0]

    @staticmethod
    def forecast_many(series: list, m: int, h: int, level=None) -> list:
        """[{"mean", "lo-L", "hi-L"}] of each series in one batched call of the network."""
        from .pretrained import forecast_arrays  # JAX and the weights: loaded on first use only
        if not len(series):
            return []
        levels = list(level or [])
        point, bounds = forecast_arrays([np.asarray(s, np.float64) for s in series], max(int(m), 1), int(h), levels)
        return [_bands(point, bounds, j, levels) for j in range(len(series))]
