"""The tutorial's five experiments: Keras 3 (5 seeds) against lstmcast faithful mode (30 seeds), one run.

    python benchmarks/bench_tutorial.py [--keras-python PATH] [--keras-seeds 5] [--seeds 30]

Keras is ported only as Keras 3 requires (`keras.Input(batch_shape=...)`, per-layer `reset_state()`);
the three stateless framings run on Keras's JAX backend, the two stateful ones on TensorFlow (the JAX
backend ignores stateful=True). Keras runs in a subprocess; --keras-python names an interpreter that
has keras (and tensorflow for the stateful two). Both sides get the tutorial's exact arrays.
Prints per framing both test-RMSE distributions and their difference in standard errors.
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

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

KERAS = r"""
import json, sys, time, numpy as np, keras
d = np.load(sys.argv[1]); units = [int(u) for u in d["units"]]; stateful = bool(d["stateful"])
xtr, ytr, xte, yte, lo, hi = d["xtr"], d["ytr"], d["xte"], d["yte"], d["lo"], d["hi"]
inv = lambda a: a * (hi - lo) + lo
out = []
for seed in range(int(d["seeds"])):
    keras.utils.set_random_seed(seed)
    inp = keras.Input(batch_shape=(1,) + xtr.shape[1:]) if stateful else keras.Input(xtr.shape[1:])
    h = inp
    for i, u in enumerate(units):
        h = keras.layers.LSTM(u, stateful=stateful, return_sequences=i < len(units) - 1)(h)
    m = keras.Model(inp, keras.layers.Dense(1)(h)); m.compile(loss="mean_squared_error", optimizer="adam")
    reset = lambda: [l.reset_state() for l in m.layers if getattr(l, "stateful", False)]
    t = time.perf_counter()
    if stateful:
        for _ in range(100):
            m.fit(xtr, ytr, epochs=1, batch_size=1, verbose=0, shuffle=False); reset()
    else:
        m.fit(xtr, ytr, epochs=100, batch_size=1, verbose=0)
    s = time.perf_counter() - t
    ptr = m.predict(xtr, batch_size=1, verbose=0); reset(); pte = m.predict(xte, batch_size=1, verbose=0)
    rm = lambda p, y: float(np.sqrt(np.mean((inv(p[:, 0]) - inv(y[:, 0])) ** 2)))
    out.append({"train": rm(ptr, ytr), "test": rm(pte, yte), "seconds": s})
print(json.dumps(out))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keras-python", default=sys.executable)
    ap.add_argument("--keras-seeds", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=30)
    a = ap.parse_args()
    from lstmcast import datasets
    from lstmcast.prep.windows import frame
    from lstmcast.tutorial import PRESETS, prepare, run_framing
    y = datasets.airline().to_numpy()
    rows = []
    for name, (lb, framing, units, stateful) in PRESETS.items():
        xtr, ytr, xte, yte, _, _, lo, hi = prepare(y, lb, faithful=True)
        path = os.path.join(tempfile.mkdtemp(), "d.npz")
        np.savez(path, xtr=frame(xtr, framing), ytr=ytr, xte=frame(xte, framing), yte=yte, lo=lo, hi=hi,
                 units=np.array(units), stateful=stateful, seeds=a.keras_seeds)
        env = dict(os.environ, KERAS_BACKEND="tensorflow" if stateful else "jax", CUDA_VISIBLE_DEVICES="",
                   TF_CPP_MIN_LOG_LEVEL="3")
        t = time.perf_counter()
        r = subprocess.run([a.keras_python, "-c", KERAS, path], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{name}: Keras failed: {r.stderr.strip().splitlines()[-1:]}", flush=True)
            continue
        k = json.loads(r.stdout.strip().splitlines()[-1])
        k_secs = time.perf_counter() - t
        t = time.perf_counter()
        res = run_framing(y, name, seeds=a.seeds, faithful=True, seed0=0)
        ours_secs = time.perf_counter() - t
        kt = np.array([v["test"] for v in k])
        se = np.sqrt(kt.var(ddof=1) / len(kt) + res.test_rmse.var(ddof=1) / len(res.test_rmse))
        rows.append((name, kt, np.array([v["train"] for v in k]), res, (res.test_rmse.mean() - kt.mean()) / se,
                     k_secs, ours_secs))
        print(f"{name}: done (Keras {k_secs:.0f} s, lstmcast {ours_secs:.1f} s)", flush=True)
    print(f"\nKeras 3: {a.keras_seeds} seeds per framing; lstmcast faithful: {a.seeds} seeds. Test RMSE, "
          "thousands of passengers")
    print(f"{'framing':<11} {'Keras test':>22} {'lstmcast test':>22} {'diff/SE':>8} {'Keras train':>14} "
          f"{'lstmcast train':>15} {'Keras s':>8} {'ours s':>7}")
    for name, kt, ktr, res, z, ks, os_ in rows:
        print(f"{name:<11} {kt.mean():8.2f} ± {kt.std(ddof=1):5.2f} (n={len(kt):2d}) "
              f"{res.test_rmse.mean():8.2f} ± {res.test_rmse.std(ddof=1):5.2f} (n={len(res.test_rmse):2d}) "
              f"{z:8.2f} {ktr.mean():7.2f} ± {ktr.std(ddof=1):4.2f} {res.train_rmse.mean():8.2f} ± "
              f"{res.train_rmse.std(ddof=1):4.2f} {ks:8.1f} {os_:7.1f}")


if __name__ == "__main__":
    main()
