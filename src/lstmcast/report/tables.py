"""The report's numbers: per-series metrics from a backtest, and the ranking of the models over series.

    per = series_metrics(cv, history, models, season_length=12)  # one row per (unique_id, model)
    rank = ranking(per, evaluation)                               # one row per model, evaluation's numbers first

MASE of a series is the mean over its windows of MAE / (in-sample seasonal-naive MAE of that window's
training part, the history up to the cut-off), as `evaluate.backtest.score` and `metrics.mase` define it;
RMSE, MAE and sMAPE pool all of a series' backtest forecasts. Vectorised (cumulative sums), so 10,000
series take well under a second; tests check it against `metrics.mase` window by window.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError

SEED_PREFIX = "lstm-seed-"
KEYS = ("unique_id", "ds", "cutoff", "y")


def model_columns(cv: pd.DataFrame) -> list[str]:
    """The model columns of a cross-validation frame: all but the keys, ensemble members and interval bounds."""
    return [c for c in cv.columns if c not in KEYS and not c.startswith(SEED_PREFIX)
            and "-lo-" not in c and "-hi-" not in c]


def check_frames(history: pd.DataFrame, cv: pd.DataFrame | None):
    for name, df, need in (("history", history, ("unique_id", "ds", "y")),
                           ("cv", cv, ("unique_id", "ds", "cutoff", "y"))):
        if df is None:
            continue
        missing = [c for c in need if c not in df.columns]
        if missing:
            raise DataError(f"report: {name} frame lacks column(s) {missing}; it has {list(df.columns)}")
    if cv is not None:
        known = set(history["unique_id"].unique())
        stray = [u for u in pd.unique(cv["unique_id"]) if u not in known]
        if stray:
            raise DataError(f"report: cv has series {stray[:3]} that are not in the history; pass the same panel")


def _scales(history: pd.DataFrame, m: int):
    """Per history row (sorted by id, ds): the seasonal-naive MAE of the series up to and including that row."""
    uid = history["unique_id"].to_numpy()
    y = history["y"].to_numpy(np.float64)
    pos = history.groupby("unique_id", sort=False).cumcount().to_numpy()
    out = {}
    for lag in sorted({m, 1}):
        d = np.zeros(len(y))
        same = np.zeros(len(y), bool)
        same[lag:] = uid[lag:] == uid[:-lag]
        d[lag:] = np.where(same[lag:], np.abs(y[lag:] - y[:-lag]), 0.0)
        cs = np.cumsum(d)
        start = np.r_[0, np.flatnonzero(uid[1:] != uid[:-1]) + 1]           # first row of each series
        first = np.repeat(start, np.diff(np.r_[start, len(y)]))
        base = np.where(first > 0, cs[np.maximum(first - 1, 0)], 0.0)
        n = pos + 1 - lag                                                    # terms in the mean
        with np.errstate(invalid="ignore", divide="ignore"):
            out[lag] = np.where(n > 0, (cs - base) / np.maximum(n, 1), np.nan)
    # metrics.seasonal_naive_mae: lag m when the training part is longer than m, else lag 1
    return np.where(pos + 1 > m, out[m], out[1])


def series_metrics(cv: pd.DataFrame, history: pd.DataFrame, models, season_length: int) -> pd.DataFrame:
    """Long frame unique_id, model, mase, rmse, mae, smape: one row per series and model.

    cv: unique_id, ds, cutoff, y and one column per model; history: unique_id, ds, y (sorted by id, ds).
    """
    m = int(season_length)
    scale_at = history[["unique_id", "ds"]].assign(scale=_scales(history, m))
    rows = cv.merge(scale_at.rename(columns={"ds": "cutoff"}), on=["unique_id", "cutoff"], how="left")
    if rows["scale"].isna().all() and len(rows):
        raise DataError("report: no backtest cut-off is a time in the history; pass the history the backtest ran on")
    y = rows["y"].to_numpy(np.float64)
    win = rows.groupby(["unique_id", "cutoff"], sort=False).ngroup().to_numpy()
    sid_of_win = rows.groupby(["unique_id", "cutoff"], sort=False)["unique_id"].first()
    ids, sid = np.unique(rows["unique_id"].to_numpy(), return_inverse=True)
    n_rows = np.bincount(sid, minlength=len(ids))
    scale = np.bincount(win, weights=np.nan_to_num(rows["scale"].to_numpy(np.float64), nan=0.0)) / np.bincount(win)
    wsid = np.searchsorted(ids, sid_of_win.to_numpy())
    n_win = np.bincount(wsid, minlength=len(ids))
    out = []
    for name in models:
        f = rows[name].to_numpy(np.float64)
        err = np.abs(y - f)
        mae_w = np.bincount(win, weights=err) / np.bincount(win)
        with np.errstate(invalid="ignore", divide="ignore"):
            mase_w = np.where(scale > 0, mae_w / np.where(scale > 0, scale, 1), np.nan)
            den = 0.5 * np.abs(y) + 0.5 * np.abs(f)          # halves: no overflow near 1.8e308
            sm = np.where(den == 0, 0.0, err / np.where(den == 0, 1, den))
            out.append(pd.DataFrame({
                "unique_id": ids, "model": name,
                "mase": np.bincount(wsid, weights=mase_w, minlength=len(ids)) / n_win,
                "rmse": _rmse(err, sid, len(ids), n_rows),
                "mae": np.bincount(sid, weights=err, minlength=len(ids)) / n_rows,
                "smape": 100 * np.bincount(sid, weights=sm, minlength=len(ids)) / n_rows}))
    return pd.concat(out, ignore_index=True)


def gmean(v) -> float:
    """Geometric mean of the positive finite values (NaN when there are none)."""
    v = np.asarray(v, np.float64)
    v = v[np.isfinite(v) & (v > 0)]
    return float(np.exp(np.mean(np.log(v)))) if len(v) else float("nan")


def wins(per: pd.DataFrame) -> dict:
    """{model: number of series where it has the lowest MASE} (ties count for each tied model)."""
    wide = per.pivot(index="unique_id", columns="model", values="mase")
    best = wide.min(axis=1)
    return {m: int((wide[m] == best).sum()) for m in wide.columns}


COLUMNS = ("mase", "mase_median", "mase_gmean", "rmse", "mae", "smape", "wins", "seconds",
           "rmse_median", "rmse_gmean", "mae_median", "mae_gmean", "smape_median", "smape_gmean")


def ranking(per: pd.DataFrame | None, evaluation: dict | None, models) -> list[dict]:
    """One dict per model with COLUMNS, sorted by mean MASE; `source` maps each value to "evaluate"
    (taken as is from the evaluate --json document) or "report" (computed here over the series)."""
    ev = (evaluation or {}).get("models", {})
    comp: dict[str, dict[str, Any]] = {}
    if per is not None and len(per):
        w = wins(per)
        for name, g in per.groupby("model"):
            comp[name] = {"wins": w.get(name)}
            for k in ("mase", "rmse", "mae", "smape"):
                comp[name].update({k: g[k].mean(), f"{k}_median": g[k].median(), f"{k}_gmean": gmean(g[k])})
    rows = []
    for name in list(models) + [m for m in ev if m not in models]:
        row, src = {"model": name}, {}
        for k in COLUMNS:
            if name in ev and ev[name].get(k) is not None:
                row[k], src[k] = ev[name][k], "evaluate"
            elif k in comp.get(name, {}) and comp[name][k] is not None and np.isfinite(comp[name][k]):
                row[k], src[k] = float(comp[name][k]), "report"
            else:
                row[k] = None
        row.update(interval_cells(ev.get(name, {}), per, name))
        row["source"] = src
        if ev.get(name, {}).get("label", name) != name:    # 'lstm (3 of 3 series fell back to snaive)'
            row["label"] = ev[name]["label"]
        rows.append(row)
    return sorted(rows, key=lambda r: (r["mase"] is None, r["mase"] if r["mase"] is not None else 0))


def interval_cells(ev_row: dict, per: pd.DataFrame | None, name: str) -> dict:
    """{"coverage:80": ..., "msis:80": ..., "sql": ...} of one model: evaluate's numbers (its `coverage` /
    `msis` keyed by level, `sql`), else the means over series of per-series scores with those columns
    (`per_series_scores(..., levels)`); {} without interval scores."""
    out = {}
    for k in ("coverage", "msis"):
        for lv, v in (ev_row.get(k) or {}).items():
            out[f"{k}:{lv}"] = v
    if "sql" in ev_row:
        out["sql"] = ev_row["sql"]
    if out or per is None:
        return out
    g = per[per["model"] == name]
    for c in per.columns:
        if c.startswith(("coverage-", "msis-")) or c == "sql":
            v = g[c].to_numpy(np.float64)
            out[c.replace("-", ":", 1)] = float(np.mean(v[np.isfinite(v)])) if np.isfinite(v).any() else None
    return out


def _rmse(err, sid, n_ids, n_rows):
    """Per-series RMSE of absolute errors; in units of the largest error where squares of errors near
    1e300 would overflow (or near 1e-300 underflow to 0)."""
    top = float(np.max(err, initial=0.0)) if np.isfinite(err).all() else 1.0
    s = top if (top > 1e150 or 0 < top < 1e-150) else 1.0
    return s * np.sqrt(np.bincount(sid, weights=(err / s) ** 2, minlength=n_ids) / n_rows)
