"""`lstmcast report`: backtest, fit and forecast; write one self-contained HTML report (one series or a panel).

    lstmcast report sales.csv --horizon 12 --windows 4 --out report.html --level 80 95
    lstmcast report panel.csv --horizon 6 --out panel.html            # long frame unique_id, ds, y
    lstmcast evaluate sales.csv --horizon 12 --windows 4 --report backtest.html   # the backtest only
    lstmcast forecast --model my-model --horizon 12 --report forecast.html        # history + forecast + card

`report` runs exactly `evaluate` (same flags, same numbers), then fits the model on all the data for the
future forecast and the model card (settings, loss curves, run times, versions, data checksum). The glue
here turns the panel-named frames (the file's id/time/value columns) into the report's unique_id, ds, y.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pandas as pd

from .. import datasets
from ..data.era import user_frame
from ..data.extremes import check_forecast
from ..data.panel_core import STATUS_TEXT
from ..errors import DataError
from ..evaluate.backtest import per_series_scores
from ..fit.predicting import extended_values
from ..forecaster import Forecaster
from ..report.card import card_for, data_info, intervals, sha256
from ..report.html import write_report
from .model_flags import forecaster_params


def _renamed(df, panel):
    """df with the panel's id/time/target columns named unique_id, ds, y (the report's names)."""
    names = {panel.id_col: "unique_id", panel.time_col: "ds", panel.target_col: "y"}
    return df.rename(columns={k: v for k, v in names.items() if k in df.columns and k != v})


def history_frame(panel, values: dict | None = None):
    """Long frame unique_id, ds, y of a Panel; `values` {position: array} replaces series (newer data)."""
    if values is not None:
        panel = dataclasses.replace(panel, values=[values.get(i, panel.values[i]) for i in range(len(panel))])
    return _renamed(panel.to_frame(), panel)


def forecast_frame(out, panel):
    """The forecast in the report's names, without ensemble-member columns."""
    out = _renamed(out, panel)
    return out.drop(columns=[c for c in out.columns if c.startswith("member-")])


def status_table(panel, final=None, backtest=None):
    """unique_id, length, status, reason: "ok", "fallback: <model> (<why>)" or "not backtested".

    final: the final fit's per_series_ (unique_id, model); backtest: `cv_models_` (id, cutoff, model).
    The final fit decides the status when there is one, else the backtest (a baseline at any cut-off);
    a backtest that fell back where the status does not say why adds a note to the reason.
    """
    ps = panel.per_series()
    bt = {}
    if backtest is not None and len(backtest):
        for key, g in backtest.groupby(backtest.columns[0], sort=False):
            bt[key] = g["model"].tolist()
    fin = dict(zip(final["unique_id"], final["model"])) if final is not None else {}
    status, reason = [], []
    for key, st, why in zip(ps["unique_id"], ps["status"], ps["reason"]):
        used = bt.get(key, [])
        text = [str(why)] if why else []
        if key in fin:
            model = fin[key]
        elif used:
            model = next((m for m in used if _fb(m)), used[0])
        else:                                    # neither fitted nor backtested: its status decides
            model = "lstm" if st == "ok" else "baseline-fallback"
        if backtest is not None and key not in bt:
            text.append("not in the backtest (too short for its windows)")
        if _fb(model):
            status.append(f"fallback: {model.removesuffix('-fallback')}" +
                          (f" ({STATUS_TEXT.get(st, st)})" if st != "ok" else ""))
        elif key not in fin and backtest is not None and key not in bt:
            status.append("not backtested")
        else:
            status.append("ok")
        n_fb = sum(_fb(m) for m in used)
        if n_fb and (not _fb(model) or n_fb < len(used) or st == "ok"):
            text.append(f"backtest: a baseline at {n_fb} of {len(used)} cut-offs "
                        f"({', '.join(sorted(m for m in set(used) if _fb(m)))})")
        reason.append("; ".join(text))
    return pd.DataFrame({"unique_id": ps["unique_id"], "length": ps["length"], "status": status, "reason": reason})


def _fb(model) -> bool:
    return str(model).endswith("-fallback")


def _title(a, panel, what: str) -> str:
    if getattr(a, "title", None):
        return a.title
    if len(panel) == 1:
        return f"lstmcast {what}: {panel.ids[0]}"
    name = Path(a.data).stem if getattr(a, "data", None) else "panel"
    return f"lstmcast {what}: {name} ({len(panel):,} series)"


def _data_card(a, panel) -> dict:
    if getattr(a, "data", None):
        return data_info(a.data, panel)
    return data_info(datasets.AIRLINE_CSV, panel, label=f"bundled airline series ({datasets.AIRLINE_CSV.name})")


def _forecast(fc, h, level, con):
    """(forecast, why intervals were left out or ""): a series too short to calibrate its conformal
    intervals (a fallback's few past origins) costs the report its bands, not the report itself."""
    try:
        return fc.forecast(h, level=level), ""
    except DataError as e:
        if not level or "conformal intervals" not in str(e):
            raise
        con.note(f"report: forecast intervals left out: {e}")
        return fc.forecast(h), str(e)


def evaluate_hook(a, data, cv, doc, info, con):
    """Called by `evaluate --report FILE` (and by `report`) once the backtest is scored."""
    panel = info["panel"]
    models = list(doc["models"])
    scores = info.get("scores")                          # evaluate's per-series table (--per-series numbers)
    if scores is None:
        scores = per_series_scores(cv, panel, models, info["season_length"])
    times = {f"backtest {m}": s for m, s in info["seconds"].items()}
    out, fc = None, Forecaster(**forecaster_params(a))
    if getattr(a, "final_fit", False):
        n = int(panel.lengths.sum())
        con.note(f"report: fitting on all {n} values{f' of {len(panel)} series' if len(panel) > 1 else ''} "
                 f"for the {a.horizon}-step forecast and the model card")
        t0 = time.perf_counter()
        fc.fit(panel, progress=con.note)
        times["final fit"] = time.perf_counter() - t0
        out, no_intervals = _forecast(fc, a.horizon, a.level, con)
        check_forecast(out, fc.panel_)                                  # a sane envelope, or no report
        out, panel = forecast_frame(out, panel), fc.panel_
    card = card_for(fc, times, _data_card(a, panel))
    if getattr(a, "final_fit", False):            # the coverage the bands achieved in the backtest above
        card["intervals"] = intervals(fc, {m: doc["models"][m].get("coverage") for m in ("default", "lstm")
                                           if m in doc["models"]})
    if getattr(a, "final_fit", False) and no_intervals:
        card["settings"]["intervals"] = f"left out: {no_intervals}"
    if not getattr(a, "final_fit", False):
        card["settings"]["note"] = ("evaluate --report fits no final model: these are the requested settings; "
                                    "resolved settings and loss curves come with `lstmcast report`")
    table = status_table(panel, getattr(fc, "per_series_", None), info.get("lstm_models"))
    path = write_report(a.report, evaluation=doc, cv=user_frame(_renamed(cv, panel), panel.years),
                        history=history_frame(panel), forecast=out, card=card, per_series=table, scores=scores,
                        title=_title(a, panel, "report"))
    con.note(f"report written to {path} ({path.stat().st_size / 1e6:.1f} MB)")


def forecast_hook(a, fc, new, out, con):
    """Called by `forecast --report FILE`: the history (continued by --data), the forecast, the model's card."""
    panel = fc.panel_
    card = card_for(fc)
    card["model"] = {"directory": str(a.model)}
    values = extended_values(fc.panel_, new)
    if a.data:
        card["data"] = {"file": str(a.data), "sha256": sha256(a.data), "values": int(sum(len(v) for v in new.values))}
    hist = history_frame(panel, values)
    path = write_report(a.report, evaluation=None, cv=None, history=hist, forecast=forecast_frame(out, panel),
                        card=card, per_series=status_table(panel, fc.per_series_),
                        title=f"lstmcast forecast: {Path(a.model).name}")
    con.note(f"report written to {path} ({path.stat().st_size / 1e6:.1f} MB)")
