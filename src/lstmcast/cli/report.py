"""`lstmcast report`: backtest, fit, forecast and write one self-contained HTML report.

    lstmcast report sales.csv --horizon 12 --windows 4 --out report.html --level 80 95
    lstmcast evaluate sales.csv --horizon 12 --windows 4 --report backtest.html   # the backtest only
    lstmcast forecast --model my-model --horizon 12 --report forecast.html        # history + forecast + card

`report` runs exactly `evaluate` (same flags, same numbers), then fits the model on all the data for the
future forecast and the model card (settings, loss curves, run times, versions, data checksum).
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

from .common import _positive_int, add_data_flags, add_model_flags, check_new_path


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _versions() -> dict:
    import platform
    from importlib.metadata import PackageNotFoundError, version
    from .. import __version__
    out = {"lstmcast": __version__, "python": platform.python_version()}
    for pkg in ("jax", "numpy", "pandas", "statsforecast", "plotly"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def _data_info(a, y) -> dict:
    from .. import datasets
    path = Path(a.data) if getattr(a, "data", None) else datasets.AIRLINE_CSV
    return {"file": str(path) if a.data else f"bundled airline series ({path.name})", "sha256": sha256(path),
            "values": int(len(y)), "first": str(y.index[0]), "last": str(y.index[-1]), "frequency": y.index.freqstr}


def card_for(fc, a=None, y=None, times=None) -> dict:
    """The model card of a fitted Forecaster: resolved settings, differencing and its scores, loss curves."""
    import numpy as np
    r = getattr(fc, "r_", {})
    p = fc.get_params()
    fitted = bool(r)
    settings = {"scope": p.get("scope", "per-series (one ensemble per series)"),
                "season_length": r.get("m", p["season_length"] or "auto"),
                "look_back": r.get("look_back", p["look_back"] or "auto"), "framing": p["framing"],
                "units": list(r.get("units", np.atleast_1d(p["units"]).tolist())), "strategy": p["strategy"],
                "output steps": r.get("h", p["horizon"] or "auto"), "transform": r.get("transform", p["transform"]),
                "differencing": (",".join(map(str, r["diff"])) or "none") if fitted else
                p["diff"] if isinstance(p["diff"], str) else ",".join(map(str, p["diff"])) or "none",
                "differencing requested": p["diff"] if isinstance(p["diff"], str) else ",".join(map(str, p["diff"])) or "none",
                "scale": p["scale"], "calendar": p["calendar"], "epochs": p["epochs"], "batch_size": p["batch_size"],
                "learning_rate": p["learning_rate"], "validation": p["validation"], "patience": p["patience"],
                "aggregate": p["aggregate"], "seeds": p["seeds"], "seed values": f"{p['seed']}..{p['seed'] + p['seeds'] - 1}"}
    card = {"settings": settings}
    scores = getattr(fc, "diff_scores_", None)
    if scores:
        card["differencing scores (held-out RMSE, lower is better)"] = {k: round(v, 4) for k, v in scores.items()}
    if times:
        card["run times (s)"] = {k: round(float(v), 2) for k, v in times.items()}
    card["versions"] = _versions()
    if a is not None and y is not None:
        card["data"] = _data_info(a, y)
    card["created"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    loss = getattr(fc, "loss_", None)
    if loss is not None:
        loss = np.atleast_2d(np.asarray(loss, np.float64))
        card["loss"] = [[round(float(v), 6) for v in row if np.isfinite(v)] for row in loss]
    return card


def _frames(y, cv=None, out=None, name=None):
    """The report's long frames from a single series (pd.Series) or a panel (DataFrame unique_id, ds, y);
    frames that already carry unique_id keep it."""
    import pandas as pd
    if isinstance(y, pd.DataFrame) and "unique_id" in y:
        hist, uid = y[["unique_id", "ds", "y"]], None
    else:
        uid = name or (y.name if isinstance(y.name, str) else "series")
        hist = pd.DataFrame({"unique_id": uid, "ds": y.index, "y": y.to_numpy()})
    if cv is not None and "unique_id" not in cv:
        cv = cv.assign(unique_id=uid)
    if out is not None:
        out = out.drop(columns=[c for c in ("lo", "hi") if c in out])
        if "unique_id" not in out:
            out = out.assign(unique_id=uid)
        if "model" not in out:
            out["model"] = "lstm"
    return hist, cv, out


def evaluate_hook(a, y, cv, doc, info, con):
    """Called by `evaluate --report FILE` (and by `report`) once the backtest is scored."""
    from ..report.html import write_report
    from ..forecaster import Forecaster
    from .common import forecaster_params
    t0 = time.perf_counter()
    times = {f"backtest {m}": s for m, s in info["seconds"].items()}
    out, fc = None, Forecaster(**forecaster_params(a))
    if getattr(a, "final_fit", False):
        con.note(f"report: fitting on all {len(y)} values for the {a.horizon}-step forecast and the model card")
        fc.fit(y)
        times["final fit"] = time.perf_counter() - t0
        out = fc.forecast(a.horizon, level=a.level)
    card = card_for(fc, a, y, times)
    if not getattr(a, "final_fit", False):
        card["settings"]["note"] = ("evaluate --report fits no final model: resolved settings and loss "
                                    "curves come with `lstmcast report`")
    hist, cv, out = _frames(y, cv, out, name=Path(a.data).stem if a.data else "airline")
    path = write_report(a.report, evaluation=doc, cv=cv, history=hist, forecast=out, card=card,
                        per_series=info.get("per_series"),
                        title=getattr(a, "title", None) or f"lstmcast report: {hist['unique_id'].iloc[0]}")
    con.note(f"report written to {path} ({path.stat().st_size / 1e6:.1f} MB)")


def forecast_hook(a, fc, y_new, out, con):
    """Called by `forecast --report FILE`: the history, the forecast and the saved model's card."""
    from ..report.html import write_report
    y = fc._extended(y_new)
    card = card_for(fc)
    card["model"] = {"directory": str(a.model)}
    if a.data:
        card["data"] = {"file": str(a.data), "sha256": sha256(a.data), "values": int(len(y))}
    hist, _, out = _frames(y, None, out.copy(), name=Path(a.model).name)
    path = write_report(a.report, evaluation=None, cv=None, history=hist, forecast=out, card=card,
                        title=f"lstmcast forecast: {Path(a.model).name}")
    con.note(f"report written to {path} ({path.stat().st_size / 1e6:.1f} MB)")


def cmd_report(a) -> int:
    from .evaluate import cmd_evaluate
    check_new_path(a.out, a.force, "report")
    a.report, a.plot, a.json, a.final_fit = a.out, None, False, True
    return cmd_evaluate(a)


def register(sub):
    import argparse
    r = sub.add_parser("report", help="backtest, fit and forecast; write one self-contained HTML report")
    add_data_flags(r, required=False)
    r.add_argument("--horizon", type=_positive_int("--horizon"), required=True)
    r.add_argument("--windows", type=_positive_int("--windows"), default=1)
    r.add_argument("--step", type=_positive_int("--step"), default=None, help="default: the horizon")
    r.add_argument("--refit", action=argparse.BooleanOptionalAction, default=True)
    r.add_argument("--models", default="lstm,naive,snaive,drift,ets,arima")
    add_model_flags(r)
    r.add_argument("--out", required=True, help="the .html file to write")
    r.add_argument("--force", action="store_true", help="overwrite --out")
    r.add_argument("--quiet", action="store_true")
    r.add_argument("--level", type=float, nargs="+", default=[80, 95], help="forecast interval levels (default 80 95)")
    r.add_argument("--title", default=None)
    r.set_defaults(func=cmd_report)
