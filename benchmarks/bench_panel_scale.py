"""Scale benchmark: 10,000 synthetic monthly series of 120 points (synth.py), the last 12 held out.

    python benchmarks/bench_panel_scale.py --nf-python /work/venv-nf/bin/python     # alone, on a quiet machine
    python benchmarks/bench_panel_scale.py --series 500 --models lstmcast,snaive --allow-load   # a quick look
    python benchmarks/bench_panel_scale.py --series 1000 --scope local --fit-args "--seeds 10" --models lstmcast

Each model runs cold in its own child process (lstmcast with an empty JAX compilation cache); the parent
reads the child's peak RSS from os.wait4. lstmcast runs as a user runs it: `lstmcast fit TRAIN.csv --scope
global --model DIR` and then `lstmcast forecast --model DIR --horizon 12 --out OUT.csv`, each in its own
process; its seconds are those of the two commands (from the command line's parse to its exit, imports
excluded; the walls include them), broken down by phase (phases.py: read and validate, pipelines, scope
choice, differencing choice, train, statistical members, predict, write, compile or load, other).
Printed per model: fit+forecast seconds (lstmcast: also its CPU seconds, all threads, which a loaded
machine inflates less), wall seconds, peak RSS, XLA compilations (lstmcast), the mean MASE over series
on the 12 held-out months (scale: in-sample seasonal-naive MAE, lag 12, of each series' 108 training months),
and the time and MASE ratios against NeuralForecast's LSTM of the same run.

Timings are only results on a quiet machine: before each timed child the 1-minute load average must fall
below 0.5 (the parent waits up to --wait-quiet seconds); the load before and after each child is printed,
and where a load before exceeded 0.5 the time ratios are withheld unless --allow-load is given, which
marks the row `loaded`. Run it alone: never beside tests, other jobs or other benchmarks.
Models: lstmcast, nf_lstm (NeuralForecast LSTM as its quickstart sets it up, via --nf-python; not an
lstmcast dependency), ets (statsforecast AutoETS on a --ets-sample subsample, time extrapolated linearly
to the full panel and marked so), snaive (in the parent, no timing).
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("LSTMCAST_SRC", os.path.join(HERE, "..", "src"))   # which lstmcast to run
H, SEASON = 12, 12
QUIET = 0.5           # the 1-minute load average under which a timing counts


# CHILDREN (run as `python bench_panel_scale.py --child KIND IN OUT [ARGS]`); last stdout line is JSON
def child_cli(argv):
    """One lstmcast command as the program runs it (its own garbage-collector set-up), timed by phase."""
    t0 = time.perf_counter()
    sys.path.insert(0, HERE)
    import phases

    from lstmcast.cli import main
    clock = phases.install()
    imports = time.perf_counter() - t0
    sys.argv = ["lstmcast", *argv]
    t, c = time.perf_counter(), time.process_time()
    rc = main()
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    if rc:
        raise SystemExit(f"lstmcast {' '.join(argv)} exited {rc}")
    return {"seconds": seconds, "cpu_s": cpu, "import_s": imports, "phases": clock.report(seconds),
            "compiles": clock.compiles}


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


def wait_quiet(limit: float) -> float:
    """Wait up to `limit` seconds for the 1-minute load average to fall below QUIET; returns it."""
    sys.path.insert(0, HERE)
    from phases import load_average
    t = time.monotonic()
    load = load_average()
    while load >= QUIET and time.monotonic() - t < limit:
        time.sleep(5)
        load = load_average()
    return load


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


def _timed(cmd, env, args, label):
    """run_child after waiting for a quiet machine; (info, wall, rss, load before, load after)."""
    before = wait_quiet(args.wait_quiet)
    print(f"running {label} (load average before: {before:.2f}) ...", flush=True)
    info, wall, rss = run_child(cmd, env)
    sys.path.insert(0, HERE)
    from phases import load_average
    return info, wall, rss, before, load_average()


def run_lstmcast(args, inp, out, tmp):
    """`lstmcast fit` then `lstmcast forecast`, each cold in its own process -> (row, notes)."""
    env = dict(os.environ, LSTMCAST_CACHE_DIR=os.path.join(tmp, "jax-cache"),
               PYTHONPATH=os.pathsep.join([SRC, HERE, os.environ.get("PYTHONPATH", "")]))
    model = os.path.join(tmp, "lstmcast-model")
    me = [sys.executable, os.path.abspath(__file__), "--child", "cli"]
    fit = ["fit", inp, "--scope", args.scope, "--model", model, "--quiet", *shlex.split(args.fit_args)]
    fcst = ["forecast", "--model", model, "--horizon", str(H), "--out", out, "--quiet"]
    a, wall_a, rss_a, load0, load1 = _timed(me + fit, env, args, "lstmcast fit")
    b, wall_b, rss_b, load2, load3 = _timed(me + fcst, env, args, "lstmcast forecast")
    notes = [f"lstmcast fit {a['seconds']:.2f} s ({phases_line(a)}); imports {a['import_s']:.2f} s; "
             f"CPU {a['cpu_s']:.2f} s ({cpu_line(a)})",
             f"lstmcast forecast {b['seconds']:.2f} s ({phases_line(b)}); imports {b['import_s']:.2f} s; "
             f"CPU {b['cpu_s']:.2f} s ({cpu_line(b)})"]
    row = {"fit_forecast_s": a["seconds"] + b["seconds"], "cpu_s": a["cpu_s"] + b["cpu_s"],
           "wall_s": wall_a + wall_b, "peak_rss_mb": max(rss_a, rss_b),
           "compiles": a["compiles"] + b["compiles"], "load_before": max(load0, load2), "load_after": max(load1, load3)}
    return row, notes


def phases_line(info) -> str:
    from phases import format_breakdown
    return format_breakdown(info["phases"])


def cpu_line(info) -> str:
    from phases import format_cpu
    return format_cpu(info["phases"], info["cpu_s"])


def run_model(m, args, train, test, tmp, inp, notes):
    """One model of the run -> (row, its forecast frame), or None when it is skipped (a note says why)."""
    out = os.path.join(tmp, f"{m}.csv")
    if m == "snaive":
        y = train.pivot(index="unique_id", columns="ds", values="y").to_numpy()
        ids = np.sort(train["unique_id"].unique())
        ds = pd.date_range(train["ds"].max() + pd.DateOffset(months=1), periods=H, freq="MS")
        pred = pd.DataFrame({"unique_id": np.repeat(ids, H), "ds": np.tile(ds, len(ids)),
                             "snaive": y[:, -SEASON:][:, np.arange(H) % SEASON].ravel()})
        return {"mase": mase_holdout(pred, m, train, test)}, pred
    if m == "lstmcast":
        row, more = run_lstmcast(args, inp, out, tmp)
        notes += more
        pred = pd.read_csv(out, parse_dates=["ds"]).rename(columns={"mean": "lstmcast"})
    else:
        if m == "nf_lstm":
            if not args.nf_python:
                notes.append("nf_lstm skipped: pass --nf-python (a virtualenv's python with neuralforecast)")
                return None
            cmd = [args.nf_python, os.path.join(HERE, "nf_runner.py"), "fit", inp, out, "--freq", "MS", "--h", str(H)]
        elif m == "ets":
            ids = train["unique_id"].drop_duplicates().sample(min(args.ets_sample, args.n_series),
                                                             random_state=args.seed)
            sub = os.path.join(tmp, "ets_in.csv")
            train[train["unique_id"].isin(ids)].to_csv(sub, index=False)
            cmd = [sys.executable, os.path.abspath(__file__), "--child", "ets", sub, out]
        else:
            raise SystemExit(f"unknown model {m!r}")
        info, wall, rss, load0, load1 = _timed(cmd, None, args, m)
        pred = pd.read_csv(out, parse_dates=["ds"])
        row = {"fit_forecast_s": info["seconds"], "wall_s": wall, "peak_rss_mb": rss,
               "compiles": np.nan, "load_before": load0, "load_after": load1}
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
    row["loaded"] = "yes" if row["load_before"] > QUIET else ""
    return row, pred


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--child"]:            # a child: KIND and its arguments (lstmcast's own flags pass through)
        kind, *rest = argv[1:]
        print(json.dumps(child_cli(rest) if kind == "cli" else {"ets": child_ets}[kind](*rest)))
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--series", "--n-series", dest="n_series", type=int, default=10_000,
                   help="series in the panel (default 10,000; e.g. --series 500 for a quick run)")
    p.add_argument("--length", type=int, default=120)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--models", default="nf_lstm,lstmcast,ets,snaive")
    p.add_argument("--scope", default="global", choices=["global", "local", "auto"], help="lstmcast fit --scope")
    p.add_argument("--fit-args", default="", help="more lstmcast fit flags, e.g. \"--seeds 10\"")
    p.add_argument("--ets-sample", type=int, default=500, help="series AutoETS runs on (time extrapolated)")
    p.add_argument("--nf-python", default=None, help="python of a virtualenv with neuralforecast")
    p.add_argument("--allow-load", action="store_true",
                   help=f"report time ratios even when the load average before a timing exceeded {QUIET} "
                        "(the row is marked 'loaded')")
    p.add_argument("--wait-quiet", type=float, default=300,
                   help=f"seconds to wait, before each timing, for the 1-minute load average to fall below {QUIET}")
    args = p.parse_args(argv)

    sys.path.insert(0, HERE)
    from synth import synth_panel
    df = synth_panel(args.n_series, args.length, args.seed)
    last = df.groupby("unique_id")["ds"].transform("max")
    is_test = df["ds"] > last - pd.DateOffset(months=H)
    train, test = df[~is_test].reset_index(drop=True), df[is_test].reset_index(drop=True)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    print(f"panel: {args.n_series} synthetic monthly series x {args.length} points (seed {args.seed}), "
          f"last {H} held out; {os.cpu_count()} CPUs; lstmcast: fit --scope {args.scope} {args.fit_args}".rstrip(),
          flush=True)

    rows, notes, preds = {}, [], {}
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "train.csv")
        train.to_csv(inp, index=False)
        for m in models:
            got = run_model(m, args, train, test, tmp, inp, notes)
            if got is None:
                continue
            rows[m], preds[m] = got
            print(f"  {m}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                          for k, v in rows[m].items()), flush=True)

    table = pd.DataFrame.from_dict(rows, orient="index")
    if "ets" in preds:   # every model's MASE on the series AutoETS ran on, for a like-for-like column
        ids = set(preds["ets"]["unique_id"])
        sub_tr, sub_te = train[train["unique_id"].isin(ids)], test[test["unique_id"].isin(ids)]
        table["mase_ets_sample"] = [mase_holdout(preds[m][preds[m]["unique_id"].isin(ids)], m, sub_tr, sub_te)
                                    for m in table.index]
    loaded = [m for m, r in rows.items() if r.get("loaded")]
    if "nf_lstm" in rows:
        ref = rows["nf_lstm"]
        table["mase_vs_nf"] = table["mase"] / ref["mase"]
        if loaded and not args.allow_load:
            notes.append(f"time ratios withheld: the load average before {', '.join(loaded)} exceeded {QUIET}; "
                         "rerun alone on a quiet machine (or pass --allow-load to report them, marked 'loaded')")
        else:
            table["time_vs_nf"] = table.get("fit_forecast_s", np.nan) / ref["fit_forecast_s"]
            table["wall_vs_nf"] = table.get("wall_s", np.nan) / ref["wall_s"]
    print()
    print(table.to_string(float_format="%.3f"))
    for n in notes:
        print(f"note: {n}")


if __name__ == "__main__":
    main()
