"""`lstmcast forecast`: forecast past the end of the data with a saved model."""
from __future__ import annotations

import json

from ..errors import UsageError
from .common import Console, check_new_path, load_data


def cmd_forecast(a) -> int:
    con = Console(a.quiet or a.json)
    if a.horizon <= 0:
        raise UsageError(f"--horizon must be > 0; got {a.horizon}")
    for path in (a.out, a.plot, a.report):
        if path:
            check_new_path(path, a.force)
    from ..forecaster import Forecaster
    fc = Forecaster.load(a.model)
    y_new = None
    if a.data:
        y_new = load_data(a, con)
    out = fc.forecast(a.horizon, y_new=y_new, level=a.level, members=a.members)
    if a.out:
        out.to_csv(a.out, index=False)
        con.note(f"forecast written to {a.out}")
    if a.plot:
        from ..report.plot import plot_forecast
        hist = fc._extended(y_new)
        plot_forecast(hist.iloc[-max(5 * a.horizon, 48):], out, a.plot,
                      title=f"{a.horizon}-step forecast ({fc.seeds}-member ensemble)", levels=a.level or ())
        con.note(f"plot written to {a.plot}")
    if a.report:   # --report FILE.html
        from .report import forecast_hook
        forecast_hook(a, fc, y_new, out, con)
    if a.json:
        doc = out.assign(ds=out["ds"].dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00", ""))
        print(json.dumps({"model": a.model, "horizon": a.horizon, "forecast": doc.to_dict(orient="records")}))
    elif not a.out:
        print(out.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return 0


def register(sub):
    fc = sub.add_parser("forecast", help="forecast past the end of the data with a saved model")
    fc.add_argument("--model", required=True)
    fc.add_argument("--horizon", type=int, required=True)
    fc.add_argument("--data", default=None, help="CSV with newer observations (no retraining)")
    fc.add_argument("--time-col", default=None)
    fc.add_argument("--value-col", default=None)
    fc.add_argument("--freq", default=None)
    fc.add_argument("--fill", choices=["interpolate", "ffill"], default=None)
    fc.add_argument("--out", default=None, help="CSV to write")
    fc.add_argument("--plot", default=None, help="PNG to write")
    fc.add_argument("--level", type=float, nargs="+", default=None, help="conformal levels, e.g. 80 95")
    fc.add_argument("--report", default=None, help="also write a self-contained HTML report")
    fc.add_argument("--members", action="store_true", help="add one column per ensemble member")
    fc.add_argument("--force", action="store_true", help="overwrite --out/--plot files")
    fc.add_argument("--json", action="store_true")
    fc.add_argument("--quiet", action="store_true")
    fc.set_defaults(func=cmd_forecast)
