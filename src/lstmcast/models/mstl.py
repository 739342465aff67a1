"""AutoETS on a series with a season over 24 or several seasons: the seasonal components removed first
(MSTL-style), a non-seasonal AutoETS on what is left, the components added back to its forecasts.

    mod = SeasonalETS(48).fit(y)        # half-hourly: a day (48) and, with two weeks of data, a week (336)
    mod.predict(h=48, level=[80])       # {"mean": (48,), "lo-80": ..., "hi-80": ...}
    mod.forward(y_longer, h=48)         # newer observations, parameters and components frozen

statsforecast's AutoETS refuses seasons over 24 (it falls back to no season), and its MSTL's STL takes
seconds on a year of half-hours (17,520 values: about 5 s for seasons 48 and 336 on this 2-core CPU). Here
each component is a classical one, estimated in turn from the shortest season to the longest on the
newest seasons of what the previous ones left (prep/pipes.py `seasonal_component`: centred moving average
as the trend, per-phase means, newest RECENT seasons), which costs milliseconds; AutoETS ("ZZN": error
and trend chosen by AICc, no season) is fitted on the newest ETS_TAIL values of the seasonally adjusted
series (the level and trend adapt; older values change nothing but the time). The member is not stored
in a model file: a loaded model refits it on the stored values (well under a second).
"""
from __future__ import annotations

import numpy as np

from ..data.seasons import all_seasons
from ..prep.pipes import seasonal_component
from .arima_state import in_units, step_scale

RECENT = 6            # newest seasons each component is estimated on (patterns drift)
ETS_TAIL = 4000       # newest adjusted values AutoETS is fitted on


def needs_seasonal_ets(m: int, n: int) -> bool:
    """Whether AutoETS on n values of season m goes through SeasonalETS: a season over 24 (statsforecast's
    AutoETS cannot model it) or a second, longer season that n values hold twice."""
    return int(m) > 24 or len(all_seasons(m, n)) > 1


class SeasonalETS:
    state = None        # nothing stored in a model file (see the module doc)

    def __init__(self, m: int):
        self.m = max(int(m), 1)

    def fit(self, y):
        from statsforecast.ets import ets_f  # statsforecast loads numba (~2 s)
        y = np.asarray(y, np.float64)
        self.n = len(y)
        self.profiles = []                       # [(season, (season,) component by index mod season)]
        rest = y.copy()
        for p in all_seasons(self.m, len(y)):
            s = seasonal_component(rest, p, RECENT)
            self.profiles.append((p, s))
            rest = rest - s[np.arange(len(y)) % p]
        self.adjusted = rest
        self.start = max(0, len(y) - ETS_TAIL)
        self.scale = step_scale(rest[self.start:])      # tiny or huge steps: AutoETS in units of a power of two
        self._model = ets_f(rest[self.start:] / self.scale, m=1, model="ZZN", damped=None, phi=None,
                            distribution="normal")
        return self

    def seasonal(self, t) -> np.ndarray:
        """The sum of the components at series indices t."""
        t = np.asarray(t)
        return sum(s[t % p] for p, s in self.profiles) if self.profiles else np.zeros(len(t))

    def _add(self, f: dict, first: int, h: int, level) -> dict:
        season = self.seasonal(np.arange(first, first + h))
        keys = ["mean"] + [f"{s}-{lv}" for lv in (level or []) for s in ("lo", "hi")]
        return {k: np.asarray(f[k], np.float64)[:h] + season for k in keys}

    def predict(self, h: int, level=None) -> dict:
        from statsforecast.ets import forecast_ets  # statsforecast loads numba (~2 s)
        return self._add(in_units(forecast_ets(self._model, h=h, level=level), self.scale), self.n, h, level)

    def forward(self, y, h: int, level=None) -> dict:
        """Forecasts after y (the fitted series, possibly with newer values), everything fitted kept."""
        from statsforecast.ets import forecast_ets, forward_ets  # numba (~2 s): on first use
        y = np.asarray(y, np.float64)
        adj = y - self.seasonal(np.arange(len(y)))
        adj[: min(len(y), self.n)] = self.adjusted[: min(len(y), self.n)]
        start = min(self.start, max(len(y) - 1, 0))
        f = forecast_ets(forward_ets(self._model, y=adj[start:] / self.scale), h=h, level=level)
        return self._add(in_units(f, self.scale), len(y), h, level)
