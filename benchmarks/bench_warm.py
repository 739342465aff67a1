"""Cold and warm starts of whole `lstmcast` commands, per compiled program, beside Keras 3.

    python benchmarks/bench_warm.py            # all commands
    python benchmarks/bench_warm.py --quick    # tutorial --framing timesteps --seeds 1 and forecast only

Each command runs twice in fresh processes against one empty cache folder: cold (nothing cached), then
warm (the exported programs and JAX's compilation cache filled by the cold run). Per program it prints
where it came from (export = traced and saved, disk = loaded) and its trace, lower, compile-or-load and
first-run seconds; per process the wall time, the time before the first program was built (imports,
data) and, for the tutorial, the framing's own seconds. Keras 3 (JAX backend) fits the tutorial's
time-steps model (LSTM(4), 100 epochs, batch 1) in the same run, in its own process.

Floors (2-core machine): tutorial --framing timesteps --seeds 1 warm framing >= 30x below Keras's fit;
tutorial (5 x 10) warm process <= 2.5 s, cold <= 15 s; forecast 24 steps warm process <= 1.0 s.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WRAP = """
import json, sys, time
t0 = time.time()
from lstmcast.cli import main
out, sys.argv = sys.argv[1], ["lstmcast", *sys.argv[2:]]
rc = main()                     # as the `lstmcast` program runs it (argv from sys.argv)
t1 = time.time()
ev = []
if "lstmcast.engine.programs" in sys.modules:
    from lstmcast.engine import programs
    ev = [dict(vars(e)) for e in programs.STATS]
json.dump({"rc": rc, "t0": t0, "t1": t1, "events": ev}, open(out, "w"))
"""

KERAS = """
import os, time, json
os.environ["KERAS_BACKEND"] = "jax"
import numpy as np, keras
from lstmcast import datasets
from lstmcast.tutorial import prepare
from lstmcast.prep.windows import frame
xtr, ytr, *_ = prepare(datasets.airline().to_numpy(), 3, False)
x = frame(xtr, "timesteps")
keras.utils.set_random_seed(7)
m = keras.Sequential([keras.Input((3, 1)), keras.layers.LSTM(4), keras.layers.Dense(1)])
m.compile(loss="mean_squared_error", optimizer="adam")
t = time.perf_counter()
m.fit(x, ytr, epochs=100, batch_size=1, verbose=0)
print(json.dumps({"fit": time.perf_counter() - t}))
"""


def env_for(cache):
    return dict(os.environ, PYTHONPATH=str(ROOT / "src"), LSTMCAST_CACHE_DIR=str(cache), MPLBACKEND="Agg")


def run_cli(args, cache, tmp):
    out = Path(tmp) / "events.json"
    t = time.time()
    r = subprocess.run([sys.executable, "-c", WRAP, str(out), *args], env=env_for(cache),
                       capture_output=True, text=True)
    wall = time.time() - t
    if r.returncode != 0:
        raise SystemExit(f"lstmcast {' '.join(args)} failed: {r.stderr.strip()[-800:]}")
    doc = json.loads(out.read_text())
    doc.update(wall=wall, launched=t, stdout=r.stdout)
    return doc


def keras_fit_seconds():
    r = subprocess.run([sys.executable, "-c", KERAS], env=env_for("off"), capture_output=True, text=True)
    if r.returncode != 0:
        return float("nan")
    return json.loads(r.stdout.strip().splitlines()[-1])["fit"]


def show(label, doc):
    ev = doc["events"]
    first = min((e["started"] for e in ev), default=doc["t1"]) - doc["launched"]
    print(f"  {label}: process {doc['wall']:.2f} s, before the first program {first:.2f} s, "
          f"{len(ev)} program(s)")
    for e in ev:
        print(f"    {e['name']:<22} {e['source']:<6} trace {e['trace']:6.3f}  lower {e['lower']:6.3f}  "
              f"compile/load {e['compile'] + e['load']:6.3f}  run {e['first_run']:6.3f}")


def framing_seconds(doc):
    return sum(f["seconds"] for f in json.loads(doc["stdout"])["framings"])


def program_seconds(doc):
    """The tutorial's set-up before its framings ran (loading or compiling their programs)."""
    return json.loads(doc["stdout"]).get("program_seconds", 0.0)


def main():
    quick = "--quick" in sys.argv
    tmp = Path(tempfile.mkdtemp())
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_cli import series_csv
    series_csv(tmp / "s.csv")
    model = tmp / "m"
    out = ["--out", str(tmp / "tut"), "--force", "--json"]
    jobs = [("tutorial --framing timesteps --seeds 1", ["tutorial", "--framing", "timesteps", "--seeds", "1", *out]),
            ("tutorial (5 framings x 10 seeds)", ["tutorial", *out]),
            ("fit 500 pts, 10 seeds, lb 12, --diff 12,1", ["fit", str(tmp / "s.csv"), "--model", str(model),
                                                          "--look-back", "12", "--diff", "12,1", "--force",
                                                          "--quiet"]),
            ("forecast 24 steps", ["forecast", "--model", str(model), "--horizon", "24", "--quiet"]),
            ("evaluate h12 w4", ["evaluate", "--horizon", "12", "--windows", "4", "--seeds", "10", "--quiet"])]
    if quick:
        jobs = [jobs[0], jobs[2], jobs[3]]
    keras_fit = keras_fit_seconds()
    print(f"Keras 3 (JAX backend) fit of the time-steps model, 100 epochs, batch 1: {keras_fit:.2f} s\n")
    summary = []
    for name, args in jobs:
        cache = tmp / ("cache-" + name.split()[0])   # one cache per command: each starts cold
        print(name)
        cold = run_cli(args, cache, tmp)
        show("cold", cold)
        warm = run_cli(args, cache, tmp)
        show("warm", warm)
        extra = ""
        if name.startswith("tutorial"):
            fc, fw = framing_seconds(cold), framing_seconds(warm)
            pc, pw = program_seconds(cold), program_seconds(warm)
            extra = (f"framing s cold {fc:.2f} warm {fw:.3f} (+ programs {pc:.2f} / {pw:.2f}); Keras fit / warm "
                     f"framing = {keras_fit / fw:.1f}x, with its programs {keras_fit / (fw + pw):.1f}x")
        summary.append((name, cold["wall"], warm["wall"], extra))
        print()
    print(f"{'command':<44} {'cold s':>7} {'warm s':>7}  notes")
    for name, c, w, extra in summary:
        print(f"{name:<44} {c:7.2f} {w:7.2f}  {extra}")


if __name__ == "__main__":
    main()
