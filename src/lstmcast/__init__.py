"""lstmcast: LSTM forecasting, Keras-exact, compiled end to end with JAX.

    from lstmcast import Forecaster, datasets
    fc = Forecaster().fit(datasets.airline())
    fc.forecast(12)

Submodules load on first use, so `import lstmcast` stays fast (JAX loads when needed).
"""
from __future__ import annotations

import importlib

from ._version import __version__

_LAZY = {
    "Forecaster": ("lstmcast.forecaster", "Forecaster"),
    "backtest": ("lstmcast.evaluate.backtest", "backtest"),
    "load_csv": ("lstmcast.data.series", "load_csv"),
    "DataError": ("lstmcast.errors", "DataError"),
}
_SUBMODULES = {"data", "datasets", "prep", "engine", "models", "fit", "persist", "forecaster", "evaluate", "report",
               "cli", "tutorial"}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name):
    if name in _LAZY:
        mod, attr = _LAZY[name]
        return getattr(importlib.import_module(mod), attr)
    if name in _SUBMODULES:
        return importlib.import_module(f"lstmcast.{name}")
    raise AttributeError(f"module 'lstmcast' has no attribute {name!r}")
