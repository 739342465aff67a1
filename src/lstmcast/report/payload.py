"""The data a report embeds: one JSON document, columnar and rounded, thinned to a size budget.

    doc = build_payload(history=h, cv=cv, forecast=f, evaluation=ev, per_series=ps, card=card)

Times are stored once (`dates`, ISO strings) and referred to by index; a run of consecutive indices is
{"s": first, "n": count}. Each series' values are rounded to `digits` significant digits of its largest
absolute value. A series gets one of three levels of detail: 0 = everything (history, every model's
backtest, forecast), 1 = thinned (the last `tail` history values, the LSTM's and the best baseline's
backtests, the forecast), 2 = table row only. Levels are assigned so the values fit `budget` numbers:
all series at level 1 if that fits, then series upgraded to level 0 worst-LSTM-first; otherwise level 1
worst-first and the rest at level 2. `doc["thinned"]` says in words what was left out.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .tables import check_frames, model_columns, ranking, series_metrics

BUDGET = 2_000_000           # numbers embedded in all (~6 bytes each as JSON: ~12 MB beside plotly.js's 4.8 MB)
FULL_DIGITS, THIN_DIGITS = 6, 4
BIG_PANEL = 1000             # above this many series, values keep THIN_DIGITS significant digits


def _json_list(v) -> list:
    return [None if x != x else x for x in np.asarray(v, np.float64).tolist()]


def finite(o):
    """o with every NaN or infinite float replaced by None (JSON.parse reads no NaN)."""
    if isinstance(o, dict):
        return {k: finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [finite(v) for v in o]
    if isinstance(o, (float, np.floating)):
        return float(o) if np.isfinite(o) else None
    if isinstance(o, np.integer):
        return int(o)
    return o


def _round(v, digits: int, top: float):
    """v rounded to `digits` significant digits of `top` (the series' largest absolute value)."""
    dec = digits - 1 - int(np.floor(np.log10(top))) if top > 0 and np.isfinite(top) else digits
    return np.round(np.asarray(v, np.float64), dec)


def _enc(idx: np.ndarray):
    idx = np.asarray(idx, np.int64)
    if len(idx) > 1 and np.all(np.diff(idx) == 1) or len(idx) == 1:
        return {"s": int(idx[0]), "n": int(len(idx))}
    return idx.tolist()


def _date_strings(ds: pd.DatetimeIndex) -> list[str]:
    fmt = "%Y-%m-%d" if (ds == ds.normalize()).all() else "%Y-%m-%d %H:%M:%S"
    return list(ds.strftime(fmt))


def _split(df: pd.DataFrame, ids: np.ndarray) -> dict:
    """{id: (start, stop)} row ranges of a frame sorted by unique_id."""
    if df is None or not len(df):
        return {}
    u = df["unique_id"].to_numpy()
    cut = np.r_[0, np.flatnonzero(u[1:] != u[:-1]) + 1, len(u)]
    return {u[a]: (a, b) for a, b in zip(cut[:-1], cut[1:])}


def _table(ids, lengths, per: pd.DataFrame | None, models, per_series, forecast) -> dict:
    t = {"id": [str(i) for i in ids], "length": [int(n) for n in lengths]}
    status = pd.Series("ok", index=ids, dtype=object)
    reason = pd.Series("", index=ids, dtype=object)
    if forecast is not None and "model" in forecast:
        fm = forecast.groupby("unique_id")["model"].first().reindex(ids)
        fb = fm.notna() & (fm != "lstm")
        status[fb.to_numpy()] = "fallback: " + fm[fb].astype(str)
    if per_series is not None:
        ps = per_series.set_index("unique_id").reindex(ids)
        if "status" in ps:
            status = ps["status"].fillna(status).astype(str)
        if "reason" in ps:
            reason = ps["reason"].fillna("").astype(str)
    t["status"], t["reason"] = list(status), list(reason)
    if per is None:
        return t
    wide = per.pivot(index="unique_id", columns="model", values="mase").reindex(ids)
    base = [m for m in models if m != "lstm"]
    for m in models:
        t[f"mase:{m}"] = _json_list(np.round(wide[m].to_numpy(), 4))
    filled = wide.fillna(np.inf)
    t["best"] = [m if np.isfinite(wide.loc[i].min()) else None for i, m in zip(ids, filled.idxmin(axis=1))]
    if base:
        bb = filled[base].idxmin(axis=1)
        t["best_baseline"] = [b if np.isfinite(filled.loc[i, b]) else None for i, b in zip(ids, bb)]
    return t


def _series_doc(level, digits, tail, hist, cv, fc, codes, models, best_base):
    """The values of one series. hist: (date codes, y); cv: frame slice or None; fc: frame slice or None."""
    hcode, hy = hist
    top = np.nanmax(np.abs(hy)) if len(hy) else 1.0
    if level == 1:
        hcode, hy = hcode[-tail:], hy[-tail:]
    s = {"h": _enc(hcode), "y": _json_list(_round(hy, digits, top))}
    if cv is not None and len(cv):
        keep = [m for m in models if level == 0 or m in ("lstm", best_base)]
        cuts = cv["cutoff"].to_numpy()
        bounds = np.r_[0, np.flatnonzero(cuts[1:] != cuts[:-1]) + 1, len(cuts)]
        dcode = codes(cv["ds"])
        s["cv"] = {"c": codes(cuts[bounds[:-1]]).tolist(), "d": [_enc(dcode[a:b]) for a, b in zip(bounds[:-1], bounds[1:])],
                   "m": {m: _json_list(_round(cv[m], digits, top)) for m in keep}}
    if fc is not None and len(fc):
        cols = [c for c in fc.columns if c == "mean" or c.startswith(("lo-", "hi-"))]
        s["f"] = {"d": _enc(codes(fc["ds"])), **{c: _json_list(_round(fc[c], digits, top)) for c in cols}}
        if "model" in fc:
            s["fm"] = str(fc["model"].iloc[0])
    return s


def _costs(lengths, n_cv, n_fc, n_models, tail):
    full = lengths + n_cv * n_models + n_fc
    thin = np.minimum(lengths, tail) + n_cv * min(n_models, 2) + n_fc
    return full, thin


def _levels(full, thin, priority, budget):
    level = np.full(len(full), 2)
    if thin.sum() <= budget:
        level[:] = 1
        room = budget - thin.sum()
        for i in priority:
            if full[i] - thin[i] <= room:
                level[i], room = 0, room - (full[i] - thin[i])
    else:
        room = budget
        for i in priority:
            if thin[i] <= room:
                level[i], room = 1, room - thin[i]
    return level


def build_payload(*, history, cv=None, forecast=None, evaluation=None, per_series=None, card=None,
                  title="lstmcast report", budget: int = BUDGET, tail: int | None = None) -> dict:
    """Everything the page shows, as plain JSON-able data (see the module docstring)."""
    history = history.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    check_frames(history, cv)
    ids = pd.unique(history["unique_id"])
    models = model_columns(cv) if cv is not None else []
    models = sorted(models, key=lambda m: (m != "lstm", m))
    if cv is not None:
        cv = cv.assign(_o=cv["unique_id"].map({u: i for i, u in enumerate(ids)}))
        cv = cv.sort_values(["_o", "cutoff", "ds"], kind="stable").drop(columns="_o").reset_index(drop=True)
    if forecast is not None:
        forecast = forecast.assign(_o=forecast["unique_id"].map({u: i for i, u in enumerate(ids)}))
        forecast = forecast[forecast["_o"].notna()].sort_values(["_o", "ds"], kind="stable").drop(columns="_o")
    m = int((evaluation or {}).get("season_length") or (card or {}).get("settings", {}).get("season_length") or 1)
    per = series_metrics(cv, history, models, m) if cv is not None and models else None

    # DATES: one table, every time referred to by its index
    parts = [history["ds"]] + ([cv["ds"], cv["cutoff"]] if cv is not None else []) + \
            ([forecast["ds"]] if forecast is not None else [])
    dates = pd.DatetimeIndex(pd.unique(pd.concat(parts, ignore_index=True))).sort_values()

    def codes(v):
        return dates.get_indexer(pd.DatetimeIndex(v))

    hrange, crange, frange = _split(history, ids), _split(cv, ids), _split(forecast, ids)
    lengths = np.array([hrange[u][1] - hrange[u][0] for u in ids])
    table = _table(ids, lengths, per, models, per_series, forecast)
    n_cv = np.array([(crange[u][1] - crange[u][0]) if u in crange else 0 for u in ids])
    n_fc = np.array([(frange[u][1] - frange[u][0]) * max(1, len(forecast.columns) - 3) if u in frange else 0
                     for u in ids])
    horizon = int(n_cv.max() // max(1, len(cv["cutoff"].unique()))) if cv is not None and len(cv) else 0
    tail = tail or int(max(3 * m, 24) + (n_cv.max() if len(n_cv) else 0) + horizon)
    full, thin = _costs(lengths, n_cv, n_fc, len(models), tail)
    # worst first: the highest LSTM MASE relative to the best baseline, then the longest
    ratio = np.zeros(len(ids))
    if per is not None and "lstm" in models and len(models) > 1:
        lm = np.array(table["mase:lstm"], dtype=float)
        bm = np.array([table[f"mase:{b}"][i] if b else np.nan for i, b in enumerate(table["best_baseline"])], float)
        ratio = np.nan_to_num(lm / bm, nan=-1.0)
    priority = np.lexsort((-lengths, -ratio))
    level = _levels(full, thin, priority, budget)
    digits = FULL_DIGITS if len(ids) <= BIG_PANEL else THIN_DIGITS

    hcodes = codes(history["ds"])
    hy = history["y"].to_numpy(np.float64)
    series = []
    for i, u in enumerate(ids):
        if level[i] == 2:
            series.append(None)
            continue
        a, b = hrange[u]
        c = cv.iloc[slice(*crange[u])] if u in crange else None
        f = forecast.iloc[slice(*frange[u])] if u in frange else None
        bb = table.get("best_baseline", [None] * len(ids))[i]
        series.append(_series_doc(int(level[i]), digits, tail, (hcodes[a:b], hy[a:b]), c, f, codes, models, bb))
    table["detail"] = level.tolist()
    thinned = _thinned_text(level, len(models), tail, digits)
    levels = sorted({int(c[3:]) for c in (forecast.columns if forecast is not None else []) if c.startswith("lo-")})
    return {"title": title, "models": models, "levels": levels, "dates": _date_strings(dates),
            "evaluation": finite(evaluation), "ranking": finite(ranking(per, evaluation, models)), "table": table,
            "series": series, "card": finite(card or {}), "thinned": thinned, "season_length": m}


def _thinned_text(level, n_models, tail, digits) -> list[str]:
    n = len(level)
    out = [f"values are rounded to {digits} significant digits of each series' largest value"]
    if (level == 1).any():
        out.append(f"{int((level == 1).sum()):,} of {n:,} series show only their last {tail} history values and "
                   "the backtests of the LSTM and the best baseline (the rest: everything); the series "
                   "with the worst LSTM MASE relative to the best baseline are shown in full")
    if (level == 2).any():
        out.append(f"{int((level == 2).sum()):,} of {n:,} series have a table row but no chart (size budget)")
    return out
