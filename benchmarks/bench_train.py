"""Training speed: lstmcast's compiled loop against Keras 3 on the tutorial's time-steps model.

    python benchmarks/bench_train.py                 # CPU; K up to 1000
    python benchmarks/bench_train.py --k 1 10 100 1000 10000 100000 --no-keras   # e.g. on a GPU

Model: LSTM(4) + Dense(1), look_back 3 (3 steps x 1 feature), 100 epochs, batch 1, shuffle, Adam;
the airline series scaled to [0, 1], train = the first 96 months (92 windows, ~9,200 Adam steps).
Keras runs in a subprocess per backend (each backend must be chosen before keras is imported).
Prints a table: compile s, train s per model, ratio to the fastest Keras, peak memory.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

KERAS = r"""
import json, os, sys, time, numpy as np
import keras
d = np.load(sys.argv[1]); x, y = d["x"], d["y"]
keras.utils.set_random_seed(7)
m = keras.Sequential([keras.Input((3, 1)), keras.layers.LSTM(4), keras.layers.Dense(1)])
m.compile(loss="mean_squared_error", optimizer="adam")
t = time.perf_counter(); m.fit(x, y, epochs=100, batch_size=1, verbose=0); s = time.perf_counter() - t
print(json.dumps({"seconds": s, "loss": float(m.evaluate(x, y, verbose=0))}))
"""


def data():
    from lstmcast import datasets
    from lstmcast.tutorial import prepare
    xtr, ytr, *_ = prepare(datasets.airline().to_numpy(), 3, faithful=True)
    return xtr, ytr


def keras_time(backend: str, path: str) -> dict | None:
    env = dict(os.environ, KERAS_BACKEND=backend, CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="3")
    r = subprocess.run([sys.executable, "-c", KERAS, path], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, nargs="+", default=[1, 10, 100, 1000])
    ap.add_argument("--no-keras", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    import jax

    from lstmcast.engine.model import ModelConfig
    from lstmcast.engine.train import TrainConfig, compiled_train

    x, y = data()
    w = np.ones(len(x), np.float32)
    rows, ref = [], None
    if not a.no_keras and importlib.util.find_spec("keras"):
        import tempfile
        path = os.path.join(tempfile.mkdtemp(), "d.npz")
        np.savez(path, x=x, y=y)
        for backend in ("jax", "tensorflow", "torch"):
            if importlib.util.find_spec(backend) is None:
                continue
            r = keras_time(backend, path)
            if r:
                rows.append((f"Keras 3 ({backend})", 1, None, r["seconds"], r["loss"]))
                ref = r["seconds"] if ref is None else min(ref, r["seconds"])
    mc, tc = ModelConfig(1, (4,)), TrainConfig(epochs=100, batch_size=1, shuffle=True)
    for k in a.k:
        fn = compiled_train(mc, tc, vmap_keys=k > 1)
        keys = jax.vmap(jax.random.key)(np.arange(k)) if k > 1 else jax.random.key(0)
        t = time.perf_counter()
        lowered = fn.lower(keys, x, y, w)
        compiled = lowered.compile()
        comp = time.perf_counter() - t
        best = np.inf
        for _ in range(a.repeat if k <= 1000 else 1):
            t = time.perf_counter()
            p, m = compiled(keys, x, y, w)
            jax.block_until_ready(p)
            best = min(best, time.perf_counter() - t)
        loss = float(np.mean(np.asarray(m["loss"])[..., -1]))
        rows.append((f"lstmcast K={k}", k, comp, best, loss))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    dev = jax.devices()[0]
    print(f"device: {dev.platform} ({dev.device_kind}), jax {jax.__version__}, {os.cpu_count()} CPUs")
    print(f"{'run':<22} {'compile s':>9} {'train s':>9} {'s/model':>10} {'x Keras':>9} {'final loss':>10}")
    for name, k, comp, secs, loss in rows:
        per = secs / k
        ratio = f"{ref / per:9.0f}" if ref and not name.startswith("Keras") else f"{(ref / secs if ref else 1):9.2f}"
        print(f"{name:<22} {('%.2f' % comp) if comp is not None else '-':>9} {secs:9.3f} {per:10.5f} {ratio} "
              f"{loss:10.5f}")
    print(f"peak memory (this process): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
