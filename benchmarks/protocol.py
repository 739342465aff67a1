"""The fixed evaluation protocol of the accuracy benchmarks: horizons, cut-offs, MASE and the summary table.

    h, n_windows = plan(season, min_len)           # horizon by season, up to 4 refit windows of step h
    per_series = series_mase(cv, df, season, ["ets", "snaive"])   # one MASE per (series, model)
    print(summary(per_series, seconds).to_string())
    ivs = series_intervals(cv, df, season, ["ets"], [80, 95])   # coverage-80, msis-80, ..., sql per series

The protocol is decided by the series' season and length only, before any model runs, so nothing is
tuned on test windows:
- horizon h: 12 monthly, 8 quarterly, 6 yearly (two seasons for quarterly, as in M3/tourism);
- rolling origin, step h (test windows do not overlap), each window refit on all data up to its cut-off;
- n_windows = min(4, (shortest length - 3 h) // h): the first training part keeps at least 3 h points;
- window MASE = MAE over the window's h points / in-sample MAE of the seasonal naive (lag = season, lag 1
  for yearly) on that window's training part; a series' MASE is the mean over its windows;
- intervals (with levels): a series' coverage-L is the share of its held-out values inside the L% band;
  msis-L (M4) and sql (the mean pinball loss over the bands' quantiles and the median) are scaled per
  window like MASE and averaged over windows (lstmcast.evaluate.metrics has the formulas);
- per set: mean and geometric mean of the series' MASE, and wins (series where the model's MASE is the
  lowest; ties count for each tied model).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

HORIZON = {12: 12, 4: 8, 1: 6}   # season length -> forecast horizon
MAX_WINDOWS = 4


def plan(season: int, min_len: int) -> tuple[int, int]:
    """(h, n_windows) for a set whose shortest series has `min_len` points."""
    h = HORIZON[season]
    n_windows = min(MAX_WINDOWS, (min_len - 3 * h) // h)
    if n_windows < 1:
        raise ValueError(f"a series of {min_len} points is too short for horizon {h}: "
                         f"need at least {4 * h} points (3 h of training + h of test)")
    return h, n_windows


def snaive_scale(y: np.ndarray, season: int) -> float:
    """mean |y[t] - y[t - m]| over the training part y (m = season); NaN when y is too short."""
    y = np.asarray(y, np.float64)
    if len(y) <= season:
        return float("nan")
    return float(np.mean(np.abs(y[season:] - y[:-season])))


def window_scales(df: pd.DataFrame, cutoffs: pd.DataFrame, season: int) -> pd.DataFrame:
    """MASE scale of each (unique_id, cutoff): seasonal-naive MAE of the series up to and with the cut-off."""
    rows = []
    groups = {uid: g.sort_values("ds") for uid, g in df.groupby("unique_id", sort=False)}
    for uid, cutoff in cutoffs[["unique_id", "cutoff"]].drop_duplicates().itertuples(index=False):
        g = groups[uid]
        rows.append((uid, cutoff, snaive_scale(g.loc[g["ds"] <= cutoff, "y"].to_numpy(), season)))
    return pd.DataFrame(rows, columns=["unique_id", "cutoff", "scale"])


def series_mase(cv: pd.DataFrame, df: pd.DataFrame, season: int, models: list[str]) -> pd.DataFrame:
    """One row per series, one column per model: the mean over windows of the window MASE.

    Args:
        cv: long frame unique_id, ds, cutoff, y and one forecast column per model (statsforecast's shape).
        df: the full history (unique_id, ds, y) that the training parts are cut from.
        season: the seasonal-naive lag of the scale (1 for yearly).
        models: forecast columns of `cv` to score.
    """
    scales = window_scales(df, cv, season)
    err = cv[["unique_id", "cutoff"]].copy()
    for m in models:
        err[m] = (cv[m] - cv["y"]).abs()
    win = err.groupby(["unique_id", "cutoff"], sort=False).mean().reset_index().merge(scales)
    for m in models:
        win[m] = np.where(win["scale"] > 0, win[m] / win["scale"].where(win["scale"] > 0, 1.0), np.nan)
    return win.groupby("unique_id", sort=False)[models].mean()


def series_intervals(cv: pd.DataFrame, df: pd.DataFrame, season: int, models: list[str], levels) -> pd.DataFrame:
    """One row per (series, model): coverage-L, msis-L per level and sql, from cv's `model-lo-L` /
    `model-hi-L` columns (NaN for a model without them)."""
    from lstmcast.evaluate import metrics
    scales = window_scales(df, cv, season).set_index(["unique_id", "cutoff"])["scale"]
    rows = []
    for uid, part in cv.groupby("unique_id", sort=False):
        for m in models:
            r = {"unique_id": uid, "model": m}
            have = all(f"{m}-{b}-{lv}" in part for lv in levels for b in ("lo", "hi"))
            per_w = {k: [] for k in [f"msis-{lv}" for lv in levels] + ["sql"]}
            for cut, w in part.groupby("cutoff", sort=False):
                s = scales.get((uid, cut), np.nan)
                y = w["y"].to_numpy(np.float64)
                if not have or not s > 0:
                    continue
                b = {lv: (w[f"{m}-lo-{lv}"].to_numpy(np.float64), w[f"{m}-hi-{lv}"].to_numpy(np.float64))
                     for lv in levels}
                for lv in levels:
                    per_w[f"msis-{lv}"].append(metrics.interval_score(y, *b[lv], lv) / s)
                q = metrics.band_quantiles(w[m].to_numpy(np.float64), b)
                per_w["sql"].append(np.mean([metrics.quantile_loss(y, f, qq) for qq, f in q.items()]) / s)
            for lv in levels:
                r[f"coverage-{lv}"] = metrics.coverage(part["y"], part[f"{m}-lo-{lv}"], part[f"{m}-hi-{lv}"]) \
                    if have else np.nan
            r.update({k: float(np.mean(v)) if v else np.nan for k, v in per_w.items()})
            rows.append(r)
    return pd.DataFrame(rows)


def interval_summary(ivs: pd.DataFrame) -> pd.DataFrame:
    """Rows: models; columns: the means over series of coverage-L, msis-L and sql."""
    return ivs.drop(columns="unique_id").groupby("model", sort=False).mean()


def gmean(x: pd.Series) -> float:
    x = x.dropna()
    return float(np.exp(np.mean(np.log(np.maximum(x.to_numpy(np.float64), 1e-12))))) if len(x) else float("nan")


def summary(per_series: pd.DataFrame, seconds: dict[str, float] | None = None) -> pd.DataFrame:
    """Rows: models; columns: mean MASE, geometric-mean MASE, wins (of n series), seconds."""
    best = per_series.min(axis=1)
    seconds = seconds or {}
    rows = {m: {"mean_mase": per_series[m].mean(), "gmean_mase": gmean(per_series[m]),
                "wins": int((per_series[m] == best).sum()), "seconds": seconds.get(m, float("nan"))}
            for m in per_series.columns}
    return pd.DataFrame.from_dict(rows, orient="index")
