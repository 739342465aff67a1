"""Scale benchmark: 10,000 synthetic monthly series of 120 points (synth.py), the last 12 held out.

    python benchmarks/bench_panel_scale.py --nf-python /work/venv-nf/bin/python
    python benchmarks/bench_panel_scale.py --n-series 500 --models lstmcast,snaive   # a quick look

Each model runs cold in its own child process (lstmcast with an empty JAX compilation cache); the parent
reads the child's peak RSS from os.wait4. Printed per model: fit+forecast seconds (measured inside the
child, after reading the data), the child's wall seconds and peak RSS, XLA compilations (lstmcast), and
the mean MASE over series on the 12 held-out months (scale: in-sample seasonal-naive MAE, lag 12, of each
series' 108 training months), with time and MASE ratios against NeuralForecast's LSTM of the same run.
Models: lstmcast (Forecaster(scope="global"), other parameters default), nf_lstm (NeuralForecast LSTM as its
quickstart sets it up, via --nf-python), ets (statsforecast AutoETS on a --ets-sample subsample, time
extrapolated linearly to the full panel and marked so), snaive (in the parent, no timing).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("LSTMCAST_SRC", os.path.join(HERE, "..", "src"))   # which lstmcast to run
H, SEASON = 12, 12


# CHILDREN (run as `python bench_panel_scale.py --child KIND IN OUT`); last stdout line is JSON
def child_lstmcast(inp, out):
    df = pd.read_csv(inp, parse_dates=["ds"])
    import jax
    compiles = []
    jax.monitoring.register_event_duration_secs_listener(
        lambda event, secs, **kw: compiles.append(secs) if event == "/jax/core/compile/backend_compile_duration" else None)
    from lstmcast import Forecaster
    t = time.perf_counter()
    fc = Forecaster(scope="global").fit(df)
    pred = fc.forecast(H)
    seconds = time.perf_counter() - t
    pred.rename(columns={"mean": "lstmcast"}).to_csv(out, index=False)
    return {"seconds": seconds, "compiles": len(compiles), "compile_seconds": sum(compiles)}


def child_ets(inp, out):
    df = pd.read_csv(inp, parse_dates=["ds"])
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS
    warm = df[df["unique_id"] == df["unique_id"].iloc[0]]
    StatsForecast(models=[AutoETS(season_length=SEASON)], freq="MS", n_jobs=1).forecast(df=warm, h=H)  # numba
    t = time.perf_counter()
    pred = StatsForecast(models=[AutoETS(season_length=SEASON, alias="ets")], freq="MS", n_jobs=1).forecast(df=df, h=H)
    seconds = time.perf_counter() - t
    (pred.reset_index() if "unique_id" not in pred.columns else pred).to_csv(out, index=False)
    return {"seconds": seconds}


def run_child(cmd, env=None):
    """Run cmd; return (json of its last stdout line, wall seconds, peak RSS MB from wait4)."""
    with tempfile.TemporaryFile("w+") as so, tempfile.TemporaryFile("w+") as se:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=so, stderr=se, env=env, cwd=tempfile.gettempdir())
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:   # interrupted: do not leave the child running
            proc.kill()
            raise
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        so.seek(0), se.seek(0)
        out, err = so.read(), se.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed (exit {proc.returncode}):\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1]), wall, usage.ru_maxrss / 1024


def mase_holdout(pred: pd.DataFrame, col: str, train: pd.DataFrame, test: pd.DataFrame) -> float:
    y_tr = train.sort_values(["unique_id", "ds"]).pivot(index="unique_id", columns="ds", values="y")
    scale = np.mean(np.abs(y_tr.to_numpy()[:, SEASON:] - y_tr.to_numpy()[:, :-SEASON]), axis=1)
    scale = pd.Series(scale, index=y_tr.index)
    m = test.merge(pred[["unique_id", "ds", col]], on=["unique_id", "ds"], how="left")
    if m[col].isna().any():
        return float("nan")
    mae = (m[col] - m["y"]).abs().groupby(m["unique_id"]).mean()
    return float((mae / scale.loc[mae.index]).mean())


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--child", nargs=3, metavar=("KIND", "IN", "OUT"), help=argparse.SUPPRESS)
    p.add_argument("--n-series", type=int, default=10_000)
    p.add_argument("--length", type=int, default=120)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--models", default="nf_lstm,lstmcast,ets,snaive")
    p.add_argument("--ets-sample", type=int, default=500, help="series AutoETS runs on (time extrapolated)")
    p.add_argument("--nf-python", default=None, help="python of a virtualenv with neuralforecast")
    args = p.parse_args(argv)
    if args.child:
        kind, inp, out = args.child
        print(json.dumps({"lstmcast": child_lstmcast, "ets": child_ets}[kind](inp, out)))
        return

    sys.path.insert(0, HERE)
    from synth import synth_panel
    df = synth_panel(args.n_series, args.length, args.seed)
    last = df.groupby("unique_id")["ds"].transform("max")
    is_test = df["ds"] > last - pd.DateOffset(months=H)
    train, test = df[~is_test].reset_index(drop=True), df[is_test].reset_index(drop=True)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    print(f"panel: {args.n_series} synthetic monthly series x {args.length} points (seed {args.seed}), "
          f"last {H} held out; {os.cpu_count()} CPUs", flush=True)

    rows, notes, preds = {}, [], {}
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "train.csv")
        train.to_csv(inp, index=False)
        for m in models:
            out = os.path.join(tmp, f"{m}.csv")
            if m == "snaive":
                y = train.pivot(index="unique_id", columns="ds", values="y").to_numpy()
                ids = np.sort(train["unique_id"].unique())
                ds = pd.date_range(train["ds"].max() + pd.DateOffset(months=1), periods=H, freq="MS")
                pred = pd.DataFrame({"unique_id": np.repeat(ids, H), "ds": np.tile(ds, len(ids)),
                                     "snaive": y[:, -SEASON:][:, np.arange(H) % SEASON].ravel()})
                rows[m] = {"mase": mase_holdout(pred, m, train, test)}
                preds[m] = pred
                continue
            if m == "nf_lstm":
                if not args.nf_python:
                    notes.append("nf_lstm skipped: pass --nf-python (a virtualenv's python with neuralforecast)")
                    continue
                cmd = [args.nf_python, os.path.join(HERE, "nf_runner.py"), "fit", inp, out, "--freq", "MS", "--h", str(H)]
                env = None
            elif m == "lstmcast":
                try:
                    sys.path.insert(0, SRC)
                    from lstmcast import Forecaster
                    Forecaster(scope="global")
                except Exception as e:  # noqa: BLE001 - the panel API is not there yet: say so and go on
                    notes.append(f"lstmcast skipped: the panel API Forecaster(scope='global') is not available ({e})")
                    continue
                cmd = [sys.executable, os.path.abspath(__file__), "--child", "lstmcast", inp, out]
                env = dict(os.environ, LSTMCAST_CACHE_DIR=os.path.join(tmp, "jax-cache"),
                           PYTHONPATH=os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]))
            elif m == "ets":
                ids = train["unique_id"].drop_duplicates().sample(min(args.ets_sample, args.n_series),
                                                                  random_state=args.seed)
                sub = os.path.join(tmp, "ets_in.csv")
                train[train["unique_id"].isin(ids)].to_csv(sub, index=False)
                cmd, env = [sys.executable, os.path.abspath(__file__), "--child", "ets", sub, out], None
            else:
                raise SystemExit(f"unknown model {m!r}")
            print(f"running {m} ...", flush=True)
            info, wall, rss = run_child(cmd, env)
            pred = pd.read_csv(out, parse_dates=["ds"])
            row = {"fit_forecast_s": info["seconds"], "wall_s": wall, "peak_rss_mb": rss,
                   "compiles": info.get("compiles", np.nan)}
            if m == "ets":
                k = pred["unique_id"].nunique()
                row["fit_forecast_s"] *= args.n_series / k
                row["wall_s"] = np.nan
                notes.append(f"ets: timed on {k} series, fit_forecast_s extrapolated x{args.n_series / k:.0f}; "
                             f"its MASE is over those {k} series")
                ids = set(pred["unique_id"])
                row["mase"] = mase_holdout(pred, m, train[train["unique_id"].isin(ids)], test[test["unique_id"].isin(ids)])
            else:
                row["mase"] = mase_holdout(pred, m, train, test)
            rows[m] = row
            preds[m] = pred
            print(f"  {m}: {row}", flush=True)

    table = pd.DataFrame.from_dict(rows, orient="index")
    if "ets" in preds:   # every model's MASE on the series AutoETS ran on, for a like-for-like column
        ids = set(preds["ets"]["unique_id"])
        sub_tr, sub_te = train[train["unique_id"].isin(ids)], test[test["unique_id"].isin(ids)]
        table["mase_ets_sample"] = [mase_holdout(preds[m][preds[m]["unique_id"].isin(ids)], m, sub_tr, sub_te)
                                    for m in table.index]
    if "nf_lstm" in rows:
        ref = rows["nf_lstm"]
        table["time_vs_nf"] = table.get("fit_forecast_s", np.nan) / ref["fit_forecast_s"]
        table["wall_vs_nf"] = table.get("wall_s", np.nan) / ref["wall_s"]
        table["mase_vs_nf"] = table["mase"] / ref["mase"]
    print()
    print(table.to_string(float_format="%.3f"))
    for n in notes:
        print(f"note: {n}")


if __name__ == "__main__":
    main()
