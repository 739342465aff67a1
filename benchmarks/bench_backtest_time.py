"""Time of a 4-window backtest of a 200-point monthly series (issue: the default model, warm).

    pip install ".[bench]"
    python benchmarks/bench_backtest_time.py

The series is fpp2's `a10` (204 monthly points, from the corpus). Each model runs in its own child
process, twice: "first" is the process's first backtest (imports, programs loaded from the cache; run
the script twice so that the cache is filled), "again" is a second backtest in the same process. The
table also gives the default's time relative to the LSTM alone, measured in the same run. Before each
child the script waits (up to `--wait-quiet` seconds, 300 by default) for the 1-minute load average to
fall below 0.5, and prints the load before and after each; a child that started on a busier machine is
marked `loaded`.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("LSTMCAST_SRC", os.path.join(HERE, "..", "src"))
sys.path.insert(0, HERE)
from bench_panel_scale import QUIET, wait_quiet  # noqa: E402
from phases import load_average  # noqa: E402

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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wait-quiet", type=float, default=300.0,
                    help="seconds to wait for the load average to fall below 0.5 before each child")
    args = ap.parse_args(argv)
    rows = {}
    for model in ("default", "lstm"):
        before = wait_quiet(args.wait_quiet)
        p = subprocess.run([sys.executable, "-c", CHILD, HERE, SRC, model], capture_output=True, text=True)
        if p.returncode:
            raise SystemExit(p.stderr[-2000:])
        rows[model] = {**json.loads(p.stdout.strip().splitlines()[-1]), "before": before, "after": load_average()}
    print(f"{'model':<10} {'first s':>8} {'again s':>8} {'again / lstm':>13} {'load before':>12} {'after':>6}")
    for model, r in rows.items():
        mark = "  loaded" if not r["before"] < QUIET else ""
        print(f"{model:<10} {r['first']:8.2f} {r['again']:8.2f} {r['again'] / rows['lstm']['again']:13.2f}"
              f" {r['before']:12.2f} {r['after']:6.2f}{mark}")


if __name__ == "__main__":
    main()
