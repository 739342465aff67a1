"""Rolling-origin backtests of the LSTM beside naive and classical baselines, on the same cut-offs.

    cv = backtest(Forecaster(), y, horizon=12, windows=4)       # long frame: cutoff, ds, y, lstm, naive, ...
    scores = score(cv, y, season_length=12)                    # per model: rmse, mae, mape, smape, mase

Cut-offs are the last `windows` origins spaced `step` apart: with horizon 1 and 48 windows on the
144 airline months, the first window trains on months 1..96 and each window predicts one later month.
Every model sees only data up to its cut-off (the LSTM's scaler and transforms included).
refit=False fits once at the first cut-off and then only moves the input window forward, with the
parameters frozen, as statsforecast's cross_validation(refit=False) does. With refit, an automatic
differencing (diff="auto") is chosen once, on the data up to the first cut-off, and the networks
are refitted per window.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from . import metrics
from ..data import DataError, validate_series
from ..forecaster import Forecaster, season_length_for

BASELINES = ("naive", "snaive", "drift", "ets", "arima")
MODELS = ("lstm",) + BASELINES


def cutoffs(n: int, horizon: int, windows: int, step: int) -> np.ndarray:
    """Index of the last training value of each window, oldest first."""
    last = n - horizon - 1
    c = last - step * np.arange(windows)[::-1]
    if c[0] < 1:
        raise DataError(f"{windows} windows of horizon {horizon} spaced {step} need more than "
                        f"{horizon + step * (windows - 1) + 1} values; the series has {n}")
    return c


def _clone(fc: Forecaster) -> Forecaster:
    return Forecaster(**fc.get_params())


def lstm_backtest(fc: Forecaster, y: pd.Series, horizon: int, cuts, refit: bool, progress=None):
    """(K, W, h) member forecasts for each cut-off; trains all windows in one compiled call when shapes allow."""
    vals = y.to_numpy()
    say = progress or (lambda *_: None)
    if not refit:
        first = _clone(fc).fit(y.iloc[: cuts[0] + 1])
        say(f"lstm: trained once on {cuts[0] + 1} values; moving the window over {len(cuts)} cut-offs")
        L, D = first.r_["look_back"], first.pipe_.n_lost
        hist = np.stack([vals[c + 1 - (L + D): c + 1] for c in cuts])
        return first.paths(hist, np.asarray(cuts), horizon)
    # REFIT: one forecaster per window, trained together where their arrays have the same shapes
    from ..models.ensemble import choose_diffs, fit_many
    parts = [y.iloc[: c + 1] for c in cuts]
    fcs = [_clone(fc) for _ in cuts]
    # diff="auto": chosen once, on the data up to the first cut-off (later windows only add data)
    diffs = choose_diffs(fcs[:1], parts[:1], progress=say)[0] * len(cuts) if isinstance(fc.diff, str) else None
    fit_many(fcs, parts, diffs, progress=say)
    out = []
    for f, c in zip(fcs, cuts):
        L, D = f.r_["look_back"], f.pipe_.n_lost
        out.append(f.paths(vals[None, c + 1 - (L + D): c + 1], np.array([c]), horizon)[:, 0, :])
    return np.stack(out, axis=1)


def baseline_forecasts(y: pd.Series, horizon: int, cuts, refit: bool, m: int, models) -> dict:
    """{name: (W, h)} for the requested baselines. naive/snaive/drift by definition; ETS and ARIMA by statsforecast."""
    vals = y.to_numpy()
    j = np.arange(1, horizon + 1)
    out = {}
    c0 = cuts[0]
    for name in models:
        if name == "naive":
            out[name] = np.stack([np.full(horizon, vals[c]) for c in cuts])
        elif name == "snaive":
            out[name] = np.stack([vals[c + 1 - m + (j - 1) % m] for c in cuts])
        elif name == "drift":
            def slope(c):
                return (vals[c] - vals[0]) / c
            out[name] = np.stack([vals[c] + j * slope(c if refit else c0) for c in cuts])
    stats = [n for n in models if n in ("ets", "arima")]
    if stats:
        from statsforecast import StatsForecast
        from statsforecast.models import AutoARIMA, AutoETS
        built = {"ets": AutoETS(season_length=m, alias="ets"), "arima": AutoARIMA(season_length=m, alias="arima")}
        df = pd.DataFrame({"unique_id": "series", "ds": y.index, "y": vals})
        sf = StatsForecast(models=[built[n] for n in stats], freq=y.index.freq, n_jobs=1)
        step = int(cuts[1] - cuts[0]) if len(cuts) > 1 else horizon
        df = df.iloc[: cuts[-1] + horizon + 1]
        cv = sf.cross_validation(df=df, h=horizon, n_windows=len(cuts), step_size=step, refit=refit)
        for n in stats:
            out[n] = cv[n].to_numpy().reshape(len(cuts), horizon)
    return out


def backtest(forecaster: Forecaster, y, horizon: int, windows: int, step: int | None = None,
             refit: bool = True, models=MODELS, season_length: int | None = None, progress=None):
    """Rolling-origin evaluation. Returns (cv, info).

    cv: long DataFrame with columns cutoff, ds, y, one per model, and `lstm-seed-k` per ensemble member.
    info: {"season_length", "cutoffs", "seconds": {model: s}, "train_values": [...]}.
    """
    y = validate_series(y)
    step = horizon if step is None else step
    for name, v in (("horizon", horizon), ("windows", windows), ("step", step)):
        if not isinstance(v, (int, np.integer)) or v <= 0:
            raise DataError(f"{name} must be a whole number > 0; got {v!r}")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise DataError(f"unknown model(s) {unknown}; choose from {', '.join(MODELS)}")
    m = int(season_length or forecaster.season_length or season_length_for(y.index.freqstr))
    cuts = cutoffs(len(y), horizon, windows, step)
    vals = y.to_numpy()
    seconds, preds = {}, {}
    if "lstm" in models:
        t0 = time.perf_counter()
        members = lstm_backtest(forecaster, y, horizon, cuts, refit, progress)   # (K, W, h)
        seconds["lstm"] = time.perf_counter() - t0
        point = np.median(members, 0) if forecaster.aggregate == "median" else members.mean(0)
        preds["lstm"] = point
        for k in range(members.shape[0]):
            preds[f"lstm-seed-{k}"] = members[k]
    for name in [b for b in models if b != "lstm"]:
        t0 = time.perf_counter()
        preds.update(baseline_forecasts(y, horizon, cuts, refit, m, [name]))
        seconds[name] = time.perf_counter() - t0
        if progress:
            progress(f"{name}: done in {seconds[name]:.1f} s")
    rows = {"cutoff": np.repeat(y.index[cuts], horizon),
            "ds": np.concatenate([y.index[c + 1: c + 1 + horizon] for c in cuts]),
            "y": np.concatenate([vals[c + 1: c + 1 + horizon] for c in cuts])}
    rows.update({k: v.reshape(-1) for k, v in preds.items()})
    info = {"season_length": m, "cutoffs": [str(y.index[c].date()) for c in cuts], "seconds": seconds,
            "cut_index": cuts}
    return pd.DataFrame(rows), info


def score(cv: pd.DataFrame, y: pd.Series, models, season_length: int, refit: bool = True) -> dict:
    """Per model: rmse, mae, mape, smape over all forecasts; mase averaged over windows (each scaled by
    its own training window's in-sample seasonal-naive MAE); plus per-step RMSE."""
    vals = y.to_numpy()
    pos = {ts: i for i, ts in enumerate(y.index)}
    out = {}
    for name in models:
        r = {k: f(cv["y"], cv[name]) for k, f in metrics.ALL.items()}
        per_window = []
        for cut, part in cv.groupby("cutoff"):
            train = vals[: pos[cut] + 1]
            per_window.append(metrics.mase(part["y"], part[name], train, season_length))
        r["mase"] = float(np.mean(per_window))
        step = cv.groupby("cutoff").cumcount()
        r["rmse_by_step"] = [metrics.rmse(cv["y"][step == s], cv[name][step == s]) for s in range(step.max() + 1)]
        out[name] = r
    return out
