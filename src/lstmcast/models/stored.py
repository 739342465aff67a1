"""What the statistical members that a model file restores share (combine.py's AutoETS, arima_state.py's
AutoARIMA): a season length, a fitted state to forecast from, and, for a member restored from a file,
the stored values it refits on when it needs the full model (newer observations)."""
from __future__ import annotations

from typing import Any

import numpy as np


class StoredMember:
    def __init__(self, m: int):
        self.m = max(int(m), 1)
        self.state: Any = None                  # the member's fitted state (its own module's form)
        self._y: np.ndarray | None = None
        self._model: dict | None = None

    @classmethod
    def from_state(cls, m: int, state, y):
        """A member restored from a model file: forecasts from `state`, refits on `y` only if asked to."""
        self = cls(m)
        self.state, self._y = state, np.asarray(y, np.float64)
        return self

    @property
    def model_(self) -> dict:
        if self._model is None:                 # a restored member given newer values: refit on the stored ones
            self.fit(self._y)
        assert self._model is not None          # fit() sets it
        return self._model

    def fit(self, y):
        raise NotImplementedError
