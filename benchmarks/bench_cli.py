"""Wall time of whole `lstmcast` commands in fresh processes, cold (empty compilation cache) and warm.

    python benchmarks/bench_cli.py

fit: a 500-point series, 10-seed ensemble, 100 epochs, look_back 12 (floor 15 s; default recipe floor 20 s),
with the default automatic differencing (a validation step before the fit) and with a fixed one;
forecast: 24 steps from the saved model (floor 3 s); evaluate on the airline series:
--horizon 12 --windows 4 --seeds 10 (floor 30 s) and --horizon 1 --windows 48 --refit --seeds 10 (floor 120 s).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def series_csv(path: Path, n: int = 500):
    rng = np.random.default_rng(0)
    t = np.arange(n)
    y = 200 + 0.5 * t + 30 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 5, n).cumsum() * 0.3
    pd.DataFrame({"month": pd.date_range("1980-01-01", periods=n, freq="MS").strftime("%Y-%m"),
                  "value": np.round(y, 2)}).to_csv(path, index=False)


def timed(args, cache):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), LSTMCAST_CACHE_DIR=str(cache))
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "lstmcast", *args], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"lstmcast {' '.join(args)} failed: {r.stderr.strip()[-500:]}")
    return time.perf_counter() - t


def main():
    tmp = Path(tempfile.mkdtemp())
    series_csv(tmp / "s.csv")
    cache = tmp / "cache"
    jobs = [
        ("fit 500 pts, 10 seeds, 100 ep, lb 12", ["fit", str(tmp / "s.csv"), "--model", str(tmp / "m"), "--look-back",
                                                  "12", "--seeds", "10", "--epochs", "100", "--force", "--quiet"], 15),
        ("fit, same, fixed --diff 12,1", ["fit", str(tmp / "s.csv"), "--model", str(tmp / "m2"), "--look-back", "12",
                                          "--seeds", "10", "--epochs", "100", "--diff", "12,1", "--force", "--quiet"],
         15),
        ("forecast 24 steps", ["forecast", "--model", str(tmp / "m"), "--horizon", "24", "--quiet"], 3),
        ("forecast 24 steps, level 80 95", ["forecast", "--model", str(tmp / "m"), "--horizon", "24", "--level", "80",
                                            "95", "--quiet"], 3),
        ("evaluate h12 w4 refit", ["evaluate", "--horizon", "12", "--windows", "4", "--seeds", "10", "--quiet"], 30),
        ("evaluate h1 w48 refit", ["evaluate", "--horizon", "1", "--windows", "48", "--refit", "--seeds", "10",
                                   "--quiet"], 120),
        ("evaluate h1 w48 no-refit", ["evaluate", "--horizon", "1", "--windows", "48", "--no-refit", "--seeds", "10",
                                      "--quiet"], None),
    ]
    print(f"{'command':<36} {'cold s':>7} {'warm s':>7} {'floor s':>8}")
    for name, args, floor in jobs:
        cold = timed(args, cache)          # the first run fills the compilation cache
        warm = timed(args, cache)
        print(f"{name:<36} {cold:7.1f} {warm:7.1f} {floor if floor else '-':>8}", flush=True)


if __name__ == "__main__":
    main()
