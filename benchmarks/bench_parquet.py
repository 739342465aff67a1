"""Parquet against CSV: load_panel_csv on the same panel (10,000 series x 120 monthly points, 1.2 M rows)
saved both ways, with a future covariate column beside the values.

    PYTHONPATH=src python benchmarks/bench_parquet.py [--series 10000] [--points 120] [--repeat 3]

Prints the best of `--repeat` wall times of reading each file into a validated Panel (file to Panel,
column finding included) and their ratio, measured in the same run; checks that both give the same panel.
Needs pyarrow (pip install 'lstmcast[parquet]').
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from bench_panel_data import best, make_panel, panel_args

from lstmcast.data.panel import load_panel_csv


def main(argv=None) -> None:
    a = panel_args(__doc__.splitlines()[0], argv)
    df = make_panel(a.series, a.points)
    df["price"] = np.round(1 + np.random.default_rng(1).random(len(df)), 2)
    with tempfile.TemporaryDirectory() as tmp:
        csv, pq = Path(tmp) / "panel.csv", Path(tmp) / "panel.parquet"
        df.to_csv(csv, index=False, date_format="%Y-%m-%d")
        df.to_parquet(pq, index=False)
        mb_csv, mb_pq = csv.stat().st_size / 2**20, pq.stat().st_size / 2**20
        load_panel_csv(pq)                                   # untimed: imports pyarrow once
        t_csv, p_csv = best(lambda: load_panel_csv(csv), a.repeat)
        t_pq, p_pq = best(lambda: load_panel_csv(pq), a.repeat)
    assert len(p_pq) == a.series and list(p_pq.ids) == list(p_csv.ids) and p_pq.freq == p_csv.freq
    assert all(np.array_equal(u, v) for u, v in zip(p_pq.values, p_csv.values))
    print(f"{a.series} series x {a.points} points ({len(df):,} rows), best of {a.repeat}:")
    print(f"  CSV      {mb_csv:7.1f} MB  load_panel_csv {t_csv:7.3f} s")
    print(f"  Parquet  {mb_pq:7.1f} MB  load_panel_csv {t_pq:7.3f} s")
    print(f"  Parquet is {t_csv / t_pq:.1f}x faster than CSV")


if __name__ == "__main__":
    main()
