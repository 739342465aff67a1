"""The public Forecaster: LSTM ensembles for one series or a panel of thousands, scikit-learn style.

    fc = Forecaster(seeds=10).fit(df)                # long frame unique_id, ds, y (or one pd.Series)
    fc.forecast(12, level=[80, 95])                  # unique_id, ds, mean, lo-80, hi-80, lo-95, hi-95, model
    fc.predict()                                     # in-sample one-step predictions, long
    fc.cross_validation(df, h=12, n_windows=4)       # unique_id, ds, cutoff, y, combo, lstm (statsforecast's frame)
    fc.save("model"); Forecaster.load("model")

What the network sees: each series goes through its own invertible pipeline fitted on its training part
(log/Box-Cox, differencing, scaling; `prep/pipes.py`), is cut into look_back windows, and either one
ensemble per series (scope="local") or one for all series (scope="global") trains in shared compiled
calls (`models/lstm_calls.py`). A series the LSTM cannot take (too short, constant, missing values, ...)
gets a seasonal-naive (or naive) forecast, flagged in the `model` column and in `per_series_`.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .data.covariates import covariates_from_frame, future_template
from .data.panel import as_panel
from .errors import DataError
from .fit.backtesting import cross_validation as _cross_validation
from .fit.fitting import fit_panel
from .fit.predicting import forecast_parts, predict_frame
from .fit.settings import NOT_FITTED, Settings, SettingsMixin, levels_of, season_length_for
from .fit.state import FittedState
from .fit.update import update_inputs
from .persist import modelfile
from .scale import running


class _Fitted:
    """A fitted attribute (`panel_`, `scope_`, ...): a read-only view of one field of `state_`; an unfitted
    Forecaster has none (hasattr(fc, "panel_") is False, as in scikit-learn)."""

    def __set_name__(self, owner, name: str):
        self.name, self.field = name, name[:-1]

    def __get__(self, obj, owner=None) -> Any:
        if obj is None:
            return self
        state = obj.__dict__.get("state_")
        if state is None:
            raise AttributeError(f"{self.name}: {NOT_FITTED}")
        return getattr(state, self.field)

    def __set__(self, obj, value):
        raise AttributeError(f"{self.name} is read-only: it is the fitted state's {self.field!r}; fit again")


class Forecaster(SettingsMixin):
    """An ensemble of `seeds` LSTMs per series (local) or across series (global), combined with AutoETS and
    AutoARIMA.

    Args:
        look_back: input window length; None = max(season, 8) locally, ceil(1.25 * max(horizon, season))
            globally.
        framing: "timesteps" (L steps x 1 feature), "window" (1 step x L features), "regression" (L = 1).
        units: LSTM units, an int or a tuple (stacked layers).
        epochs: passes over each series' windows (None: 100 in local scope; global scope uses `steps`).
        steps: a budget of Adam steps instead of epochs (None: global scope 1,000; local uses epochs).
        batch_size: None = 8 locally, 256 globally.
        learning_rate: Keras's Adam on the MSE; None = 1e-3 locally (Keras's default), 3e-3 globally
            (1.5e-2 on a large pool: more pooled windows than steps x batch_size).
        seeds: ensemble size (None = 10 locally, 5 globally, 2 on a large pool); members differ only in
            their random seed.
        strategy: "direct" (a Dense(horizon) head; past `horizon` the next block starts from the
            forecasts) or "recursive" (a one-step model fed back).
        horizon: the direct strategy's output width; None = the season length (at least 4).
        transform: "none", "log", "boxcox" or "auto" (log for a series whose values are all > 0).
        diff: differencing lags applied in order, e.g. (12, 1); "auto": locally chosen per series by
            rolling validation inside its training data (panels of over 64 series: by the unit-root tests
            AutoARIMA uses, validation costing about 3x the fit); globally none (level_norm does that work).
        scale: "standard" or "minmax", fitted per series on its training part.
        calendar: built-in calendar future covariates computed from the timestamps (`lstmcast.data.calendar`);
            forecasts need no values for them. "auto" (default): on daily and finer data (local scope, up to
            64 series) time of day, day of week, Fourier terms of the weekly (sub-daily data) and yearly
            season where the series spans two of it, each kept only where
            the rolling validation folds say it lowers the LSTM's error (`cov_choice_["calendar"]` says what
            was kept and why; fit/calchoice.py). True: the frequency's calendar columns (month or quarter of
            year, week of year, time of day, day of week) unvalidated; False: none.
        validation, patience: hold out the last windows; with patience > 0 early stopping restores
            each member's best epoch.
        aggregate: "mean" or "median" of the members (the `mean` column).
        season_length: overrides the season inferred from the frequency.
        seed: first seed; member k uses seed + k.
        scope: "local", "global", or "auto" (both scored on the last horizon of each training series;
            the lower mean MASE wins; a single series is local).
        level_norm: subtract each window's last input value (global RNN practice); "auto" = in global scope.
        model: what forecasts. None (default): "lstm+pretrained+ets+arima" up to 64 series whose longest
            length x season is at most 12,000, else "lstm+pretrained+ets" up to 2,000 series, "lstm" above
            (AutoARIMA's search, then AutoETS, would cost more than the LSTM there).
            "lstm+pretrained+ets+arima": the LSTM ensemble trained on the data, the pretrained LSTM
            (zero-shot: trained on synthetic series only, shipped with the package) and statsforecast's
            AutoETS and AutoARIMA,
            weighted per series and horizon step by inverse validation MSE (the differencing folds; for
            panels choosing their scope, the scope holdout; equal weights where no validation runs); an
            LSTM too short for any fold gets no weight. "lstm": the LSTM alone. Also "lstm+ets",
            "lstm+theta", ...; without "lstm" no network is trained: "pretrained" (zero-shot alone),
            "pretrained+ets+arima" (weights from each member's errors on the same folds); "pretrained-ft": the
            pretrained LSTM fine-tuned on the data (models/pretrained_ft.py), alone or as a member. With the user's
            covariates the combination stays: AutoARIMA takes the future ones as regressors (ARIMAX), the
            LSTM all of them, AutoETS and the pretrained LSTM none; each keeps them only where its validation
            error is lower with them (the same folds, or a holdout in global scope; `cov_choice_` says what
            was kept and why).
        keep_covariates: True keeps the covariates in every member that can take them, unvalidated.

    Uncertainty: `level=[80, ...]` adds intervals `lo-80`/`hi-80` per series and horizon step. The
    LSTM's are split conformal (finite-sample (n + 1) quantile of absolute errors, per step): where the
    fit validated the series' differencing on rolling folds (local scope, diff="auto", up to 64 series),
    on those folds' out-of-sample h-step errors, for a positive series relative to its level at each fold
    origin and rescaled to its level at the forecast origin. A level the n errors cannot support
    (n / (n + 1) below it) spans the largest error and is said in `interval_note_`. Elsewhere the LSTM's
    errors are in-sample (optimistic: the model saw those values). A combination's bands are its members'
    bounds averaged with the weights of its point forecast (the LSTM's conformal band, the pretrained
    LSTM's quantile head, AutoETS's and AutoARIMA's model-based intervals): on the benchmark corpus's
    design half closer to nominal and with a lower quantile loss than conformal bands on the
    combination's own fold errors (fit/calibration.py). `interval_note_` says after each forecast how the
    bands were made and on how many errors; `calibration_` holds the signed fold errors; `evaluate
    --level 80 95` measures the coverage they achieve.
    """

    # FITTED ATTRIBUTES: views of state_ (fit/state.py's FittedState says what each holds) ---------
    panel_ = _Fitted()
    m_ = _Fitted()
    scope_ = _Fitted()
    scope_scores_ = _Fitted()
    spec_ = _Fitted()
    ensemble_ = _Fitted()
    phase0_ = _Fitted()
    cov_ = _Fitted()
    diffs_ = _Fitted()
    diff_scores_ = _Fitted()
    step_mse_ = _Fitted()
    loss_ = _Fitted()
    val_loss_ = _Fitted()
    stat_fits_ = _Fitted()
    members_ = _Fitted()
    weights_ = _Fitted()
    fit_seconds_ = _Fitted()
    per_series_ = _Fitted()
    calibration_ = _Fitted()
    cov_choice_ = _Fitted()
    notes_ = _Fitted()
    state_: FittedState

    # FIT -----------------------------------------------------------------------------------------
    def fit(self, df, id_col: str = "unique_id", time_col: str = "ds", target_col: str = "y", fill=None,
            strict: bool = False, progress=None, backend=None, address: str | None = None,
            futr_exog=None, hist_exog=None, static_df=None, stat_exog=None, exog_df=None,
            holidays=None):
        """Fit on a long frame (id_col, time_col, target_col), a pd.Series, or a `Panel`; returns self.

        backend: "local" (default), "ray" (a local Ray instance, or the cluster at `address`), or a
        backend from `lstmcast.scale.get_backend` (kept open: reuse it across calls).
        futr_exog / hist_exog: columns of df that are future (known over the horizon: forecast needs
        futr_df) or historical covariates; stat_exog: columns of static_df (one row per id)."""
        panel = as_panel(df, id_col=id_col, time_col=time_col, target_col=target_col, fill=fill,
                         strict=strict)
        cov = _covariates(panel, df if exog_df is None else exog_df, futr_exog, hist_exog, static_df, stat_exog,
                          holidays, self.calendar)
        with running(backend, address):
            self.state_ = fit_panel(Settings(**self.get_params()), panel, strict=strict, progress=progress, cov=cov)
        return self

    def update(self, df, progress=None, backend=None, address: str | None = None, where: str = "the model"):
        """Fine-tune on newer data; returns self. df: the series continued (the whole history, or only the
        rows after the fitted ends). The fit runs again with these settings on the longer series, the
        fine-tuned pretrained LSTM (`pretrained-ft`) starting from its fitted weights (warm start), the
        statistical members refitted, an LSTM trained on the data trained again (fit/update.py)."""
        panel, init = update_inputs(self._check_fitted(), df, where)
        with running(backend, address):
            self.state_ = fit_panel(Settings(**self.get_params()), panel, progress=progress, init=init)
        return self

    def _check_fitted(self) -> FittedState:
        state = self.__dict__.get("state_")
        if state is None:
            raise DataError(NOT_FITTED)
        return state

    # FORECAST ------------------------------------------------------------------------------------
    def forecast(self, h: int, df=None, level=None, members: bool = False, futr_df=None):
        """The h periods after each series' last value: unique_id, ds, mean, lo-L, hi-L, ..., model.

        df: newer observations continuing the series (long frame or Series; parameters stay frozen).
        level: conformal levels in percent, e.g. [80, 95]. members: one column per member (`member-k`).
        futr_df: the future covariates over the horizon (rows of `make_future_frame(h)` filled in).
        """
        state = self._check_fitted()
        _check_h(h)
        frame, self.interval_note_ = forecast_parts(state, int(h), df, levels_of(level), members, futr_df=futr_df)
        return frame

    def make_future_frame(self, h: int):
        """The (unique_id, ds) rows whose future covariates `forecast(h, futr_df=...)` needs, one empty
        column per future covariate."""
        state = self._check_fitted()
        _check_h(h)
        return future_template(state.panel, int(h), list(state.cov.user_futr) if state.cov is not None else [])

    def predict(self, max_rows: int | None = None):
        """In-sample one-step predictions of the LSTM series: unique_id, ds, y, mean, model. max_rows: at most
        about that many (the newest of one series; of a panel, every k-th series), for a quick check."""
        return predict_frame(self._check_fitted(), max_rows)

    def cross_validation(self, df, h: int, n_windows: int = 1, step_size: int | None = None,
                         refit: bool = True, level=None, members: bool = False, id_col: str = "unique_id",
                         time_col: str = "ds", target_col: str = "y", fill=None, progress=None,
                         backend=None, address: str | None = None, futr_exog=None, hist_exog=None,
                         static_df=None, stat_exog=None, exog_df=None,
                         holidays=None):
        """Rolling-origin forecasts, statsforecast's frame: unique_id, ds, cutoff, y, combo, lstm (`combo`:
        the combination this Forecaster forecasts with; `lstm`: its LSTM alone; a pure LSTM has `lstm` only).

        Each series' cut-offs are its last n_windows origins spaced step_size (default h) apart, ending h
        before its end. refit=True fits again at every cut-off (diff and scope chosen once, at the first);
        refit=False fits once at the first cut-off and moves the window with frozen parameters.
        `cv_models_` says, per series and cut-off, which model made the forecast (lstm or a fallback).
        Covariates as in `fit`; future ones take their actual values after each cut-off (the standard
        oracle setting: the forecasts assume the future covariates are known exactly).
        """
        panel = as_panel(df, id_col=id_col, time_col=time_col, target_col=target_col, fill=fill)
        cov = _covariates(panel, df if exog_df is None else exog_df, futr_exog, hist_exog, static_df, stat_exog,
                          holidays, self.calendar)
        with running(backend, address):
            bt = _cross_validation(Settings(**self.get_params()), panel, h, n_windows, step_size, refit,
                                   levels_of(level), members, progress, cov=cov)
        self.cv_models_, self.cv_first_ = bt.models, bt.first
        return bt.cv

    # FILES ---------------------------------------------------------------------------------------
    def save(self, path, overwrite: bool = False):
        """Write a model directory (config.json + weights.npz, no pickle)."""
        modelfile.save(self._check_fitted(), path, overwrite)
        return path

    @classmethod
    def load(cls, path) -> "Forecaster":
        """A Forecaster fitted as saved in the model directory `path` (`save`)."""
        params, state = modelfile.load(path)
        fc = cls(**params)
        fc.state_ = state
        for note in state.notes:         # e.g. the pretrained weights changed since the fit
            warnings.warn(note, UserWarning, stacklevel=2)
        return fc


def _check_h(h):
    if not isinstance(h, (int, np.integer)) or isinstance(h, bool) or h <= 0:
        raise DataError(f"horizon must be a whole number > 0; got {h!r}")


def _covariates(panel, df, futr_exog, hist_exog, static_df, stat_exog, holidays=None, calendar=False):
    """The panel's Covariates from df (None without any)."""
    if not (futr_exog or hist_exog or stat_exog or holidays or calendar is True):   # "auto": the fit adds them
        if static_df is not None:
            raise DataError("a static frame was given without stat_exog (--stat-exog); name its columns")
        return None
    if not (futr_exog or hist_exog):
        df = None
    elif not isinstance(df, pd.DataFrame):
        raise DataError("covariates need a long DataFrame with the covariate columns")
    if df is not None and panel.id_col not in df.columns:
        df = df.assign(**{panel.id_col: panel.ids[0]})
    return covariates_from_frame(panel, df, futr_exog, hist_exog, static_df, stat_exog,
                                 where=panel.source or "data", holidays=holidays, calendar=calendar)


__all__ = ["Forecaster", "season_length_for"]
