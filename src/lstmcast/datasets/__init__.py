"""Bundled datasets.

    y = airline()   # 144 monthly totals, 1949-01 .. 1960-12, thousands of passengers
    v = airline_values()   # the same values as a float64 array, without pandas
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..data import load_csv

AIRLINE_CSV = Path(__file__).with_name("international-airline-passengers.csv")


def airline():
    """Box & Jenkins series G: international airline passengers, monthly totals in thousands.

    Read from the original download's CSV (3-line footer included) by the general loader.
    """
    y = load_csv(AIRLINE_CSV, time_col=0, value_col=1)
    y.name, y.index.name = "passengers", "month"
    return y


def airline_values():
    """The airline series' 144 values (float64 numpy array), read without pandas (fast start-up)."""
    vals = []
    with open(AIRLINE_CSV, newline="") as f:
        for row in csv.reader(f):
            if len(row) == 2:
                try:
                    vals.append(float(row[1]))
                except ValueError:
                    continue   # the header
    return np.asarray(vals, np.float64)
