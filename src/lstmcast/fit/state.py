"""What a fit produces: one frozen `FittedState`, and the frozen `Settings` it was made with.

    state = fit_panel(Settings(**fc.get_params()), panel)   # fit/fitting.py
    forecast_frame(state, h=12, ...)                        # fit/predicting.py reads the state, nothing else

Everything below the `Forecaster` facade (forecasting, backtests, model files, the resource plan) takes a
`FittedState` or the fields it needs, never the Forecaster; the Forecaster keeps the state whole
(`state_`) and shows its fields as read-only attributes (`panel_`, `scope_`, ...).
"""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

import numpy as np

from .settings import Settings


@dataclass(frozen=True)
class FittedState:
    """A fitted model: everything forecasting, backtesting and saving need.

    Fields:
        settings: the `Settings` the fit ran with.
        panel: the training `Panel` (data/panel.py): ids, values, start times, per-series status and reason.
        m: the season length used.
        scope: "local" (one ensemble per series) or "global" (one for all).
        scope_scores: {"local": mase, "global": mase} when scope="auto" chose by validation, else {}.
        spec: the resolved `Spec` (models/ensemble.py): recipe, training config, seeds, transforms.
        ensemble: the trained `Ensemble` (networks and per-series pipelines), None when no series trained.
        phase0: (N,) season position of each series' first value.
        cov: the panel's `Covariates` (data/covariates.py), or None.
        diffs: {series position: differencing lags} of the series that trained an LSTM.
        diff_scores: {series position: {"12,1": validation RMSE, ...}} where differencing was validated.
        step_mse: {series position: {"12,1": per-step validation MSE (h,), "folds": n}}.
        loss, val_loss: (K, E) training and validation loss per member (None without an ensemble).
        stat_fits: {"ets" | "arima" | "theta": {series position: fitted member}}.
        members: what forecasts: ("lstm",) plus the statistical members combined with it.
        weights: {series position: {member: [weight per horizon step]}}; {} = equal weights.
        calibration: {series position: {"lstm": errors (n, H), "combo": errors (n, H)}}: signed out-of-sample
            errors of the validation folds that calibrate the conformal bands (fit/calibration.py); {} where
            no validation ran (in-sample errors then, computed when forecasting).
        fit_seconds: wall seconds of the fit.
        per_series: one row per series: unique_id, length, start, end, status, reason, model, diff.
        cov_choice: which members kept the user's covariates, the validation errors behind it and why
            (fit/covchoice.py); None without user covariates.
        notes: one-line notes about a state read from a model directory (persist/modelfile.py), e.g. that
            the pretrained weights changed since the fit; the CLI prints them, `Forecaster.load` warns.
    """
    settings: Settings
    panel: Any
    m: int
    scope: str
    scope_scores: dict
    spec: Any
    ensemble: Any
    phase0: np.ndarray
    cov: Any
    diffs: dict
    diff_scores: dict
    step_mse: dict
    loss: Any
    val_loss: Any
    stat_fits: dict
    members: tuple
    weights: dict
    fit_seconds: float
    per_series: Any = None
    calibration: dict = field(default_factory=dict)
    cov_choice: Any = None
    notes: tuple = ()

    @property
    def aggregate(self) -> str:
        """How the members of an ensemble make one point forecast: "mean" or "median"."""
        return self.settings.aggregate

    def replace(self, **kw) -> "FittedState":
        return type(self)(**{**{f.name: getattr(self, f.name) for f in fields(self)}, **kw})



class Choices(NamedTuple):
    """What a fit chose before its final training (fit_panel's on_choices): what a backtest's later
    windows reuse, given before the FittedState exists."""
    scope: str
    diffs: dict                   # {series: differencing}
    cov_choice: dict | None       # the covariates' record (FittedState.cov_choice)
    retry: bool                   # validation ran but found no fold: the next window should choose afresh


def ready(x):
    """x, or its value when x is a Future (another fit's weights, perhaps still being computed)."""
    return x.result() if isinstance(x, Future) else x
