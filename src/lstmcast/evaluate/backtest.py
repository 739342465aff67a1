"""Rolling-origin backtests of the LSTM beside naive and classical baselines, on the same cut-offs.

    cv, info = backtest(Forecaster(), df, h=12, n_windows=4)        # unique_id, ds, cutoff, y, lstm, naive, ...
    table = per_series_scores(cv, panel, models, m)                   # one row per series and model
    doc = summarise(table, models)                                    # mean / median / gmean MASE, wins

Every model sees only data up to its cut-off (the LSTM's scalers and transforms included). Cut-offs are
per series, counted back from its end (statsforecast's convention). MASE scales each window's mean
absolute error by the in-sample seasonal-naive MAE of that window's training part; a series' MASE is the
mean over its windows; the panel's is the mean (and median, geometric mean) over series. statsforecast's
baselines see a series of extreme values or steps in units of a power of two (models/baselines.py
`magnitude_scale`; exact, and the same model), so that the same series in other units scores the same.
"""
from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from ..data.era import day
from ..data.panel import as_panel
from ..errors import DataError
from ..fit.backtesting import cutoff_positions, cutoffs
from ..fit.settings import season_length_for
from ..models.baselines import BASELINES, STAT_MODELS, drift, finite_history, naive, snaive, stat_cross_validation
from ..models.statmembers import members
from . import metrics

MODELS = ("default", "lstm", "pretrained") + BASELINES   # default: the Forecaster as given; pretrained: zero-shot
DEFAULT_MODELS = ("default", "lstm", "pretrained", "naive", "snaive", "drift", "ets", "arima")
ROWS: dict = {}   # more rows by name (`add_row`): a pretrained model, another library, ...


def add_row(name: str, fn) -> None:
    """Make `name` a model of `backtest` and `lstmcast evaluate --models`: fn(panel, h, n_windows, step_size,
    refit, season_length, levels) returns a long frame with the panel's id and time columns, `cutoff`, and
    `name` (plus `name-lo-L` / `name-hi-L` per level, scored like every other row's bands)."""
    if name in MODELS or name.startswith("lstm-seed-") or "-lo-" in name or "-hi-" in name:
        raise ValueError(f"{name!r} cannot name a new row")
    ROWS[name] = fn


def known_models() -> tuple:
    return MODELS + tuple(ROWS)


def _simple(name, y, cut, h, m, levels=()) -> dict:
    """{"mean": (h,), "lo-L", "hi-L"} of naive, snaive or drift from y[:cut + 1]: the point forecast by
    definition; the bands statsforecast's own (Naive, SeasonalNaive, RandomWalkWithDrift; a seasonal
    naive whose bands statsforecast cannot make, under two seasons of history, takes the naive's widths)."""
    hist = finite_history(y[: cut + 1])
    seasonal = name == "snaive" and len(hist) >= m
    mean = naive(hist, h) if name == "naive" or name == "snaive" and not seasonal else \
        snaive(hist, h, m) if seasonal else drift(hist, h)
    out = {"mean": mean}
    if not levels:
        return out
    lv = list(levels)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        model = _sf_simple("snaive" if seasonal else "drift" if name == "drift" else "naive", m)
        f = model.forecast(y=hist, h=h, level=lv) if len(hist) > 1 else {}
        if seasonal and not all(np.isfinite(f[f"lo-{v}"]).all() for v in lv):
            f = _sf_simple("naive", m).forecast(y=hist, h=h, level=lv)
            f = {k: mean + (v - f["mean"]) for k, v in f.items()}
    for v in lv:
        for b in ("lo", "hi"):
            out[f"{b}-{v}"] = np.asarray(f[f"{b}-{v}"], np.float64) if f else np.full(h, np.nan)
    return out


def _sf_simple(name: str, m: int):
    # statsforecast.models imports statsmodels.api (2-3 s): only when intervals are asked for
    from statsforecast.models import Naive, RandomWalkWithDrift, SeasonalNaive  # numba (~2 s)
    return {"naive": Naive, "drift": RandomWalkWithDrift}[name]() if name != "snaive" else SeasonalNaive(m)


def backtest(forecaster, data, h: int, n_windows: int, step_size: int | None = None, refit: bool = True,
             models=DEFAULT_MODELS, season_length: int | None = None, progress=None, id_col="unique_id",
             time_col="ds", target_col="y", exog=None, levels=()):
    """Rolling-origin evaluation of every model on the same cut-offs. Returns (cv, info).
    h, n_windows, step_size: statsforecast's cross_validation arguments (the CLI's --horizon, --windows and
    --step); step_size defaults to h, and the windows are placed by `fit.backtesting.cutoff_positions`.
    exog: covariate keyword arguments of the LSTM's cross_validation (futr_exog=..., exog_df=...).
    levels: interval levels in percent: every model also gets `name-lo-L` / `name-hi-L` columns (the
    baselines' from statsforecast's own `level=`), which `per_series_scores(..., levels)` scores.

    cv: long frame unique_id, ds, cutoff, y, one column per model, `lstm-seed-k` per ensemble member.
    info: {"season_length", "cutoffs", "seconds": {model: s}, "panel", "lstm_models": frame}.
    """
    say = progress or (lambda *a, **k: None)
    step = h if step_size is None else step_size
    for name, v in (("h", h), ("n_windows", n_windows), ("step_size", step)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
            raise DataError(f"{name} must be a whole number > 0; got {v!r}")
    unknown = [m for m in models if m not in known_models()]
    if unknown:
        raise DataError(f"unknown model(s) {unknown}; choose from {', '.join(known_models())}")
    panel = as_panel(data, id_col=id_col, time_col=time_col, target_col=target_col)
    m = int(season_length or forecaster.season_length or season_length_for(panel.freq))
    if len(panel) == 1:
        cutoffs(int(panel.lengths[0]), h, n_windows, step)          # the one-line error when too short
    seconds = {}
    idc, tc, yc = panel.id_col, panel.time_col, panel.target_col
    if "lstm" in models or "default" in models:     # one run gives both: the combination and its LSTM member
        t0 = time.perf_counter()
        cv = forecaster.cross_validation(panel, h, n_windows, step, refit, members=True, progress=say,
                                         level=list(levels) or None, **(exog or {}))
        src = "combo" if "combo" in cv.columns else "lstm"
        for c in [src] + [f"{src}-{b}-{lv}" for lv in levels for b in ("lo", "hi")]:
            cv["default" + c[len(src):]] = cv[c]
        seconds["default"] = seconds["lstm"] = time.perf_counter() - t0
    else:
        cv = skeleton(panel, h, n_windows, step)
    pos = {k: i for i, k in enumerate(panel.ids)}
    keys = cv[[idc, "cutoff"]].drop_duplicates()
    cv = _quick_rows(cv, panel, keys, models, h, n_windows, step, refit, m, levels, seconds)
    stats = [n for n in models if n in STAT_MODELS]
    stat_fallbacks = {}
    if stats:
        t0 = time.perf_counter()
        used = sorted(set(cv[idc]), key=lambda k: pos[k])
        long = pd.concat([pd.DataFrame({"unique_id": k, "ds": panel.index(pos[k])[len(panel.values[pos[k]]) -
                                                                                  len(finite_history(panel.values[pos[k]])):],
                                        "y": finite_history(panel.values[pos[k]])}) for k in used])
        say(f"{', '.join(stats)}: statsforecast cross_validation on {len(used)} series ...")
        scv, failed = _stat_cv(long, h, n_windows, step, refit, m, stats, panel.freq, levels)
        scv = scv.rename(columns={"unique_id": idc, "ds": tc})[[idc, tc, "cutoff", *stats,
                                                               *band_columns(stats, levels)]]
        cv = cv.merge(scv, on=[idc, tc, "cutoff"], how="left")
        if failed:   # statsforecast cannot fit their shortest training parts: seasonal naive, said in the row label
            say(f"{', '.join(stats)}: {len(failed)} series too short for statsforecast in some window: seasonal "
                "naive there")
            bad = cv[idc].isin(failed).to_numpy()
            fill = [_simple("snaive", np.asarray(panel.values[pos[k]], np.float64),
                            int(np.searchsorted(panel.index(pos[k]), cut)), h, m, levels)
                    for k, cut in zip(keys[idc], keys["cutoff"]) if k in set(failed)]
            for n in stats:
                for key in fill[0]:
                    cv.loc[bad, n if key == "mean" else f"{n}-{key}"] = np.concatenate([f[key] for f in fill])
            stat_fallbacks = {n: {"snaive": len(failed)} for n in stats}
        dt = time.perf_counter() - t0
        for n in stats:
            seconds[n] = dt / len(stats)
    model_cols = [mm for mm in models if mm in cv.columns]
    bands = [c for c in band_columns(model_cols, levels) if c in cv.columns]
    cv = cv[[idc, tc, "cutoff", yc, *model_cols, *bands, *[c for c in cv.columns if c.startswith("lstm-seed-")]]]
    info = {"season_length": m, "seconds": seconds, "panel": panel,
            "cutoffs": [day(c).split(" ")[0] for c in panel.localize(pd.DatetimeIndex(sorted(set(cv["cutoff"]))))],
            "lstm_models": getattr(forecaster, "cv_models_", None), "default_model": _default_model(forecaster, panel),
            "stat_fallbacks": stat_fallbacks}
    return cv, info


def _stat_cv(long, h, n_windows, step_size, refit, m, stats, freq, levels=()):
    """(statsforecast's cross_validation frame, ids of the series it could not fit): the panel at once, and
    series by series only when that fails (AutoETS refuses 'tiny datasets' of a short first window)."""
    errors = (NotImplementedError, ValueError, ZeroDivisionError, np.linalg.LinAlgError)
    try:
        return stat_cross_validation(long, h, n_windows, step_size, refit, m, stats, freq, levels), []
    except errors:
        pass
    parts, failed = [], []
    for uid, part in long.groupby("unique_id", sort=False):
        try:
            parts.append(stat_cross_validation(part, h, n_windows, step_size, refit, m, stats, freq, levels))
        except errors:
            failed.append(uid)
    cols = ["unique_id", "ds", "cutoff", "y", *stats, *band_columns(stats, levels)]
    return (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)), failed


def band_columns(models, levels) -> list:
    """`name-lo-L`, `name-hi-L` of each model and level, in that order."""
    return [f"{n}-{b}-{lv}" for n in models for lv in levels for b in ("lo", "hi")]


def _quick_rows(cv, panel, keys, models, h, n_windows, step_size, refit, m, levels, seconds):
    """cv with the rows that need no statsforecast: naive, snaive, drift (by definition, statsforecast's
    bands), the pretrained network (zero-shot, one batched call, its quantile head's bands) and the rows
    added by `add_row`; their seconds in `seconds`."""
    idc, tc = panel.id_col, panel.time_col
    pos = {k: i for i, k in enumerate(panel.ids)}
    upto = [(np.asarray(panel.values[pos[k]], np.float64), int(np.searchsorted(panel.index(pos[k]), cut)))
            for k, cut in zip(keys[idc], keys["cutoff"])]
    for name in [b for b in models if b in ("naive", "snaive", "drift")]:
        t0 = time.perf_counter()
        parts = [_simple(name, v, c, h, m, levels) for v, c in upto]
        for k in (parts[0] if parts else {"mean": None}):
            cv[name if k == "mean" else f"{name}-{k}"] = np.concatenate([p[k] for p in parts]) if parts else []
        seconds[name] = time.perf_counter() - t0
    if "pretrained" in models:
        from ..models.pretrained import forecast_arrays  # its network loads only when asked for
        t0 = time.perf_counter()
        point, bounds = forecast_arrays([v[:c + 1] for v, c in upto], m, h, levels) if upto else ([], {})
        cv["pretrained"] = np.ravel(point)
        for lv, (lo, hi) in bounds.items():
            cv[f"pretrained-lo-{lv}"], cv[f"pretrained-hi-{lv}"] = lo.ravel(), hi.ravel()
        seconds["pretrained"] = time.perf_counter() - t0
    for name in [r for r in models if r in ROWS]:
        t0 = time.perf_counter()
        extra = ROWS[name](panel, h, n_windows, step_size, refit, m, list(levels))
        cols = [c for c in [name, *band_columns([name], levels)] if c in extra.columns]
        cv = cv.merge(extra[[idc, tc, "cutoff", *cols]], on=[idc, tc, "cutoff"], how="left")
        seconds[name] = time.perf_counter() - t0
    return cv


def _default_model(forecaster, panel) -> str:
    """What the default row is: the members of the first window's fit, else of the Forecaster's setting."""
    first = getattr(forecaster, "cv_first_", None)
    used = getattr(first, "members", None)
    return "+".join(used if used else members(forecaster.model, len(panel)))


def skeleton(panel, h: int, n_windows: int, step_size: int) -> pd.DataFrame:
    """unique_id, ds, cutoff, y of every usable series' windows (no model columns)."""
    cuts = cutoff_positions(panel.lengths, h, n_windows, step_size)
    rows = []
    for i in np.flatnonzero(cuts[:, 0] >= 1):
        idx, v = panel.index(i), np.asarray(panel.values[i], np.float64)
        for c in cuts[i]:
            rows.append(pd.DataFrame({panel.id_col: np.repeat(np.asarray(panel.ids[i:i + 1], dtype=object), h),
                                      panel.time_col: idx[c + 1: c + 1 + h], "cutoff": idx[c],
                                      panel.target_col: v[c + 1: c + 1 + h]}))
    if not rows:
        raise DataError(f"{n_windows} window(s) of horizon {h} spaced {step_size} need more than "
                        f"{h + step_size * (n_windows - 1) + 1} values; the longest series has {panel.lengths.max()}")
    return pd.concat(rows, ignore_index=True)


def per_series_scores(cv, panel, models, m: int, levels=()) -> pd.DataFrame:
    """One row per (series, model): mase (mean over windows), rmse, mae, mape, smape over its forecasts;
    with levels, coverage-L (share of its actuals inside the L% band), msis-L and sql (each window's score
    scaled by its training part's seasonal-naive MAE, then the mean over windows, like MASE): NaN for a
    model without `name-lo-L` / `name-hi-L` columns."""
    idc, yc = panel.id_col, panel.target_col
    pos = {k: i for i, k in enumerate(panel.ids)}
    rows = []
    for key, part in cv.groupby(idc, sort=False):
        v = np.asarray(panel.values[pos[key]], np.float64)
        idx = panel.index(pos[key])
        scales = {c: metrics.seasonal_naive_mae(finite_history(v[: int(np.searchsorted(idx, c)) + 1]), m)
                  for c in part["cutoff"].unique()}
        y = part[yc].to_numpy()
        for name in models:
            f = part[name].to_numpy()
            r = {"unique_id": key, "model": name}
            ok = np.isfinite(f) & np.isfinite(y)
            r.update({k: fn(y[ok], f[ok]) if ok.any() else float("nan") for k, fn in metrics.ALL.items()})
            per_w = []
            for c, w in part.groupby("cutoff"):
                s = scales[c]
                e = np.abs(w[yc].to_numpy() - w[name].to_numpy())
                per_w.append(float(np.mean(e)) / s if s > 0 else float("nan"))
            r["mase"] = float(np.nanmean(per_w)) if np.isfinite(per_w).any() else float("nan")
            if levels:
                r.update(interval_scores(part, yc, name, levels, scales))
            rows.append(r)
    return pd.DataFrame(rows)


def interval_scores(part, yc: str, name: str, levels, scales: dict) -> dict:
    """{coverage-L, msis-L, sql} of one series' backtest rows `part` (cutoff, yc, name, name-lo-L, ...);
    scales: {cutoff: seasonal-naive MAE of that window's training part}."""
    nan = float("nan")
    have = all(f"{name}-{s}-{lv}" in part.columns for lv in levels for s in ("lo", "hi"))
    out = {}
    for lv in levels:
        key = str(lv)
        if not have:
            out[f"coverage-{key}"] = out[f"msis-{key}"] = nan
            continue
        lo, hi, y = part[f"{name}-lo-{lv}"].to_numpy(), part[f"{name}-hi-{lv}"].to_numpy(), part[yc].to_numpy()
        ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(y)
        out[f"coverage-{key}"] = metrics.coverage(y[ok], lo[ok], hi[ok]) if ok.any() else nan
        out[f"msis-{key}"] = _per_window(part, scales, lambda w, lv=lv: metrics.interval_score(
            w[yc].to_numpy(), w[f"{name}-lo-{lv}"].to_numpy(), w[f"{name}-hi-{lv}"].to_numpy(), lv))
    out["sql"] = nan if not have else _per_window(part, scales, lambda w: _mql(w, yc, name, levels))
    return out


def _mql(w, yc, name, levels) -> float:
    q = metrics.band_quantiles(w[name].to_numpy(), {lv: (w[f"{name}-lo-{lv}"].to_numpy(),
                                                        w[f"{name}-hi-{lv}"].to_numpy()) for lv in levels})
    y = w[yc].to_numpy(np.float64)
    return float(np.mean([metrics.quantile_loss(y, f, qq) for qq, f in q.items()]))


def _per_window(part, scales, score) -> float:
    """Mean over the windows (cut-offs) of score(window rows) / that window's scale."""
    per_w = []
    for c, w in part.groupby("cutoff"):
        s = scales[c]
        with np.errstate(invalid="ignore"):
            v = score(w)
        per_w.append(v / s if s > 0 and np.isfinite(v) else float("nan"))
    return _nanmean(per_w)


def _nanmean(v) -> float:
    v = np.asarray(v, np.float64)
    return float(np.mean(v[np.isfinite(v)])) if np.isfinite(v).any() else float("nan")


def _gmean(v):
    v = np.asarray(v, np.float64)
    v = v[np.isfinite(v)]
    if not len(v):
        return float("nan")
    return float(np.exp(np.mean(np.log(np.maximum(v, 1e-12)))))


def summarise(table: pd.DataFrame, models) -> dict:
    """{model: {mase, mase_median, mase_gmean, wins, rmse, mae, mape, smape}} over series (means); with the
    interval columns of per_series_scores, also coverage {"80": mean over series, ...}, msis {...}, sql."""
    wide = table.pivot(index="unique_id", columns="model", values="mase")[list(models)]
    finite = wide.dropna()
    best = finite.idxmin(axis=1) if len(finite) else pd.Series(dtype=object)
    levels = [c[len("coverage-"):] for c in table.columns if c.startswith("coverage-")]
    out = {}
    for name in models:
        t = table[table["model"] == name]
        mase = t["mase"].to_numpy(np.float64)
        fin = mase[np.isfinite(mase)]
        out[name] = {"mase": float(np.mean(fin)) if len(fin) else float("nan"),
                     "mase_median": float(np.median(fin)) if len(fin) else float("nan"),
                     "mase_gmean": _gmean(fin), "wins": int((best == name).sum()),
                     **{k: float(np.nanmean(t[k])) if np.isfinite(t[k]).any() else float("nan")
                        for k in ("rmse", "mae", "mape", "smape")}}
        if levels:
            out[name]["coverage"] = {lv: _nanmean(t[f"coverage-{lv}"]) for lv in levels}
            out[name]["msis"] = {lv: _nanmean(t[f"msis-{lv}"]) for lv in levels}
            out[name]["sql"] = _nanmean(t["sql"])
    return out


def rmse_by_step(cv, name) -> list:
    step = cv.groupby([cv.columns[0], "cutoff"]).cumcount()
    y = cv.iloc[:, 3]
    return [metrics.rmse(y[step == s], cv[name][step == s]) for s in range(int(step.max()) + 1)]
