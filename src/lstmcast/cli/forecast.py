"""`lstmcast forecast`: forecast past the end of the data with a saved model, or zero-shot with the pretrained
LSTM (no --model: `lstmcast forecast --data sales.csv --horizon 12`)."""
from __future__ import annotations

import json
import sys

import pandas as pd

from ..atomic import atomic_to_csv
from ..data.extremes import check_forecast
from ..errors import DataError, UsageError, assert_finite
from ..fit.predicting import extended_values
from ..forecaster import Forecaster
from ..report.plot import plot_forecast
from .common import Console, add_dialect_flags, add_resource_flags, check_new_path, load_data
from .covariates import add_future_flags, future_frame, write_template
from .report import forecast_hook


def cmd_forecast(a) -> int:
    con = Console(a.quiet or a.json)
    if a.horizon <= 0:
        raise UsageError(f"--horizon must be > 0; got {a.horizon}")
    for path in (a.out, a.plot, a.report):
        if path and not (path is a.out and path == "-"):
            check_new_path(path, a.force)
    if not a.model:
        return _zero_shot(a, con)
    fc = Forecaster.load(a.model)
    for note in fc.notes_:                 # e.g. the pretrained weights changed since the fit
        con.note(note)
    new = None
    if a.data:
        a.id_col = a.id_col or fc.panel_.id_col if len(fc.panel_) > 1 else a.id_col
        given, a.freq = a.freq, a.freq or fc.panel_.freq
        try:
            new = load_data(a, con)
        except DataError as e:
            if given or "not on the grid of the frequency given" not in str(e):
                raise
            raise DataError(str(e).split("; give the data's own")[0].replace(
                "the frequency given", "the model's frequency") + "; --data must continue the training data "
                "at that frequency") from None
    if write_template(a, fc, con):
        return 0
    futr = future_frame(a, fc, con)
    try:
        out = fc.forecast(a.horizon, new, level=a.level, members=a.members, futr_df=futr)
    except DataError as e:       # name the file rather than 'new data'
        if a.data and str(e).startswith("new data: "):
            raise DataError(f"{a.data}: {str(e)[len('new data: '):]}") from None
        if getattr(a, "future", None) and str(e).startswith("future: "):
            raise DataError(f"{a.future}: {str(e)[len('future: '):]}") from None
        raise
    out = check_forecast(assert_finite(out, "forecast"), new if new is not None else fc.panel_)   # no -3e304
    if getattr(fc, "interval_note_", ""):
        con.note(fc.interval_note_)
    n_fb = int(out.drop_duplicates(fc.panel_.id_col)["model"].astype(str).str.endswith("-fallback").sum())
    if n_fb:
        con.note(f"{n_fb} series forecast by a fallback baseline (the `model` column says which)")
    ids = (new if new is not None else fc.panel_).ids
    have = set(out[fc.panel_.id_col])
    lost = [k for k in ids if k not in have]
    if lost:
        con.note(f"{len(lost)} of {len(ids)} series have no forecast: no finite value to start from "
                 f"({', '.join(map(repr, lost[:5]))}{', ...' if len(lost) > 5 else ''}); see fit's --per-series")
    _write(a, out, con)
    if a.plot:
        panel = fc.panel_
        k = next((i for i, u in enumerate(panel.ids) if u in have), 0)   # a series with a forecast
        first = panel.ids[k]
        v = extended_values(fc.panel_, new)[k]
        hist = pd.Series(v, index=panel.localize(pd.date_range(panel.starts[k], periods=len(v),
                                                                    freq=panel.offset)))
        one = out[out[panel.id_col] == first].rename(columns={panel.time_col: "ds"})
        note = f" (series {first!r} of {len(panel)})" if len(panel) > 1 else ""
        plot_forecast(hist.iloc[-max(5 * a.horizon, 48):], one, a.plot,
                      title=f"{a.horizon}-step forecast ({fc.spec_.seeds}-member ensemble){note}",
                      levels=a.level or ())
        con.note(f"plot written to {a.plot}")
    if a.report:   # --report FILE.html
        forecast_hook(a, fc, new, out, con)
    _show(a, out, fc.panel_.time_col)
    return 0


def _write(a, out, con) -> None:
    if a.out == "-":
        out.to_csv(sys.stdout, index=False)
    elif a.out:
        atomic_to_csv(a.out, out, overwrite=a.force, index=False)   # complete or absent, even on Ctrl-C
        con.note(f"forecast written to {a.out}")


def _show(a, out, tc) -> None:
    if a.json:
        doc = out.assign(**{tc: out[tc].dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00", "")})
        print(json.dumps({"model": a.model or "pretrained", "horizon": a.horizon,
                          "forecast": doc.to_dict(orient="records")}))
    elif not a.out:
        print(out.to_string(index=False, float_format=lambda v: f"{v:.4g}"))


def _zero_shot(a, con) -> int:
    """No --model: the pretrained LSTM forecasts --data zero-shot (nothing trains)."""
    if not a.data:
        raise UsageError("give --model DIR (a fitted model) or --data FILE (a zero-shot forecast of its series "
                         "by the pretrained LSTM)")
    used = [f for f, v in (("--plot", a.plot), ("--report", a.report), ("--members", a.members),
                           ("--future", getattr(a, "future", None)),
                           ("--future-template", getattr(a, "future_template", None))) if v]
    if used:
        raise UsageError(f"{used[0]} needs --model DIR (a fitted model); the zero-shot forecast without --model "
                         "writes --out, --json or the table")
    panel = load_data(a, con)
    out = assert_finite(Forecaster(model="pretrained").fit(panel).forecast(a.horizon, level=a.level), "forecast")
    lost = len(panel) - out[panel.id_col].nunique()
    if lost:
        con.note(f"{lost} of {len(panel)} series have no forecast: no finite value to start from")
    con.note(f"zero-shot forecast by the pretrained LSTM ({len(panel)} series, no training)")
    _write(a, out, con)
    _show(a, out, panel.time_col)
    return 0


def register(sub):
    fc = sub.add_parser("forecast", help="forecast past the end of the data with a saved model")
    fc.add_argument("--model", default=None, help="a fitted model directory; without it the pretrained LSTM "
                    "forecasts --data zero-shot")
    fc.add_argument("--horizon", type=int, required=True)
    fc.add_argument("--data", default=None, help="CSV or Parquet file with newer observations (no retraining)")
    fc.add_argument("--id-col", default=None, help="series id column of --data (default: the model's)")
    fc.add_argument("--time-col", default=None)
    fc.add_argument("--value-col", default=None)
    fc.add_argument("--freq", default=None)
    fc.add_argument("--fill", choices=["interpolate", "ffill"], default=None)
    add_dialect_flags(fc), add_resource_flags(fc)   # --sep/--decimal, --max-memory (cli/common.py)
    add_future_flags(fc)
    fc.add_argument("--out", default=None, help="CSV to write ('-': standard output; .parquet: Parquet)")
    fc.add_argument("--plot", default=None, help="PNG to write")
    fc.add_argument("--level", type=float, nargs="+", default=None, help="conformal levels, e.g. 80 95")
    fc.add_argument("--report", default=None, help="also write a self-contained HTML report")
    fc.add_argument("--members", action="store_true", help="add one column per ensemble member")
    fc.add_argument("--force", action="store_true", help="overwrite --out/--plot files")
    fc.add_argument("--json", action="store_true")
    fc.add_argument("--quiet", action="store_true")
    fc.set_defaults(func=cmd_forecast)
