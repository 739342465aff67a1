"""Zero-shot speed: the pretrained LSTM forecasts N series of L points (issue 22's floor: 1,000 x 200 under 2 s warm).

    python benchmarks/bench_zeroshot.py                    # 1,000 series x 200 points, h = 12, levels 80 and 95
    python benchmarks/bench_zeroshot.py --n 64 --length 50 # a quick check

Cold = the first call of the process (weights loaded, the bucket's program compiled or read from the cache);
warm = the best of --repeat later calls. Run it on a quiet machine.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.environ.get("LSTMCAST_SRC",
                                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")))


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--length", type=int, default=200)
    p.add_argument("--horizon", type=int, default=12)
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args(argv)
    from lstmcast.models.pretrained import forecast_arrays
    rng = np.random.default_rng(0)
    t = np.arange(a.length)
    series = [50 + rng.normal(0, 1, a.length).cumsum() + 5 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6))
              for _ in range(a.n)]
    t0 = time.perf_counter()
    forecast_arrays(series, 12, a.horizon, levels=(80, 95))
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        point, _ = forecast_arrays(series, 12, a.horizon, levels=(80, 95))
        warm.append(time.perf_counter() - t0)
    assert np.isfinite(point).all()
    print(f"{a.n} series x {a.length} points, h={a.horizon}: cold {cold:.2f} s, warm {min(warm):.3f} s "
          f"(best of {a.repeat})")


if __name__ == "__main__":
    main()
