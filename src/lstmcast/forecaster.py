"""The public Forecaster: an ensemble of LSTMs for one series, with scikit-learn conventions.

    fc = Forecaster(seeds=10).fit(y)          # y: pd.Series with a DatetimeIndex (or DataFrame ds, y)
    fc.predict()                               # in-sample one-step predictions: ds, y, mean, lo, hi
    fc.forecast(12, level=[80, 95])            # the 12 periods after the data: ds, mean, lo, hi, lo-80, ...
    fc.save("model"); Forecaster.load("model")

What the network sees: the values go through an invertible pipeline fitted on the training data
only (log/Box-Cox, differencing, scaling; `transforms.py`), are cut into look_back windows
(`windows.py`) and K = `seeds` networks train together in one compiled call (`train.py`).
"""
from __future__ import annotations

import jax
import numpy as np
import pandas as pd

from .data import DataError, validate_series
from .engine.model import ModelConfig
from .engine.plan import check_fits, check_forecast, estimate, in_chunks
from .engine.train import TrainConfig, compiled_train, predict_many, predict_many_own
from .prep.transforms import SCALES, TRANSFORMS, Pipeline, fit_pipeline
from .prep.windows import FRAMINGS, frame

NOT_FITTED = "This Forecaster instance is not fitted yet. Call 'fit' with a series before using this method."
MIN_WINDOWS = 8
SEASONS = {"MS": 12, "ME": 12, "M": 12, "BMS": 12, "BME": 12, "QS": 4, "QE": 4, "Q": 4, "BQS": 4, "BQE": 4,
           "D": 7, "B": 5, "W": 52, "h": 24, "H": 24, "YS": 1, "YE": 1, "Y": 1, "A": 1, "AS": 1}


def season_length_for(freq: str | None) -> int:
    """12 monthly, 4 quarterly, 7 daily, 5 business-daily, 52 weekly, 24 hourly, 1 otherwise."""
    if not freq:
        return 1
    base = freq.split("-")[0].lstrip("0123456789")
    return SEASONS.get(base, 1)


def auto_diff(u, m: int, long_enough: bool = True) -> tuple[int, ...]:
    """Differencing lags for (transformed) training values u, as AutoARIMA chooses its orders:
    one seasonal difference if the seasonal-strength test asks for it (statsforecast's nsdiffs),
    then as many first differences as the KPSS test asks for (ndiffs, at most 2)."""
    from statsforecast.arima import ndiffs, nsdiffs
    u = np.asarray(u, np.float64)
    try:
        seasonal = m > 1 and long_enough and nsdiffs(u, period=m) > 0
        w = u[m:] - u[:-m] if seasonal else u
        d = int(ndiffs(w))
    except Exception:  # too short or degenerate for the tests: the airline model's orders
        return (m, 1) if m > 1 and long_enough else (1,)
    return ((m,) if seasonal else ()) + (1,) * d


def season_phase(ts: pd.Timestamp, m: int) -> int:
    """Position of a timestamp within its season (month of year, weekday, ...)."""
    if m == 12:
        return ts.month - 1
    if m == 4:
        return ts.quarter - 1
    if m in (7, 5):
        return ts.dayofweek % m
    if m == 52:
        return (ts.isocalendar().week - 1) % 52
    if m == 24:
        return ts.hour
    return 0


class Forecaster:
    """An ensemble of `seeds` LSTM regressors forecasting one series.

    Args:
        look_back: input window length; None = max(season length, 8).
        framing: "timesteps" (L steps x 1 feature), "window" (1 step x L features), "regression" (L = 1).
        units: LSTM units, an int or a tuple (stacked layers).
        stateful: not supported by the Forecaster (see `lstmcast tutorial` for the stateful framings).
        epochs, batch_size, learning_rate: training (Keras's Adam, MSE).
        seeds: ensemble size; members differ only in their random seed (init and shuffling).
        strategy: "direct" (a Dense(horizon) head predicting `horizon` steps at once from the same
            window; past `horizon` steps the next block starts from the forecasts) or "recursive"
            (a one-step model whose predictions are fed back).
        horizon: the direct strategy's output width; None = the season length (at least 4).
        transform: "none", "log", "boxcox" or "auto" (log when all values are positive).
        diff: differencing lags applied in order, e.g. (12, 1); "auto" = chosen on the training values by
            the unit-root tests AutoARIMA uses (a seasonal difference if nsdiffs says so, then ndiffs
            first differences).
        scale: "standard" or "minmax", fitted on the training part.
        calendar: add sin/cos of the season position as input features.
        validation: fraction of the last training windows held out; with patience > 0 early stopping
            restores each member's best epoch.
        aggregate: "mean" or "median" of the members for the point forecast (the `mean` column).
        season_length: overrides the season inferred from the frequency.
        seed: first seed; member k uses seed + k.

    Uncertainty: `lo`/`hi` are the 10% and 90% quantiles of the members (model spread only, it
    ignores noise); `level=[80, ...]` adds split-conformal intervals `lo-80`/`hi-80` from the
    absolute errors of h-step forecasts made at past origins, per horizon step: inside the
    validation tail when `validation` > 0, otherwise in-sample (then optimistic: the model saw
    those months).
    """

    def __init__(self, look_back=None, framing="timesteps", units=(16,), stateful=False, epochs=100,
                 batch_size=8, learning_rate=1e-3, seeds=10, strategy="direct", horizon=None,
                 transform="auto", diff="auto", scale="standard", calendar=False, validation=0.0,
                 patience=0, aggregate="mean", season_length=None, seed=0):
        self.look_back, self.framing, self.units, self.stateful = look_back, framing, units, stateful
        self.epochs, self.batch_size, self.learning_rate, self.seeds = epochs, batch_size, learning_rate, seeds
        self.strategy, self.horizon, self.transform, self.diff = strategy, horizon, transform, diff
        self.scale, self.calendar, self.validation, self.patience = scale, calendar, validation, patience
        self.aggregate, self.season_length, self.seed = aggregate, season_length, seed

    _PARAMS = ("look_back", "framing", "units", "stateful", "epochs", "batch_size", "learning_rate", "seeds",
               "strategy", "horizon", "transform", "diff", "scale", "calendar", "validation", "patience",
               "aggregate", "season_length", "seed")

    def get_params(self, deep=True) -> dict:
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **kw):
        for k, v in kw.items():
            if k not in self._PARAMS:
                raise ValueError(f"unknown parameter {k!r}; valid: {', '.join(self._PARAMS)}")
            setattr(self, k, v)
        return self

    def __repr__(self):
        changed = {k: v for k, v in self.get_params().items() if v != Forecaster().get_params()[k]}
        return f"Forecaster({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    # CHECKS ----------------------------------------------------------------------------------------
    def _resolve(self, y: pd.Series, diff=None) -> dict:
        def need(cond, msg):
            if not cond:
                raise DataError(msg)
        units = (self.units,) if isinstance(self.units, (int, np.integer)) else tuple(self.units)
        for name in ("epochs", "batch_size", "seeds", "horizon"):
            v = getattr(self, name)
            if name == "horizon" and v is None:
                continue
            need(isinstance(v, (int, np.integer)) and v > 0, f"{name} must be a whole number > 0; got {v!r}")
        need(len(units) > 0 and all(isinstance(u, (int, np.integer)) and u > 0 for u in units),
             f"units must be whole numbers > 0; got {self.units!r}")
        need(self.framing in FRAMINGS, f"framing must be one of {FRAMINGS}; got {self.framing!r}")
        need(self.strategy in ("recursive", "direct"), f"strategy must be 'recursive' or 'direct'; got {self.strategy!r}")
        need(self.aggregate in ("mean", "median"), f"aggregate must be 'mean' or 'median'; got {self.aggregate!r}")
        need(self.scale in SCALES, f"scale must be one of {SCALES}; got {self.scale!r}")
        need(self.transform == "auto" or self.transform in TRANSFORMS,
             f"transform must be 'auto' or one of {TRANSFORMS}; got {self.transform!r}")
        need(np.isfinite(self.learning_rate) and self.learning_rate > 0,
             f"learning_rate must be > 0; got {self.learning_rate!r}")
        need(0 <= self.validation < 1, f"validation must be a fraction in [0, 1); got {self.validation!r}")
        need(isinstance(self.patience, (int, np.integer)) and self.patience >= 0,
             f"patience must be a whole number >= 0; got {self.patience!r}")
        need(not self.stateful, "stateful=True is not supported by the Forecaster (it is by `lstmcast "
                                "tutorial`); use stateful=False")
        m = int(self.season_length or season_length_for(y.index.freqstr))
        need(m > 0, f"season_length must be > 0; got {m}")
        lb = 1 if self.framing == "regression" else (self.look_back if self.look_back is not None else max(m, 8))
        need(isinstance(lb, (int, np.integer)) and lb > 0, f"look_back must be a whole number > 0; got {lb!r}")
        vals = y.to_numpy()
        need(np.nanmax(vals) > np.nanmin(vals), f"the series is constant ({vals[0]:g} at all {len(vals)} "
                                                 "times): there is nothing to learn")
        tf = self.transform
        if tf == "auto":
            tf = "log" if vals.min() > 0 else "none"
        if tf in ("log", "boxcox") and vals.min() <= 0:
            i = int(np.argmin(vals))
            raise DataError(f"transform {tf!r} needs values > 0; {y.index[i].date()} has {vals[i]:g}: "
                            "use --transform none")
        if diff is not None:
            diff = tuple(int(a) for a in diff)
        elif isinstance(self.diff, str):
            need(self.diff == "auto", f"diff must be 'auto' or lags like (12, 1); got {self.diff!r}")
            u = np.log(vals) if tf in ("log", "boxcox") else vals
            diff = auto_diff(u, m, long_enough=len(y) >= 3 * m + lb + MIN_WINDOWS)
        else:
            diff = tuple(int(a) for a in self.diff)
            need(all(a > 0 for a in diff), f"diff lags must be > 0; got {self.diff!r}")
        h = (self.horizon or max(m, 4)) if self.strategy == "direct" else 1
        n_windows = len(y) - sum(diff) - lb - h + 1
        n_val = int(np.ceil(self.validation * n_windows)) if self.validation > 0 else 0
        need_n = sum(diff) + lb + h - 1 + MIN_WINDOWS + n_val
        if n_windows - n_val < MIN_WINDOWS:
            raise DataError(f"series too short: {len(y)} values; look_back={lb}, differencing {diff}, "
                            f"horizon {h} and validation {self.validation} need at least {need_n}. "
                            "Lower look_back or use a longer series")
        return dict(m=m, look_back=int(lb), units=units, transform=tf, diff=diff, h=h, n_val=n_val)

    # DATA -> WINDOWS -------------------------------------------------------------------------------
    def _features(self, z, end_idx):
        """z (..., L) scaled values whose last element is at series index end_idx (...,) -> (..., L, F)."""
        feats = [z[..., None]]
        if self.calendar and self.r_["m"] > 1:
            pos = (self.phase_ + np.asarray(end_idx)[..., None] - np.arange(z.shape[-1])[::-1]) % self.r_["m"]
            ang = 2 * np.pi * pos / self.r_["m"]
            feats += [np.sin(ang)[..., None], np.cos(ang)[..., None]]
        return np.concatenate(feats, axis=-1)

    def _inputs(self, tails, end_idx):
        """tails (..., L + D) raw values ending at end_idx -> model inputs (..., T, F) float32."""
        z = self.pipe_.forward(tails)                                       # (..., L)
        x = self._features(z, end_idx)                                      # (..., L, F)
        lead = x.shape[:-2]
        x = frame(x.reshape(-1, *x.shape[-2:]), "window" if self.framing == "window" else "timesteps")
        return x.reshape(*lead, *x.shape[1:]).astype(np.float32)

    def _training_arrays(self, values):
        """Windows (x, y) over a training series whose pipeline is already fitted."""
        lb, d, h = self.r_["look_back"], self.pipe_.n_lost, self.r_["h"]
        z = self.pipe_.forward(values)                                      # (M,)
        targets = np.arange(lb, len(z) - h + 1)                             # indices into z
        idx = targets[:, None] + np.arange(-lb - d, 0)[None, :] + d         # raw-value tails
        x = self._inputs(values[idx], targets + d - 1)                      # (n, T, F)
        yv = z[targets[:, None] + np.arange(h)[None, :]].astype(np.float32)  # (n, h)
        return x, yv

    # FIT -------------------------------------------------------------------------------------------
    def fit(self, y):
        """Fit the pipeline and the K networks on `y` (pd.Series with a DatetimeIndex, or DataFrame ds, y).

        With diff="auto" the differencing is chosen first, by forecasting a held-out tail of `y` with
        each candidate (`ensemble.choose_diffs`); the scores are kept in `diff_scores_`.
        """
        from .models.ensemble import choose_diffs
        y = validate_series(y)
        diff, scores = (None, {})
        if isinstance(self.diff, str):
            (diff,), (scores,) = choose_diffs([self], [y])
        x, t = self.prepare(y, diff=diff)
        self.diff_scores_ = scores
        self._train(x, t, self.r_["n_val"])
        return self

    def prepare(self, y, diff=None):
        """Everything before training: check `y`, resolve the automatic settings (`diff` replaces
        diff="auto"), fit the pipeline on the training part; returns the training windows
        (x (N, T, F), targets (N, h))."""
        y = validate_series(y)
        self.r_ = self._resolve(y, diff)
        vals = y.to_numpy(np.float64)
        self.phase_ = season_phase(y.index[0], self.r_["m"])
        self.pipe_ = fit_pipeline(vals[: len(vals) - self._val_values()], self.r_["transform"], self.r_["diff"],
                                  self.scale)
        self.y_ = y
        return self._training_arrays(vals)

    def _val_values(self) -> int:
        return self.r_["n_val"] + self.r_["h"] - 1 if self.r_["n_val"] else 0

    def model_config(self, n_features: int) -> ModelConfig:
        return ModelConfig(n_features=n_features, units=self.r_["units"], n_outputs=self.r_["h"])

    def train_config(self) -> TrainConfig:
        return TrainConfig(epochs=self.epochs, batch_size=self.batch_size, shuffle=True,
                           learning_rate=float(self.learning_rate),
                           patience=self.patience if self.r_["n_val"] else 0)

    def _train(self, x, t, n_val):
        keys = jax.vmap(jax.random.key)(np.arange(self.seed, self.seed + self.seeds))
        mc, tc = self.model_config(x.shape[-1]), self.train_config()
        chunks = check_fits(estimate(len(x), self.seeds, *x.shape[1:], mc.units, mc.n_outputs, self.batch_size,
                                     epochs=self.epochs), what=f"training {self.seeds} LSTMs")  # resource plan
        if n_val:
            xt, tt, xv, tv = x[:-n_val], t[:-n_val], x[-n_val:], t[-n_val:]
            fn = compiled_train(mc, tc, vmap_keys=True, with_val=True)
            params, metrics = in_chunks(fn, keys, chunks, xt, tt, np.ones(len(xt), np.float32), xv, tv)
        else:
            fn = compiled_train(mc, tc, vmap_keys=True)
            params, metrics = in_chunks(fn, keys, chunks, x, t, np.ones(len(x), np.float32))
        self.set_trained(params, metrics)

    def set_trained(self, params, metrics):
        loss = np.asarray(metrics["loss"])
        if not np.all(np.isfinite(loss)):
            raise DataError(f"training diverged to NaN (learning_rate={self.learning_rate}); "
                            "try a lower --learning-rate")
        self.params_ = jax.tree.map(np.asarray, params)
        self.loss_ = loss
        self.val_loss_ = np.asarray(metrics["val_loss"])
        self.best_epoch_ = np.asarray(metrics["best_epoch"])

    def _check_fitted(self):
        if not hasattr(self, "params_"):
            raise DataError(NOT_FITTED)

    # PREDICT ---------------------------------------------------------------------------------------
    def _members(self, x):
        """x (K, B, T, F) or (B, T, F) -> (K, B, O): each member on its own inputs."""
        if x.ndim == 3:
            return np.asarray(predict_many(self.params_, x))
        return np.asarray(predict_many_own(self.params_, x))

    def paths(self, y_hist: np.ndarray, ends: np.ndarray, h: int) -> np.ndarray:
        """Each member's h-step forecasts from several origins at once.

        y_hist (B, n) raw values up to each origin (only the last L + D are used), ends (B,) the series
        index of each history's last value. Returns (K, B, h).
        """
        L, D, K = self.r_["look_back"], self.pipe_.n_lost, self.seeds
        tails = np.broadcast_to(y_hist[:, -(L + D):], (K, *y_hist[:, -(L + D):].shape)).copy()  # (K, B, L+D)
        ends = np.asarray(ends)
        H = self.r_["h"]
        out = []
        for j in range(h):
            if self.strategy == "recursive":
                z = self._members(self._inputs(tails, ends + j))[..., 0]       # (K, B)
            else:   # direct: H steps per call; beyond H, the next block starts from the forecasts
                if j % H == 0:
                    zhat = self._members(self._inputs(tails, ends + j))        # (K, B, H)
                z = zhat[..., j % H]
            nxt = self.pipe_.invert_next(tails, z)                             # (K, B)
            out.append(nxt)
            tails = np.concatenate([tails[..., 1:], nxt[..., None]], axis=-1)
        return np.stack(out, axis=-1)

    def _point(self, members):
        return np.median(members, axis=0) if self.aggregate == "median" else np.mean(members, axis=0)

    def predict(self) -> pd.DataFrame:
        """In-sample one-step predictions from actual histories: ds, y, mean, lo, hi (10%/90% of members)."""
        self._check_fitted()
        vals = self.y_.to_numpy()
        L, D = self.r_["look_back"], self.pipe_.n_lost
        t = np.arange(L + D, len(vals))
        hist = vals[t[:, None] + np.arange(-(L + D), 0)[None, :]]
        p = self.paths(hist, t - 1, 1)[..., 0]                                 # (K, n)
        return pd.DataFrame({"ds": self.y_.index[t], "y": vals[t], "mean": self._point(p),
                             "lo": np.quantile(p, 0.1, axis=0), "hi": np.quantile(p, 0.9, axis=0)})

    def forecast(self, h: int, y_new=None, level=None, members: bool = False) -> pd.DataFrame:
        """The h periods after the last observation (of the training data, or of `y_new`).

        y_new: newer observations continuing the series (the parameters stay frozen); rows at or before
        the last known time are ignored. level: conformal levels in percent, e.g. [80, 95].
        members: add one column per ensemble member (`member-0`, ...).
        """
        self._check_fitted()
        if not isinstance(h, (int, np.integer)) or h <= 0:
            raise DataError(f"horizon must be a whole number > 0; got {h!r}")
        y = self._extended(y_new)
        check_forecast(self, h, level, y)     # resource plan and calendar range, before allocating
        vals = y.to_numpy()
        p = self.paths(vals[None, :], np.array([len(vals) - 1]), h)[:, 0, :]    # (K, h)
        ds = pd.date_range(y.index[-1], periods=h + 1, freq=y.index.freq)[1:]
        out = pd.DataFrame({"ds": ds, "mean": self._point(p), "lo": np.quantile(p, 0.1, axis=0),
                            "hi": np.quantile(p, 0.9, axis=0)})
        for lv in _levels(level):
            q = self.conformal_quantiles(h, lv)
            out[f"lo-{lv}"], out[f"hi-{lv}"] = out["mean"] - q, out["mean"] + q
        if members:
            for k in range(p.shape[0]):
                out[f"member-{k}"] = p[k]
        return out

    def conformal_quantiles(self, h: int, level) -> np.ndarray:
        """Per-step absolute-error quantiles (h,) of past h-step forecasts (split conformal)."""
        vals = self.y_.to_numpy()
        L, D = self.r_["look_back"], self.pipe_.n_lost
        first = len(vals) - self._val_values() if self.r_["n_val"] else L + D
        origins = np.arange(max(first, L + D, len(vals) - h - 300), len(vals) - h + 1)   # last index used + 1
        if len(origins) < 10:
            raise DataError(f"conformal intervals at horizon {h} need 10 past origins with {h} later values; "
                            f"this series has {max(len(origins), 0)}. Lower the horizon or the level count")
        hist = vals[origins[:, None] + np.arange(-(L + D), 0)[None, :]]
        pred = self._point(self.paths(hist, origins - 1, h))                     # (B, h)
        actual = vals[origins[:, None] + np.arange(h)[None, :]]
        err = np.abs(actual - pred)
        n = len(origins)
        qlev = min(1.0, np.ceil((n + 1) * level / 100) / n)
        return np.quantile(err, qlev, axis=0, method="higher")

    def _extended(self, y_new) -> pd.Series:
        if y_new is None:
            return self.y_
        freq = self.y_.index.freqstr
        y_new = validate_series(y_new, freq=freq, where="new data")
        y_new = y_new[y_new.index > self.y_.index[-1]]
        if len(y_new) == 0:
            return self.y_
        expected = self.y_.index[-1] + self.y_.index.freq
        if y_new.index[0] != expected:
            raise DataError(f"new data must continue the series: expected {expected.date()} next, "
                            f"got {y_new.index[0].date()}")
        y = pd.concat([self.y_, y_new])
        y.index.freq = self.y_.index.freq
        return y

    # FILES -----------------------------------------------------------------------------------------
    def save(self, path, overwrite: bool = False):
        """Write a model directory (config.json + weights.npz, no pickle)."""
        from .modelfile import save
        self._check_fitted()
        save(self, path, overwrite)
        return path

    @classmethod
    def load(cls, path) -> "Forecaster":
        from .modelfile import load
        return load(cls, path)


def _levels(level):
    if level is None:
        return []
    lv = [level] if np.isscalar(level) else list(level)
    for v in lv:
        if not (isinstance(v, (int, np.integer, float)) and 0 < v < 100):
            raise DataError(f"level must be a percentage between 0 and 100 (e.g. 80 95); got {v!r}")
    return [int(v) if float(v).is_integer() else v for v in lv]


__all__ = ["Forecaster", "Pipeline", "season_length_for"]
