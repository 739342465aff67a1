"""`lstmcast report`: backtest, fit and forecast, then one self-contained HTML file (report.py writes it).

    lstmcast report sales.csv --horizon 12 --windows 4 --out report.html
"""
from __future__ import annotations

import argparse

from . import common
from .argtypes import _positive_int
from .common import add_data_flags, check_new_path
from .evaluate import cmd_evaluate
from .model_flags import add_model_flags


def cmd_report(a) -> int:
    check_new_path(a.out, a.force, "report")
    a.report, a.plot, a.json, a.final_fit = a.out, None, False, True
    return cmd_evaluate(a)


def register(sub):
    r = sub.add_parser("report", help="backtest, fit and forecast; write one self-contained HTML report")
    add_data_flags(r, required=False)
    r.add_argument("--horizon", type=_positive_int("--horizon"), required=True)
    r.add_argument("--windows", type=_positive_int("--windows"), default=1)
    r.add_argument("--step", type=_positive_int("--step"), default=None, help="default: the horizon")
    r.add_argument("--refit", action=argparse.BooleanOptionalAction, default=True)
    r.add_argument("--models", default="lstm,naive,snaive,drift,ets,arima")
    add_model_flags(r)
    if hasattr(common, "add_backend_flags"):    # --ray/--workers (main): `report` runs `evaluate`, which reads them
        common.add_backend_flags(r)
    r.add_argument("--out", required=True, help="the .html file to write")
    r.add_argument("--force", action="store_true", help="overwrite --out")
    r.add_argument("--quiet", action="store_true")
    r.add_argument("--level", type=float, nargs="+", default=[80, 95], help="forecast interval levels (default 80 95)")
    r.add_argument("--title", default=None)
    r.set_defaults(func=cmd_report)
