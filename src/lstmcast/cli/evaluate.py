"""`lstmcast evaluate`: rolling-origin backtests of the LSTM against the baselines, one series or a panel."""
from __future__ import annotations

import argparse
import json
import math

import numpy as np

from .. import datasets
from ..atomic import atomic_to_csv
from ..data.era import user_frame
from ..errors import UsageError
from ..evaluate.backtest import backtest, known_models, per_series_scores, rmse_by_step, summarise
from ..fit.settings import levels_of, season_length_for
from ..forecaster import Forecaster
from ..models.statmembers import ARIMA_SIZE
from ..report.plot import plot_backtest
from ..scale import using
from .argtypes import _positive_int
from .common import (
    Console,
    add_backend_flags,
    add_data_flags,
    backend_from_args,
    check_new_path,
    load_data,
)
from .covariates import add_covariate_flags, covariate_kwargs
from .model_flags import add_model_flags, forecaster_params
from .report import evaluate_hook


def _clean(v):
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    return None if isinstance(v, float) and not np.isfinite(v) else v


def evaluation_doc(a, cv, info, models, table) -> dict:
    """The `evaluate --json` document: per model the means over series, medians, gmeans and wins."""
    summary = summarise(table, models)
    panel = info["panel"]
    lstm_models = info.get("lstm_models")
    fell = fallback_series(lstm_models, panel.id_col)
    fallbacks = int(sum(fell.values()))
    doc = {"horizon": a.horizon, "windows": a.windows, "step": a.step or a.horizon, "refit": a.refit,
           "levels": [str(lv) for lv in _levels(a)],
           "season_length": info["season_length"], "cutoffs": info["cutoffs"], "series": int(cv.iloc[:, 0].nunique()),
           "fallbacks": fallbacks, "default_model": info.get("default_model", "lstm"),
           "models": {m: {k: _clean(v) for k, v in {**summary[m], "rmse_by_step": rmse_by_step(cv, m),
                                                     "seconds": info["seconds"].get(m, 0.0)}.items()}
                      for m in models}}
    n_series = doc["series"]
    for m in ("default", "lstm"):         # rows that hold a baseline's forecasts for some series say so
        if m in doc["models"]:
            doc["models"][m]["fallback_series"] = fallbacks
            doc["models"][m]["fallback_to"] = fell
            doc["models"][m]["label"] = m + (f" ({fallbacks} of {n_series} series fell back to "
                                             f"{', '.join(fell)})" if fallbacks else "")
    for m, to in info.get("stat_fallbacks", {}).items():     # AutoETS / AutoARIMA too short in some window
        if m in doc["models"]:
            n = sum(to.values())
            doc["models"][m].update(fallback_series=n, fallback_to=to,
                                    label=f"{m} ({n} of {n_series} series fell back to {', '.join(to)})")
    seeds = [c for c in cv.columns if c.startswith("lstm-seed-")]
    if seeds:
        t = per_series_scores(cv, panel, seeds, info["season_length"])
        v = t.groupby("model")["rmse"].mean().to_numpy()
        doc["lstm_seeds"] = {"rmse": {"mean": float(v.mean()), "std": _std(v),
                                      "min": float(v.min()), "max": float(v.max())}}
    return doc


def fallback_series(lstm_models, id_col) -> dict:
    """{baseline: number of series that fell back to it in some window} ('snaive-fallback' -> 'snaive'), the
    most common first; {} when none fell back."""
    if lstm_models is None or not len(lstm_models):
        return {}
    names = lstm_models["model"].astype(str)
    fb = lstm_models[names.str.endswith("-fallback")]
    if not len(fb):
        return {}
    base = fb.assign(model=fb["model"].astype(str).str[:-len("-fallback")]).drop_duplicates([id_col])
    return {str(k): int(v) for k, v in base["model"].value_counts().items()}


def _std(v) -> float:
    """The sample standard deviation (0 for one value), in units of the largest |v| when the squares of
    values near 1e300 overflow."""
    if len(v) < 2:
        return 0.0
    with np.errstate(over="ignore"):
        s = float(v.std(ddof=1))
    if np.isfinite(s) or not np.isfinite(v).all():
        return s
    top = float(np.max(np.abs(v)))
    return top * float((v / top).std(ddof=1))


def _without_slow_arima(models, a, data, con):
    """The default --models without the AutoARIMA baseline where the fit leaves AutoARIMA out of the default
    model too (longest series x season over ARIMA_SIZE: a half-hourly year's search takes many minutes a
    window); said in a note. Named explicitly in --models, it runs."""
    if a.models is not None or "arima" not in models or a.data is None:
        return models
    m = int(a.season_length or season_length_for(data.freq))
    longest = int(np.max(data.lengths, initial=0))
    if longest * m <= ARIMA_SIZE:
        return models
    con.note(f"the AutoARIMA baseline is left out: its search on {longest} values with season {m} would take "
             f"minutes a window; --models {DEFAULT_MODELS_FLAG} includes it")
    return [x for x in models if x != "arima"]


DEFAULT_MODELS_FLAG = "default,lstm,pretrained,naive,snaive,drift,ets,arima"


def write_frames(a, cv, table, info, models, con):
    """--per-series (one row per series: MASE of each model, the best) and --save-cv (every backtest
    forecast); a .parquet path is written as Parquet."""
    if a.per_series:
        levels = _levels(a)
        score_cols = ["mase"] + [f"{k}-{lv}" for lv in levels for k in ("coverage", "msis")] + \
            (["sql"] if levels else [])
        score_cols = [c for c in score_cols if c in table.columns]
        wide = table.pivot(index="unique_id", columns="model", values=score_cols)
        wide = wide.reindex(columns=[(k, mm) for k in score_cols for mm in models])
        wide.columns = [f"{k.replace('-', '')}_{mm}" for k, mm in wide.columns]
        mase = table.pivot(index="unique_id", columns="model", values="mase")[models]
        wide["best"] = mase.dropna(how="all").idxmin(axis=1).reindex(mase.index)
        lm = info.get("lstm_models")
        if lm is not None and len(lm):
            pid = info["panel"].id_col
            wide["lstm_model"] = lm.groupby(pid)["model"].agg(lambda s: ",".join(sorted(set(s))))
        atomic_to_csv(a.per_series, wide.reset_index(), overwrite=a.force, index=False)
        con.note(f"per-series scores written to {a.per_series}")
    if getattr(a, "save_cv", None):
        atomic_to_csv(a.save_cv, cv, overwrite=a.force, index=False)
        con.note(f"backtest forecasts ({len(cv)} rows: id, time, cutoff, actual, each model) written to {a.save_cv}")


def cmd_evaluate(a) -> int:
    con = Console(a.quiet or a.json)
    MODELS = known_models()
    text = DEFAULT_MODELS_FLAG if a.models is None else a.models
    models = list(dict.fromkeys(m.strip() for m in text.split(",") if m.strip()))   # once each
    unknown = [m for m in models if m not in MODELS]
    if not models:
        raise UsageError(f"--models names no model ({a.models!r}); choose from {','.join(MODELS)}")
    if unknown:
        raise UsageError(f"--models: unknown {unknown}; choose from {','.join(MODELS)}")
    models = [m for m in ("default", "lstm") if m not in models] + models   # both rows, always
    for path in (a.plot, a.per_series, getattr(a, "report", None), getattr(a, "save_cv", None)):
        if path:
            check_new_path(path, a.force)
    if a.data is None:
        data = datasets.airline()
        con.note("no file given: using the bundled airline series (144 months)")
    else:
        data = load_data(a, con)
    models = _without_slow_arima(models, a, data, con)
    fc = Forecaster(**forecaster_params(a))
    step = a.step or a.horizon
    con.note(f"backtest: {a.windows} window(s), horizon {a.horizon}, step {step}, "
             f"{'refit per window' if a.refit else 'fit once, frozen parameters'}")
    exog = covariate_kwargs(a, data, con) if a.data is not None else {}
    if exog:
        con.note("covariates in the backtest: future ones take their actual values after each cut-off (oracle)")
    with backend_from_args(a) as be, using(be):
        cv, info = backtest(fc, data, a.horizon, a.windows, step_size=step, refit=a.refit, models=models,
                            season_length=a.season_length, progress=con.note, exog=exog, levels=_levels(a))
    levels = _levels(a)
    table = per_series_scores(cv, info["panel"], models, info["season_length"], levels)
    doc = evaluation_doc(a, cv, info, models, table)
    write_frames(a, cv, table, info, models, con)
    if a.plot:
        panel = info["panel"]
        first = cv.iloc[0, 0]
        one = user_frame(cv[cv.iloc[:, 0] == first].rename(columns={panel.time_col: "ds"}), panel.years)
        y = panel.series(int(np.flatnonzero(panel.ids == first)[0]))
        y.index = panel.localize(y.index)                           # the user's dates (another era: data/era.py)
        note = f" (series {first!r})" if len(panel) > 1 else ""
        plot_backtest(y, one, models, a.plot, title=f"backtest: {a.windows} window(s) x horizon {a.horizon}{note}")
        con.note(f"plot written to {a.plot}")
    if getattr(a, "report", None):   # --report FILE.html (and `lstmcast report`)
        evaluate_hook(a, data, cv, doc, {**info, "scores": table}, con)
    if a.json:
        print(json.dumps(doc, indent=2, default=str))
        return 0
    print(format_scores(doc))
    if doc["levels"]:
        print(format_intervals(doc))
    return 0


def _levels(a) -> list:
    """--level as levels_of gives them (80.0 -> 80), in the order given."""
    return levels_of(getattr(a, "level", None))


def format_intervals(doc: dict) -> str:
    """The interval scores: per model the coverage and MSIS at each level and the scaled quantile loss,
    ranked by the scaled quantile loss."""
    levels, panel = doc["levels"], doc["series"] > 1
    rows = sorted(doc["models"].items(), key=lambda kv: (kv[1].get("sql") is None, kv[1].get("sql") or 0))
    fmt = lambda v, w, p: f"{'n/a':>{w}}" if v is None else num(v, p, w)  # noqa: E731
    head = f"{'model':<8} " + " ".join(f"{'cover-' + lv:>9} {'MSIS-' + lv:>8}" for lv in levels) + f" {'SQL':>7}"
    lines = ["", "intervals, ranked by the scaled quantile loss (SQL, lower is better)"
                 f"{' (means over series)' if panel else ''}",
             head, "-" * len(head)]
    for name, s in rows:
        lines.append(f"{name:<8} " + " ".join(f"{fmt(s['coverage'][lv], 9, 3)} {fmt(s['msis'][lv], 8, 2)}"
                                                for lv in levels) + f" {fmt(s['sql'], 7, 3)}")
    lines.append("cover-L: share of held-out values inside the L% band (nominal: L/100); MSIS-L: M4's scaled "
                 "interval score; SQL: pinball loss over the bands' quantiles and the median; MSIS and SQL scaled "
                 "like MASE")
    none = [n for n, s in rows if all(s["coverage"][lv] is None for lv in levels)]
    if none:
        lines.append(f"n/a: {', '.join(none)} gave no intervals here")
    return "\n".join(lines)


def num(v: float, p: int = 2, w: int = 0) -> str:
    """v with p decimals, or in scientific notation where that would print over w - p - 1 integer digits
    or round a non-zero value to 0 (values near 1e300 or 1e-300)."""
    a = abs(v)
    if a == 0 or not math.isfinite(a) or 10.0 ** -p <= a < 10.0 ** max(w - p - 1, 6):
        return f"{v:{w}.{p}f}"
    return f"{v:{w}.{p}e}"


def format_scores(doc: dict) -> str:
    rows = sorted(doc["models"].items(), key=lambda kv: (kv[1]["mase"] is None, kv[1]["mase"] or 0))
    panel = doc["series"] > 1
    rows = [(s.get("label", name), s) for name, s in rows]       # 'lstm (10 of 10 series fell back to snaive)'
    wn = max([8] + [len(n) for n, _ in rows])
    head = f"{'model':<{wn}} {'MASE':>7} " + (f"{'median':>7} {'gmean':>7} {'wins':>5} " if panel else "") + \
        f"{'RMSE':>9} {'MAE':>9} {'MAPE%':>7} {'sMAPE%':>7} {'sec':>6}"
    what = f"{doc['series']} series, " if panel else ""
    lines = [f"{what}{doc['windows']} window(s), horizon {doc['horizon']}, step {doc['step']}, "
             f"{'refit' if doc['refit'] else 'no refit'}, season length {doc['season_length']}; ranked by "
             f"{'mean MASE over series' if panel else 'MASE'}", head, "-" * len(head)]
    fmt = lambda v, w, p: f"{'n/a':>{w}}" if v is None else num(v, p, w)  # noqa: E731
    for name, s in rows:
        extra = f"{fmt(s['mase_median'], 7, 3)} {fmt(s['mase_gmean'], 7, 3)} {s['wins']:5d} " if panel else ""
        lines.append(f"{name:<{wn}} {fmt(s['mase'], 7, 3)} {extra}{fmt(s['rmse'], 9, 2)} {fmt(s['mae'], 9, 2)} "
                     f"{fmt(s['mape'], 7, 2)} {fmt(s['smape'], 7, 2)} {s['seconds']:6.1f}")
    best = rows[0][0].split(" ")[0] if rows else None
    if best and best not in ("default", "lstm"):
        lines.append(f"note: {best} beats lstmcast here (lower {'mean ' if panel else ''}MASE)")
    dm = doc.get("default_model", "lstm")
    lines.append(f"default = {dm}" + (" (its members combined, weighted by their validation errors inside each "
                                      "training part); lstm = the LSTM alone" if "+" in dm
                                      else " (the pure LSTM: both rows are the same model)"))
    if panel:
        lines.append("RMSE/MAE/MAPE/sMAPE are means over series of each series' own value")
    if doc.get("fallbacks"):
        lines.append(f"{doc['fallbacks']} series fell back to a baseline inside the default and lstm rows "
                     "(see --per-series)")
    if any(s["mape"] is None for s in doc["models"].values()):
        lines.append("MAPE n/a: an actual value is 0")
    if any(s["mase"] is None for s in doc["models"].values()):
        lines.append("MASE n/a: the seasonal-naive error inside a training part is 0 (its values repeat every "
                     "season), so nothing scales the errors; compare RMSE and MAE")
    if "lstm_seeds" in doc:
        r = doc["lstm_seeds"]["rmse"]
        lines.append(f"lstm = ensemble of the seeds; single seeds: RMSE {num(r['mean'])} ± {num(r['std'])} "
                     f"[{num(r['min'])}–{num(r['max'])}]")
    return "\n".join(lines)


def register(sub):
    e = sub.add_parser("evaluate", help="rolling-origin backtest: LSTM against baselines (one series or a panel)")
    add_data_flags(e, required=False)
    e.add_argument("--horizon", type=_positive_int("--horizon"), required=True)
    e.add_argument("--windows", type=_positive_int("--windows"), default=1)
    e.add_argument("--step", type=_positive_int("--step"), default=None, help="default: the horizon")
    e.add_argument("--refit", action=argparse.BooleanOptionalAction, default=True)
    e.add_argument("--models", default=None,
                   help="comma-separated: default (what fit uses), lstm (the LSTM alone), pretrained (the "
                        "pretrained LSTM, zero-shot), naive, snaive, drift, "
                        "ets, arima, theta (default: all but theta; arima left out where the longest series "
                        "times its season exceeds 12,000, as the fit leaves it out of the default model)")
    add_model_flags(e)
    add_backend_flags(e)
    add_covariate_flags(e)
    e.add_argument("--level", type=float, nargs="+", default=None,
                   help="also score intervals at these levels (percent, e.g. 80 95): coverage, MSIS and the scaled "
                        "quantile loss of every model's bands")
    e.add_argument("--plot", default=None)
    e.add_argument("--save-cv", default=None, metavar="FILE",
                   help="write every backtest forecast (id, time, cutoff, actual, one column per model); "
                        "CSV, or Parquet for a .parquet name")
    e.add_argument("--report", default=None, help="also write this self-contained HTML report")
    e.add_argument("--force", action="store_true")
    e.add_argument("--json", action="store_true")
    e.add_argument("--quiet", action="store_true")
    e.set_defaults(func=cmd_evaluate)
