"""Time of a 4-window backtest of a 200-point monthly series (issue: the default model, warm).

    pip install ".[bench]"
    python benchmarks/bench_backtest_time.py

The series is fpp2's `a10` (204 monthly points, from the corpus). Each model runs in its own child
process, twice: "first" is the process's first backtest (imports, programs loaded from the cache; run
the script twice so that the cache is filled), "again" is a second backtest in the same process. The
table also gives the default's time relative to the LSTM alone, measured in the same run.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("LSTMCAST_SRC", os.path.join(HERE, "..", "src"))

CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
sys.path[:0] = [sys.argv[1], sys.argv[2]]
t0 = time.perf_counter()
from corpus import load_corpus
d = {n: df for n, f, m, df in load_corpus()}["a10"]
from lstmcast import Forecaster
kw = {} if sys.argv[3] == "default" else {"model": sys.argv[3]}
out = {}
for run in ("first", "again"):
    t = time.perf_counter()
    Forecaster(**kw).cross_validation(d, h=12, n_windows=4, step_size=12, refit=True)
    out[run] = time.perf_counter() - t
print(json.dumps(out))
"""


def main():
    rows = {}
    for model in ("default", "lstm"):
        p = subprocess.run([sys.executable, "-c", CHILD, HERE, SRC, model], capture_output=True, text=True)
        if p.returncode:
            raise SystemExit(p.stderr[-2000:])
        rows[model] = json.loads(p.stdout.strip().splitlines()[-1])
    print(f"{'model':<10} {'first s':>8} {'again s':>8} {'again / lstm':>13}")
    for model, r in rows.items():
        print(f"{model:<10} {r['first']:8.2f} {r['again']:8.2f} {r['again'] / rows['lstm']['again']:13.2f}")


if __name__ == "__main__":
    main()
