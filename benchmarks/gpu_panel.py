"""GPU (or CPU) panel timings: global scope fit + forecast(12) on N synthetic monthly series, and local-scope
series per second. Prints one table; run with PYTHONPATH=src.

    python benchmarks/gpu_panel.py --global-series 10000 100000 --local-series 1000 --seeds 10
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import synth_values  # noqa: E402


def frame(V):
    n, T = V.shape
    return pd.DataFrame({"unique_id": np.repeat(np.arange(n), T),
                         "ds": np.tile(pd.date_range("2010-01-01", periods=T, freq="MS"), n), "y": V.ravel()})


def mase(V, f):
    train, test = V[:, :-12], V[:, -12:]
    scale = np.mean(np.abs(train[:, 12:] - train[:, :-12]), axis=1)
    return float(np.mean(np.mean(np.abs(test - f), axis=1) / scale))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--global-series", type=int, nargs="*", default=[10_000])
    ap.add_argument("--local-series", type=int, nargs="*", default=[1000])
    ap.add_argument("--seeds", type=int, default=10, help="local scope ensemble size")
    ap.add_argument("--epochs", type=int, default=100, help="local scope epochs")
    a = ap.parse_args()
    import jax

    from lstmcast import Forecaster
    print(f"device: {jax.devices()[0]}, jax {jax.__version__}", flush=True)
    rows = []
    for n in a.global_series:
        V = synth_values(n, 120, seed=0)
        df = frame(V[:, :-12])
        t0 = time.perf_counter()
        fc = Forecaster(scope="global").fit(df)
        f = fc.forecast(12)["mean"].to_numpy().reshape(n, 12)
        dt = time.perf_counter() - t0
        rows.append(("global", n, dt, n / dt, mase(V, f)))
        print(rows[-1], flush=True)
    for n in a.local_series:
        V = synth_values(n, 120, seed=0)
        df = frame(V[:, :-12])
        t0 = time.perf_counter()
        fc = Forecaster(scope="local", diff=(12,), seeds=a.seeds, epochs=a.epochs).fit(df)
        f = fc.forecast(12)["mean"].to_numpy().reshape(n, 12)
        dt = time.perf_counter() - t0
        rows.append((f"local ({a.seeds} seeds, diff 12)", n, dt, n / dt, mase(V, f)))
        print(rows[-1], flush=True)
    print(f"\n{'scope':<28} {'series':>8} {'seconds':>9} {'series/s':>9} {'MASE':>7}")
    for s, n, dt, r, m in rows:
        print(f"{s:<28} {n:>8} {dt:>9.1f} {r:>9.1f} {m:>7.3f}")


if __name__ == "__main__":
    main()
