"""The resource plan's memory estimate against the resident memory measured while training runs.

    PYTHONPATH=src python benchmarks/bench_plan.py

Each row runs in a fresh process: the trainer is compiled first (compilation not counted), then a
thread samples /proc/self/statm every 2 ms during the call; measured = peak - resident before the
call, estimate = `plan.estimate(...)` without the input windows (which exist before the call).
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

CONFIGS = [  # (windows N, steps T, seeds K, units U, batch B)
    (4096, 4, 4, 16, 4096), (8192, 8, 8, 16, 4096), (20000, 12, 32, 32, 256), (100000, 24, 16, 8, 1024)]

CODE = textwrap.dedent("""
    import os, sys, threading, time, numpy as np, jax
    from lstmcast.engine.model import ModelConfig
    from lstmcast.engine.train import TrainConfig, compiled_train
    from lstmcast.engine.plan import estimate
    N, T, K, U, B = map(int, sys.argv[1:6])
    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    x = np.random.default_rng(0).normal(size=(N, T, 1)).astype(np.float32)
    args = (jax.vmap(jax.random.key)(np.arange(K)), x, x[:, -1], np.ones(N, np.float32))
    run = compiled_train(ModelConfig(1, (U,), 1), TrainConfig(epochs=1, batch_size=B), vmap_keys=True)
    run = run.lower(*args).compile()
    base = rss(); peak = [base]; done = []
    def sample():
        while not done:
            peak[0] = max(peak[0], rss()); time.sleep(0.002)
    t = threading.Thread(target=sample); t.start()
    t0 = time.perf_counter(); jax.block_until_ready(run(*args)); sec = time.perf_counter() - t0
    done.append(1); t.join()
    p = estimate(N, K, T, 1, (U,), 1, B)
    print(peak[0] - base, sum(p.parts.values()) - p.parts["data"], sec)
""")


def main():
    print(f"{'N':>7} {'T':>3} {'K':>3} {'U':>3} {'B':>5} {'measured MiB':>13} {'estimate MiB':>13} "
          f"{'ratio':>6} {'s':>5}")
    for cfg in CONFIGS:
        r = subprocess.run([sys.executable, "-c", CODE, *map(str, cfg)], capture_output=True, text=True,
                           env={**os.environ}, check=True)
        got, est, sec = map(float, r.stdout.split())
        print(f"{cfg[0]:7d} {cfg[1]:3d} {cfg[2]:3d} {cfg[3]:3d} {cfg[4]:5d} {got / 2**20:13.0f} {est / 2**20:13.0f} "
              f"{got / est:6.2f} {sec:5.1f}")


if __name__ == "__main__":
    main()
