"""The Forecaster's hyper-parameters: storage (scikit-learn rules), checks, and resolution into a `Spec`.

    settings = Settings(**fc.get_params())          # frozen: what one fit runs with
    spec = settings.spec(scope="global", m=12)      # automatic values resolved for that scope and season

`__init__` only stores; every check happens here, when `fit` calls `spec`, with one-line messages.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from ..data.seasons import season_length_for, season_phase  # noqa: F401  (re-exported)
from ..engine.config import TrainConfig
from ..errors import DataError
from ..models.ensemble import Spec
from ..models.lstm import Recipe
from ..models.statmembers import members
from ..prep.pipes import KINDS, SCALES
from ..prep.windows import FRAMINGS

NOT_FITTED = "This Forecaster instance is not fitted yet. Call 'fit' with a series or a panel before using this method."
SCOPES = ("auto", "local", "global")
GLOBAL_STEPS = 1000       # Adam steps of one global ensemble (chosen on a synthetic panel of another seed)
GLOBAL_BATCH = 256
GLOBAL_LR = 3e-3
GLOBAL_SEEDS = 5
# A large pool: more windows than the budget draws (steps x batch), so that no member sees a window twice.
# There the network is short of steps, not of data: a higher learning rate trains it further in the same
# steps, and 2 members average out what 5 did (a synthetic 10,000-series panel of another seed than the
# benchmark's: benchmarks/README.md). Smaller pools (many passes over few windows) keep the settings above.
POOL_SEEDS = 2
POOL_LR = 1.5e-2
LOCAL_EPOCHS = 100
LOCAL_BATCH = 8
LOCAL_LR = 1e-3           # Keras's Adam default
LOCAL_SEEDS = 10
# The LSTM member of a combination (the default): averaged with the pretrained LSTM, AutoETS and AutoARIMA,
# 3 seeds forecast as well as 5 and 10 (design half: the corpus's 16 series, geometric-mean / mean MASE
# 1.197 / 1.375, 1.199 / 1.379, 1.199 / 1.378; visnights 0.984, 0.983, 0.984; prison 2.098, 2.105, 2.109;
# benchmarks/README.md) at under a third of the 10 seeds' final training. The LSTM alone keeps 10.
MEMBER_SEEDS = 3


def default_seeds(scope: str, combined: bool = False) -> int:
    """The ensemble size when `seeds` is left automatic: 5 global, 10 local (3 as a combination's member)."""
    return GLOBAL_SEEDS if scope == "global" else MEMBER_SEEDS if combined else LOCAL_SEEDS


def levels_of(level):
    if level is None:
        return []
    lv = [level] if np.isscalar(level) else list(level)
    for v in lv:
        if isinstance(v, bool) or not (isinstance(v, (int, np.integer, float)) and 0 < v < 100):
            raise DataError(f"level must be a percentage between 0 and 100 (e.g. 80 95); got {v!r}")
    return [int(v) if float(v).is_integer() else float(v) for v in lv]


def _whole(v, name, allow_none=False, low=1):
    if v is None and allow_none:
        return
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
        raise DataError(f"{name} must be a whole number >= {low}; got {v!r}")


@dataclass(frozen=True)
class Settings:
    """The hyper-parameters of one fit, as the user gave them (automatic values still None / "auto"):
    `Forecaster`'s arguments (its docstring says what each means), frozen. Made by `Forecaster.fit`
    (`Settings(**fc.get_params())`) and held by the `FittedState`."""
    look_back: Any
    framing: Any
    units: Any
    stateful: Any
    epochs: Any
    steps: Any
    batch_size: Any
    learning_rate: Any
    seeds: Any
    strategy: Any
    horizon: Any
    transform: Any
    diff: Any
    scale: Any
    calendar: Any
    validation: Any
    patience: Any
    aggregate: Any
    season_length: Any
    seed: Any
    scope: Any
    level_norm: Any
    model: Any
    keep_covariates: Any = False           # the default of model files written before this setting

    def check_params(self):
        """Types and ranges of every hyper-parameter (scope-independent)."""
        def need(cond, msg):
            if not cond:
                raise DataError(msg)
        for name in ("seeds", "epochs", "steps", "batch_size", "horizon", "look_back", "season_length"):
            _whole(getattr(self, name), name, allow_none=True)
        _whole(self.seed, "seed", low=0)
        _whole(self.patience, "patience", low=0)
        units = (self.units,) if isinstance(self.units, (int, np.integer)) else tuple(self.units)
        need(len(units) > 0 and all(isinstance(u, (int, np.integer)) and not isinstance(u, bool) and u > 0
                                    for u in units), f"units must be whole numbers > 0; got {self.units!r}")
        need(self.framing in FRAMINGS, f"framing must be one of {FRAMINGS}; got {self.framing!r}")
        need(self.strategy in ("recursive", "direct"),
             f"strategy must be 'recursive' or 'direct'; got {self.strategy!r}")
        need(self.aggregate in ("mean", "median"), f"aggregate must be 'mean' or 'median'; got {self.aggregate!r}")
        need(self.scale in SCALES, f"scale must be one of {SCALES}; got {self.scale!r}")
        need(self.transform == "auto" or self.transform in KINDS,
             f"transform must be 'auto' or one of {KINDS}; got {self.transform!r}")
        members(self.model)
        need(self.scope in SCOPES, f"scope must be one of {SCOPES}; got {self.scope!r}")
        need(self.level_norm in ("auto", True, False),
             f"level_norm must be 'auto', True or False; got {self.level_norm!r}")
        need(self.calendar in (True, False, "auto"), f"calendar must be True, False or 'auto'; got {self.calendar!r}")
        need(self.keep_covariates in (True, False),
             f"keep_covariates must be True or False; got {self.keep_covariates!r}")
        lr = self.learning_rate
        need(lr is None or isinstance(lr, (int, float)) and not isinstance(lr, bool) and math.isfinite(lr) and lr > 0,
             f"learning_rate must be a number > 0; got {lr!r}")
        v = self.validation
        need(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 1,
             f"validation must be a fraction in [0, 1); got {v!r}")
        need(not self.stateful, "stateful=True is not supported by the Forecaster (it is by `lstmcast "
                                "tutorial`); use stateful=False")
        if isinstance(self.diff, str):
            need(self.diff == "auto", f"diff must be 'auto' or lags like (12, 1); got {self.diff!r}")
        else:
            try:
                lags = tuple(self.diff)
            except TypeError:
                raise DataError(f"diff must be 'auto' or lags like (12, 1); got {self.diff!r}") from None
            need(all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) and a >= 0 for a in lags)
                 and 0 not in lags[1:], f"diff lags must be whole numbers > 0 (a leading 0 removes a fixed "
                 f"seasonal component first); got {self.diff!r}")
        return units

    def spec(self, scope: str, m: int, typical_length: int | None = None, n_windows: int = 0,
             combined: bool = False):
        """The resolved settings for one scope and season length (typical_length: a series' length, which
        sizes the local validation tail; n_windows: the global scope's pooled training windows, which pick
        POOL_SEEDS and POOL_LR when automatic and the pool outnumbers the windows the step budget draws;
        combined: the LSTM is a member of a combination, which sets MEMBER_SEEDS locally when automatic)."""
        units = self.check_params()
        H = (self.horizon or max(m, 4)) if self.strategy == "direct" else 1
        if self.framing == "regression":
            lb = 1
        elif self.look_back is not None:
            lb = int(self.look_back)
        else:
            lb = int(math.ceil(1.25 * max(H, m))) if scope == "global" else max(m, 8)
        level_norm = (scope == "global") if self.level_norm == "auto" else bool(self.level_norm)
        rec = Recipe(m=m, look_back=lb, h=H, units=tuple(int(u) for u in units), framing=self.framing,
                     strategy=self.strategy, level_norm=level_norm)
        if scope == "global":
            batch = self.batch_size or GLOBAL_BATCH
            steps = self.steps or (0 if self.epochs else GLOBAL_STEPS)
            epochs = self.epochs or 1
        else:
            batch = self.batch_size or LOCAL_BATCH
            steps = self.steps or 0
            epochs = self.epochs or LOCAL_EPOCHS
        n_val = 0
        if scope == "local" and self.validation > 0:
            n_windows = max((typical_length or 0) - lb - H + 1, 1)
            n_val = max(1, int(math.ceil(self.validation * n_windows)))
        large = scope == "global" and steps > 0 and n_windows >= steps * batch
        lr = self.learning_rate or (POOL_LR if large else GLOBAL_LR if scope == "global" else LOCAL_LR)
        seeds = self.seeds or (POOL_SEEDS if large else default_seeds(scope, combined))
        tc = TrainConfig(epochs=int(epochs), batch_size=int(batch), shuffle=True, learning_rate=float(lr),
                         row_keys=True, patience=int(self.patience) if self.validation > 0 else 0, steps=int(steps))
        return Spec(recipe=rec, scope=scope, train=tc, seeds=int(seeds), seed=int(self.seed),
                    transform=self.transform, scale=self.scale, n_val=n_val,
                    val_frac=float(self.validation) if scope == "global" else 0.0)

    def global_diff(self):
        return () if isinstance(self.diff, str) else tuple(int(a) for a in self.diff)

    def get_params(self) -> dict:
        """The settings as keyword arguments of `Forecaster`."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def replace(self, **kw) -> "Settings":
        return type(self)(**{**self.get_params(), **kw})


class SettingsMixin:
    """The Forecaster's hyper-parameters, stored as scikit-learn wants them (mutable attributes); the checks
    and the resolution into a `Spec` are `Settings`' (this mixin asks a frozen copy)."""
    _PARAMS = ("look_back", "framing", "units", "stateful", "epochs", "steps", "batch_size", "learning_rate",
               "seeds", "strategy", "horizon", "transform", "diff", "scale", "calendar", "validation",
               "patience", "aggregate", "season_length", "seed", "scope", "level_norm", "model", "keep_covariates")

    def __init__(self, look_back=None, framing="timesteps", units=(16,), stateful=False, epochs=None, steps=None,
                 batch_size=None, learning_rate=None, seeds=None, strategy="direct", horizon=None,
                 transform="auto", diff="auto", scale="standard", calendar="auto", validation=0.0, patience=0,
                 aggregate="mean", season_length=None, seed=0, scope="auto", level_norm="auto", model=None,
                 keep_covariates=False):
        self.look_back, self.framing, self.units, self.stateful = look_back, framing, units, stateful
        self.epochs, self.steps, self.batch_size = epochs, steps, batch_size
        self.learning_rate, self.seeds, self.strategy, self.horizon = learning_rate, seeds, strategy, horizon
        self.transform, self.diff, self.scale, self.calendar = transform, diff, scale, calendar
        self.validation, self.patience, self.aggregate = validation, patience, aggregate
        self.season_length, self.seed, self.scope, self.level_norm = season_length, seed, scope, level_norm
        self.model, self.keep_covariates = model, keep_covariates

    def get_params(self, deep=True) -> dict:
        return {k: getattr(self, k) for k in self._PARAMS}

    def check_params(self):
        return Settings(**self.get_params()).check_params()

    def spec(self, scope: str, m: int, typical_length: int | None = None, n_windows: int = 0,
             combined: bool = False):
        return Settings(**self.get_params()).spec(scope, m, typical_length, n_windows)

    def global_diff(self):
        return Settings(**self.get_params()).global_diff()

    def set_params(self, **kw):
        for k, v in kw.items():
            if k not in self._PARAMS:
                raise ValueError(f"unknown parameter {k!r}; valid: {', '.join(self._PARAMS)}")
            setattr(self, k, v)
        return self

    def __repr__(self):
        base = type(self)().get_params()
        changed = {k: v for k, v in self.get_params().items() if v != base[k]}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"
