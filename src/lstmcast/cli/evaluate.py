"""`lstmcast evaluate`: rolling-origin backtests of the LSTM against the baselines."""
from __future__ import annotations

import argparse
import json

import numpy as np

from ..errors import UsageError
from .common import Console, _positive_int, add_data_flags, add_model_flags, check_new_path, forecaster_params, load_data


def cmd_evaluate(a) -> int:
    con = Console(a.quiet or a.json)
    from ..evaluate import MODELS, backtest, score
    models = [m.strip() for m in a.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in MODELS]
    if unknown or not models:
        raise UsageError(f"--models: unknown {unknown or a.models!r}; choose from {','.join(MODELS)}")
    for path in (a.plot, getattr(a, "report", None)):
        if path:
            check_new_path(path, a.force)
    if a.data is None:
        from .. import datasets
        y = datasets.airline()
        con.note("no file given: using the bundled airline series (144 months)")
    else:
        y = load_data(a, con)
    from ..forecaster import Forecaster
    fc = Forecaster(**forecaster_params(a))
    step = a.step or a.horizon
    con.note(f"backtest: {a.windows} window(s), horizon {a.horizon}, step {step}, "
             f"{'refit per window' if a.refit else 'fit once, frozen parameters'}")
    cv, info = backtest(fc, y, a.horizon, a.windows, step=step, refit=a.refit, models=models,
                        season_length=a.season_length, progress=con.note)
    scores = score(cv, y, models, info["season_length"])
    seeds = [c for c in cv.columns if c.startswith("lstm-seed-")]
    seed_rmse = [score(cv, y, [c], info["season_length"])[c]["rmse"] for c in seeds]
    doc = {"horizon": a.horizon, "windows": a.windows, "step": step, "refit": a.refit,
           "season_length": info["season_length"], "cutoffs": info["cutoffs"],
           "models": {m: {k: (None if isinstance(v, float) and np.isnan(v) else v)
                          for k, v in {**scores[m], "seconds": info["seconds"].get(m, 0.0)}.items()}
                      for m in models}}
    if seed_rmse:
        v = np.asarray(seed_rmse)
        doc["lstm_seeds"] = {"rmse": {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
                                      "min": float(v.min()), "max": float(v.max())}}
    if a.plot:
        from ..report.plot import plot_backtest
        plot_backtest(y, cv, models, a.plot, title=f"backtest: {a.windows} window(s) x horizon {a.horizon}")
        con.note(f"plot written to {a.plot}")
    if getattr(a, "report", None):   # --report FILE.html (and `lstmcast report`)
        from .report import evaluate_hook
        evaluate_hook(a, y, cv, doc, info, con)
    if a.json:
        print(json.dumps(doc, indent=2))
        return 0
    print(format_scores(doc))
    return 0


def format_scores(doc: dict) -> str:
    rows = sorted(doc["models"].items(), key=lambda kv: (kv[1]["mase"] is None, kv[1]["mase"] or 0))
    head = f"{'model':<8} {'MASE':>7} {'RMSE':>9} {'MAE':>9} {'MAPE%':>7} {'sMAPE%':>7} {'sec':>6}"
    lines = [f"{doc['windows']} window(s), horizon {doc['horizon']}, step {doc['step']}, "
             f"{'refit' if doc['refit'] else 'no refit'}, season length {doc['season_length']}; ranked by MASE",
             head, "-" * len(head)]
    fmt = lambda v, w, p: f"{'n/a':>{w}}" if v is None else f"{v:{w}.{p}f}"  # noqa: E731
    for name, s in rows:
        lines.append(f"{name:<8} {fmt(s['mase'], 7, 3)} {fmt(s['rmse'], 9, 2)} {fmt(s['mae'], 9, 2)} "
                     f"{fmt(s['mape'], 7, 2)} {fmt(s['smape'], 7, 2)} {s['seconds']:6.1f}")
    if any(s["mape"] is None for s in doc["models"].values()):
        lines.append("MAPE n/a: an actual value is 0")
    if "lstm_seeds" in doc:
        r = doc["lstm_seeds"]["rmse"]
        lines.append(f"lstm = ensemble of the seeds; single seeds: RMSE {r['mean']:.2f} ± {r['std']:.2f} "
                     f"[{r['min']:.2f}–{r['max']:.2f}]")
    return "\n".join(lines)


def register(sub):
    e = sub.add_parser("evaluate", help="rolling-origin backtest: LSTM against baselines")
    add_data_flags(e, required=False)
    e.add_argument("--horizon", type=_positive_int("--horizon"), required=True)
    e.add_argument("--windows", type=_positive_int("--windows"), default=1)
    e.add_argument("--step", type=_positive_int("--step"), default=None, help="default: the horizon")
    e.add_argument("--refit", action=argparse.BooleanOptionalAction, default=True)
    e.add_argument("--models", default="lstm,naive,snaive,drift,ets,arima")
    add_model_flags(e)
    e.add_argument("--plot", default=None)
    e.add_argument("--report", default=None, help="also write this self-contained HTML report")
    e.add_argument("--force", action="store_true")
    e.add_argument("--json", action="store_true")
    e.add_argument("--quiet", action="store_true")
    e.set_defaults(func=cmd_evaluate)
