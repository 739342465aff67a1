"""The default recipe (`Forecaster()` with no arguments) against the baselines, by rolling-origin backtests.

    python benchmarks/bench_recipe.py

The airline series: one-step forecasts of the last 48 months with frozen parameters, and 1960 from
1949-1959. Then three other public series shipped with statsmodels (not the airline series): Mauna Loa
CO2 (weekly, averaged to months), El Nino sea-surface temperatures (monthly), US real GDP (quarterly),
each with horizon = one season and 4 refit windows. MASE below 1 beats in-sample seasonal naive;
the column to compare with is `snaive` on the same cut-offs. `default` is `Forecaster()` (the LSTM
combined with AutoETS), `lstm` its LSTM alone, from the same run.
"""
from __future__ import annotations

import os
import sys
import time

import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))


def other_series() -> dict:
    import statsmodels.api as sm
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    co2.index.freq = "MS"
    el = sm.datasets.elnino.load_pandas().data.set_index("YEAR")
    elnino = pd.Series(el.to_numpy().ravel(), index=pd.date_range(f"{int(el.index[0])}-01-01",
                                                                  periods=el.size, freq="MS"), name="sst")
    mac = sm.datasets.macrodata.load_pandas().data
    gdp = pd.Series(mac["realgdp"].to_numpy(), index=pd.date_range("1959-01-01", periods=len(mac), freq="QS"),
                    name="realgdp")
    return {"co2 (monthly)": (co2, 12, 4), "elnino (monthly)": (elnino, 12, 4), "us real gdp (quarterly)": (gdp, 4, 4)}


def run(name, y, horizon, windows, refit, models=("default", "lstm", "naive", "snaive", "ets", "arima")):
    from lstmcast import Forecaster
    from lstmcast.evaluate import backtest, per_series_scores, summarise
    t = time.perf_counter()
    cv, info = backtest(Forecaster(), y, horizon, windows, refit=refit, models=models)
    m = info["season_length"]
    s = summarise(per_series_scores(cv, info["panel"], list(models), m), list(models))
    seeds = [c for c in cv.columns if c.startswith("lstm-seed-")]
    single = per_series_scores(cv, info["panel"], seeds, m)["rmse"].to_numpy()
    cols = " ".join(f"{k}={s[k]['mase']:.3f}/{s[k]['rmse']:.2f}" for k in models)
    print(f"{name:<34} h={horizon:<2} w={windows:<2} {'refit' if refit else 'frozen':<6} MASE/RMSE: {cols} | "
          f"lstm single seeds RMSE {single.mean():.2f} ± {single.std(ddof=1):.2f} | {time.perf_counter() - t:.0f} s",
          flush=True)


def main():
    from lstmcast import datasets
    y = datasets.airline()
    run("airline, last 48 months one-step", y, 1, 48, refit=False)
    run("airline, 1960 from 1949-1959", y, 12, 1, refit=True)
    for name, (s, m, w) in other_series().items():
        run(name, s, m, w, refit=True)


if __name__ == "__main__":
    main()
