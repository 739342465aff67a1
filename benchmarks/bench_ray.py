"""Local-scope training sharded by series: the local backend (one process) against Ray.

    python benchmarks/bench_ray.py                         # 2,000 series; local, Ray (2 workers), Ray on
                                                           # a head + worker node started as processes
    python benchmarks/bench_ray.py --series 200 --epochs 5 --skip-cluster     # a quick look

Series: S synthetic monthly series of 120 points (level, trend, yearly season, noise; seeded).
Each is standardized and cut into direct 12-step windows (look_back 12: 97 windows); every series
gets its own LSTM(16) + Dense(12), 2 seeds (1, 2), batch 32, trained in shards: one task trains a
shard's series and seeds in one vmapped compiled call (scale.shards.train_windows), every shard
padded to the same size so one program serves all. The same shard list runs on each backend; the
forecasts must agree. Ray's fixed costs are shown apart: start-up, and a round of empty tasks.
On a shared machine, compare also the CPU seconds the tasks took: the same work on every backend,
and cores kept busy = CPU seconds / wall seconds shows how much of the machine each run got.
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

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, SRC)
os.environ["PYTHONPATH"] = os.pathsep.join([SRC, *filter(None, [os.environ.get("PYTHONPATH")])])  # workers


def synthetic(n_series: int, length: int = 120, seed: int = 0) -> np.ndarray:
    """(S, length) positive monthly series with different levels, trends, seasonal shapes and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    level = rng.uniform(50, 500, (n_series, 1))
    trend = rng.uniform(-0.3, 1.0, (n_series, 1)) * level / 100
    amp = rng.uniform(0.05, 0.3, (n_series, 1)) * level
    phase = rng.uniform(0, 2 * np.pi, (n_series, 1))
    noise = rng.normal(0, 1, (n_series, length)) * rng.uniform(0.02, 0.1, (n_series, 1)) * level
    return level + trend * t + amp * np.sin(2 * np.pi * t / 12 + phase) + noise


def noop(task):
    return task


def timed_train(task):
    """train_windows plus the CPU seconds this task's process spent on it."""
    from lstmcast.scale.shards import train_windows
    cpu = time.process_time()
    out = train_windows(task)
    return out, time.process_time() - cpu


def make_tasks(values, args, size):
    from lstmcast.engine.model import ModelConfig
    from lstmcast.engine.train import TrainConfig
    from lstmcast.scale.shards import WindowShard, slices, standard_windows

    x, y, x_last, _ = standard_windows(values, args.look_back, args.horizon)
    mc = ModelConfig(1, (args.units,), args.horizon)
    tc = TrainConfig(epochs=args.epochs, batch_size=args.batch_size)
    w = np.ones(x.shape[:2], np.float32)
    tasks = [WindowShard(mc, tc, x[s], y[s], w[s], seed=1, seeds=args.seeds, x_last=x_last[s], pad_to=size)
             for s in slices(len(values), size)]
    return tasks, x.shape


def run(backend, tasks, label, rows, progress=print):
    """Train the shards on `backend`; appends (label, seconds) to rows; returns forecasts (K, S, h)."""
    from lstmcast.scale.shards import gather
    t = time.perf_counter()
    out = backend.map(timed_train, tasks, desc="shard", progress=progress)
    s = time.perf_counter() - t
    rows.append((label, s))
    cpu = sum(c for _, c in out)
    rows.append(("  CPU seconds of its tasks / wall seconds (cores kept busy)", cpu / s))
    rows.append(("  CPU seconds of its tasks", cpu))
    return gather([r for r, _ in out], "forecast")                              # (K, S, h)


def phase(args, tasks):
    """One backend's runs in this process; returns (rows, forecasts)."""
    from lstmcast.scale import get_backend
    from lstmcast.scale.shards import train_windows

    rows = []
    if args.phase == "local":
        # warm: compile once (and fill the persistent cache that the Ray workers read)
        t = time.perf_counter()
        train_windows(tasks[0])
        rows.append(("compile + first shard in this process (not timed below)", time.perf_counter() - t))
        return rows, run(get_backend("local"), tasks, "local backend, 1 process", rows)
    if args.phase == "ray":
        t = time.perf_counter()
        be = get_backend("ray", workers=args.workers)
        rows.append((f"ray start-up (local instance, {args.workers} CPUs)", time.perf_counter() - t))
        t = time.perf_counter()
        be.map(noop, range(2 * args.workers))
        rows.append(("ray: first tasks (worker processes start)", time.perf_counter() - t))
        t = time.perf_counter()
        be.map(noop, range(100))
        rows.append(("ray: 100 empty tasks, per task", (time.perf_counter() - t) / 100))
        t = time.perf_counter()
        be.map(noop, tasks)
        rows.append((f"ray: {len(tasks)} shards there and back (workers import lstmcast)", time.perf_counter() - t))
        got = run(be, tasks, f"ray backend, {args.workers} workers", rows)
        be.close()
        return rows, got
    from lstmcast.scale.cluster import local_cluster
    t = time.perf_counter()
    half = max(1, args.workers // 2)
    with local_cluster([half, args.workers - half]) as address:
        rows.append(("cluster start-up (ray start: head + worker node)", time.perf_counter() - t))
        be = get_backend("ray", address=address)
        be.map(noop, range(2 * args.workers))
        got = run(be, tasks, f"ray on head + worker node ({half} + {args.workers - half} CPUs)", rows)
        be.close()
    return rows, got


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--series", type=int, default=2000)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--units", type=int, default=16)
    p.add_argument("--look-back", type=int, default=12)
    p.add_argument("--horizon", type=int, default=12)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--shard", type=int, default=0, help="series per task (default: scale.shards.shard_size)")
    p.add_argument("--skip-cluster", action="store_true", help="no head + worker node run")
    p.add_argument("--skip-ray", action="store_true", help="no local Ray instance run")
    p.add_argument("--phase", choices=["local", "ray", "cluster"], help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    from lstmcast.scale.shards import shard_size

    values = synthetic(args.series)
    size = args.shard or shard_size(args.series, args.workers)
    tasks, xshape = make_tasks(values, args, size)
    if args.phase:                      # a child: one backend, in a fresh driver process
        rows, got = phase(args, tasks)
        np.save(args.out + ".npy", got)
        with open(args.out + ".json", "w") as f:
            json.dump(rows, f)
        return

    print(f"{args.series} series x {args.seeds} seeds, windows {xshape[1:]}, {len(tasks)} shards of {size}, "
          f"{args.epochs} epochs, batch {args.batch_size}, LSTM({args.units}) -> {args.horizon}", flush=True)
    rows, got = [], {}
    phases = ["local"] + ([] if args.skip_ray else ["ray"]) + ([] if args.skip_cluster else ["cluster"])
    with tempfile.TemporaryDirectory() as tmp:
        for ph in phases:       # each in its own process: one Ray driver per process, as in real use
            out = os.path.join(tmp, ph)
            argv = [a for a in (argv if argv is not None else sys.argv[1:])]
            subprocess.run([sys.executable, __file__, *argv, "--phase", ph, "--out", out], check=True)
            with open(out + ".json") as f:
                rows += [tuple(r) for r in json.load(f)]
            got[ph] = np.load(out + ".npy")
    local = next(s for label, s in rows if label.startswith("local backend"))
    print(f"\n{'':62s} {'seconds':>9s} {'speed-up':>9s}")
    for label, s in rows:
        ratio = f"{local / s:8.2f}x" if label.startswith(("local backend", "ray backend", "ray on")) else ""
        print(f"{label:62s} {s:9.3f} {ratio:>9s}")
    for ph in phases[1:]:
        print(f"max |forecast({ph}) - forecast(local)| = {np.max(np.abs(got[ph] - got['local'])):.2e} "
              f"(standardized units; {got[ph].size} values)")


if __name__ == "__main__":
    main()
