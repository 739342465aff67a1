"""The data a report embeds: one JSON document, columnar and rounded, thinned to a size budget.

    doc = build_payload(history=h, cv=cv, forecast=f, evaluation=ev, per_series=ps, card=card)

Times are stored once (`dates`, ISO strings) and referred to by index; a run of consecutive indices is
{"s": first, "n": count}. Each series' values are rounded to `digits` significant digits of its largest
absolute value and stored as whole numbers k, value = k / 10**e (one e per series). A series gets one
of three levels of detail: 0 = everything (history, every model's backtest, forecast), 1 = thinned
(the last `tail` history values, the LSTM's and the best baseline's backtests, the forecast), 2 = table
row only. Levels are assigned so the values fit `budget` numbers: all series at level 1 if that fits,
then series upgraded to level 0 worst-LSTM-first; otherwise level 1 worst-first and the rest at level 2.
`doc["thinned"]` says in words what was left out.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .tables import check_frames, model_columns, ranking, series_metrics

BUDGET = 2_000_000           # numbers embedded in all (~6.5 bytes each as JSON: ~13 MB beside plotly.js's 4.8 MB)
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


def _scaled(v, dec: int) -> list:
    """v as whole numbers k with v ~= k / 10**dec (None for NaN): the page divides back."""
    k = np.round(np.asarray(v, np.float64) * 10.0 ** dec)
    return [None if x != x else int(x) for x in k.tolist()]


def _decimals(top: float, digits: int) -> int:
    """Decimals that keep `digits` significant digits of `top` (the series' largest absolute value)."""
    return digits - 1 - int(np.floor(np.log10(top))) if top > 0 and np.isfinite(top) else digits


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
        fb = fm.notna() & fm.astype(str).str.endswith("-fallback")
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
    base = [m for m in models if m not in ("default", "lstm")]
    for m in models:
        t[f"mase:{m}"] = _json_list(np.round(wide[m].to_numpy(), 4))

    def argmin(cols):
        v = wide[cols].to_numpy(np.float64)
        v = np.where(np.isnan(v), np.inf, v)
        j = v.argmin(axis=1)
        return [cols[k] if np.isfinite(v[i, k]) else None for i, k in enumerate(j)]
    t["best"] = argmin(list(models))
    if base:
        t["best_baseline"] = argmin(base)
    return t


def _series_doc(level, digits, tail, hist, cv, fc, models, best_base):
    """The values of one series. hist: (date codes, y); cv: (cut codes, ds codes, {model: values}) or None;
    fc: (ds codes, {column: values}, model name) or None. Values are whole numbers, value = k / 10**e."""
    hcode, hy = hist
    top = np.nanmax(np.abs(hy)) if len(hy) and np.isfinite(hy).any() else 1.0
    e = _decimals(top, digits)
    if level == 1:
        hcode, hy = hcode[-tail:], hy[-tail:]
    s = {"e": e, "h": _enc(hcode), "y": _scaled(hy, e)}
    if cv is not None and len(cv[0]):
        cuts, dcode, vals = cv
        keep = [m for m in models if level == 0 or m in ("default", "lstm", best_base)]
        bounds = np.r_[0, np.flatnonzero(cuts[1:] != cuts[:-1]) + 1, len(cuts)]
        s["cv"] = {"c": cuts[bounds[:-1]].tolist(), "d": [_enc(dcode[a:b]) for a, b in zip(bounds[:-1], bounds[1:])],
                   "m": {m: _scaled(vals[m], e) for m in keep}}
    if fc is not None and len(fc[0]):
        fcode, cols, name = fc
        s["f"] = {"d": _enc(fcode), **{c: _scaled(v, e) for c, v in cols.items()}}
        if name is not None:
            s["fm"] = str(name)
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


def _priority(table, per, models, lengths) -> np.ndarray:
    """The order in which series get detail: worst first (the highest LSTM MASE relative to the best
    baseline), then the longest."""
    ratio = np.zeros(len(lengths))
    main = "default" if "default" in models else "lstm"
    if per is not None and main in models and len(models) > 1:
        lm = np.array(table[f"mase:{main}"], dtype=float)
        bm = np.array([table[f"mase:{b}"][i] if b else np.nan for i, b in enumerate(table["best_baseline"])], float)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):   # a MASE of 0 or n/a
            ratio = np.nan_to_num(lm / bm, nan=-1.0)
    return np.lexsort((-lengths, -ratio))


def build_payload(*, history, cv=None, forecast=None, evaluation=None, per_series=None, card=None,
                  title="lstmcast report", budget: int = BUDGET, tail: int | None = None,
                  season_length: int | None = None, scores=None) -> dict:
    """Everything the page shows, as plain JSON-able data (see the module docstring)."""
    check_frames(history, cv)
    # ids as text (the page shows text; mixed types would not sort), series in order of first appearance
    history, cv, forecast, per_series = (None if f is None else f.assign(unique_id=f["unique_id"].astype(str))
                                         for f in (history, cv, forecast, per_series))
    order = pd.factorize(history["unique_id"])[0]
    history = (history.assign(_o=order).sort_values(["_o", "ds"], kind="stable").drop(columns="_o")
               .reset_index(drop=True))
    ids = pd.unique(history["unique_id"])
    models = model_columns(cv) if cv is not None else []
    models = sorted(models, key=lambda m: (m != "default", m != "lstm", m))
    if cv is not None:
        cv = cv.assign(_o=cv["unique_id"].map({u: i for i, u in enumerate(ids)}))
        cv = cv.sort_values(["_o", "cutoff", "ds"], kind="stable").drop(columns="_o").reset_index(drop=True)
    if forecast is not None:
        forecast = forecast.assign(_o=forecast["unique_id"].map({u: i for i, u in enumerate(ids)}))
        forecast = forecast[forecast["_o"].notna()].sort_values(["_o", "ds"], kind="stable").drop(columns="_o")
    m = (season_length or (evaluation or {}).get("season_length")
         or (card or {}).get("settings", {}).get("season_length"))
    m = int(m) if isinstance(m, (int, np.integer)) and m > 0 else 1
    per = None
    if scores is not None and models:
        per = scores[scores["model"].isin(models)].assign(unique_id=lambda d: d["unique_id"].astype(str))
    elif cv is not None and models:
        per = series_metrics(cv, history, models, m)

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
    tail = tail or int(max(2 * m, 24) + (n_cv.max() if len(n_cv) else 0))
    full, thin = _costs(lengths, n_cv, n_fc, len(models), tail)
    level = _levels(full, thin, _priority(table, per, models, lengths), budget)
    digits = FULL_DIGITS if len(ids) <= BIG_PANEL else THIN_DIGITS

    hcodes, hy = codes(history["ds"]), history["y"].to_numpy(np.float64)
    if cv is not None:
        cv_cut, cv_ds = codes(cv["cutoff"]), codes(cv["ds"])
        cv_vals = {m: cv[m].to_numpy(np.float64) for m in models}
    if forecast is not None:
        fcols = [c for c in forecast.columns if c == "mean" or c.startswith(("lo-", "hi-"))]
        f_ds, f_vals = codes(forecast["ds"]), {c: forecast[c].to_numpy(np.float64) for c in fcols}
        f_model = forecast["model"].to_numpy() if "model" in forecast else None
    best_base = table.get("best_baseline", [None] * len(ids))
    series: list[dict | None] = []
    for i, u in enumerate(ids):
        if level[i] == 2:
            series.append(None)
            continue
        a, b = hrange[u]
        c = f = None
        if u in crange:
            r = slice(*crange[u])
            c = (cv_cut[r], cv_ds[r], {m: v[r] for m, v in cv_vals.items()})
        if u in frange:
            r = slice(*frange[u])
            f = (f_ds[r], {k: v[r] for k, v in f_vals.items()}, f_model[r.start] if f_model is not None else None)
        series.append(_series_doc(int(level[i]), digits, tail, (hcodes[a:b], hy[a:b]), c, f, models, best_base[i]))
    table["detail"] = level.tolist()
    thinned = _thinned_text(level, tail, digits)
    levels = sorted({int(c[3:]) for c in (forecast.columns if forecast is not None else []) if c.startswith("lo-")})
    return {"title": title, "models": models, "levels": levels, "dates": _date_strings(dates),
            "evaluation": finite(evaluation), "ranking": finite(ranking(per, evaluation, models)), "table": table,
            "series": series, "card": finite(card or {}), "thinned": thinned, "season_length": m}


def _thinned_text(level, tail, digits) -> list[str]:
    n = len(level)
    out = [f"values are rounded to {digits} significant digits of each series' largest value"]
    if (level == 1).any():
        out.append(f"{int((level == 1).sum()):,} of {n:,} series show only their last {tail} history values and "
                   f"the backtests of the LSTM and the best baseline; {int((level == 0).sum()):,} series (those with "
                   "the worst LSTM MASE relative to the best baseline first) show everything")
    if (level == 2).any():
        out.append(f"{int((level == 2).sum()):,} of {n:,} series have a table row but no chart (size budget); "
                   "charts were kept for the worst LSTM MASE relative to the best baseline first")
    return out
