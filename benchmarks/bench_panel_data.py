"""Panel data speed: validate_panel and load_panel_csv on 10,000 series x 120 monthly points (1.2 M rows).

    PYTHONPATH=src python benchmarks/bench_panel_data.py [--series 10000] [--points 120] [--repeat 3]

Prints the best of `--repeat` wall times beside pandas' own read_csv of the same file (the reference,
measured in the same run) and the ratio to it. The series start at different months (0-23 months apart).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lstmcast.data.panel import load_panel_csv, validate_panel


def make_panel(n_series: int, n_points: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.array([f"s{i:05d}" for i in range(n_series)], dtype=object)
    start = rng.integers(0, 24, n_series)                                   # (N,) month offsets
    month = (start[:, None] + np.arange(n_points)).reshape(-1)              # (N*T,)
    ds = pd.DatetimeIndex(pd.period_range("2000-01", periods=int(month.max()) + 1, freq="M")
                          .to_timestamp()[month])
    y = np.round(100 + 10 * rng.standard_normal(n_series * n_points), 3)
    return pd.DataFrame({"unique_id": np.repeat(ids, n_points), "ds": ds, "y": y})


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def panel_args(description: str, argv=None) -> argparse.Namespace:
    """--series, --points, --repeat: the panel-reading benchmarks' flags."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--series", type=int, default=10_000)
    ap.add_argument("--points", type=int, default=120)
    ap.add_argument("--repeat", type=int, default=3)
    return ap.parse_args(argv)


def main(argv=None) -> None:
    a = panel_args(__doc__.splitlines()[0], argv)
    df = make_panel(a.series, a.points)
    shuffled = df.sample(frac=1.0, random_state=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "panel.csv"
        df.to_csv(path, index=False, date_format="%Y-%m-%d")
        mb = path.stat().st_size / 2**20
        t_ref, _ = best(lambda: pd.read_csv(path), a.repeat)
        t_ref_str, _ = best(lambda: pd.read_csv(path, dtype=str, keep_default_na=False), a.repeat)
        t_load, p_csv = best(lambda: load_panel_csv(path), a.repeat)
    t_val, p = best(lambda: validate_panel(df), a.repeat)
    t_shuf, p_shuf = best(lambda: validate_panel(shuffled), a.repeat)
    assert p == p_shuf and len(p) == a.series and p.freq == "MS" and p.ok.all()
    assert len(p_csv) == a.series and all(np.array_equal(u, v) for u, v in zip(p.values, p_csv.values))

    print(f"panel: {a.series} series x {a.points} points = {len(df):,} rows; CSV {mb:.1f} MiB; "
          f"best of {a.repeat}")
    print(f"{'step':<44}{'seconds':>9}{'x read_csv':>12}")
    rows = [("pd.read_csv(path)  [reference]", t_ref),
            ("pd.read_csv(path, dtype=str)", t_ref_str),
            ("load_panel_csv(path)", t_load),
            ("validate_panel(frame), rows sorted", t_val),
            ("validate_panel(frame), rows shuffled", t_shuf)]
    for name, t in rows:
        print(f"{name:<44}{t:>9.3f}{t / t_ref:>12.2f}")


if __name__ == "__main__":
    main()
