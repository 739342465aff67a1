"""Small synthetic panels for the report tests: history, cv and forecast frames in the report's shapes."""
import numpy as np
import pandas as pd

MODELS = ["lstm", "naive", "snaive", "ets"]
# a small, quick LSTM for the command-line runs (evaluate always backtests the LSTM beside the baselines)
FAST = ("--epochs", 2, "--seeds", 2, "--units", 4, "--scope", "local", "--diff", 1)


def synthetic_panel(n: int, horizon: int = 6, windows: int = 3, seed: int = 0, min_len: int = 30, max_len: int = 60):
    """n monthly series (seasonal + trend + noise) with a backtest of 4 models and a forecast with intervals."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_len, max_len + 1, n)
    hist, cvs, fcs = [], [], []
    for i, L in enumerate(lengths):
        u = f"S{i:04d}"
        t = np.arange(L + horizon)
        y = 50 + rng.uniform(0, 2) * t + rng.uniform(5, 20) * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6)) \
            + rng.normal(0, 2, len(t))
        ds = pd.date_range(pd.Timestamp("2000-01-01") + pd.DateOffset(months=int(max_len - L)), periods=L + horizon,
                           freq="MS")
        hist.append(pd.DataFrame({"unique_id": u, "ds": ds[:L], "y": y[:L]}))
        cuts = L - 1 - horizon - horizon * np.arange(windows)[::-1]
        rows = np.concatenate([np.arange(c + 1, c + 1 + horizon) for c in cuts])
        truth = y[rows]
        cvs.append(pd.DataFrame({
            "unique_id": u, "ds": ds[rows], "cutoff": np.repeat(ds[cuts], horizon), "y": truth,
            "lstm": truth + rng.normal(0, 1 + 4 * (i % 3), len(rows)),
            "naive": np.concatenate([np.full(horizon, y[c]) for c in cuts]),
            "snaive": np.concatenate([y[c + 1 - 12 + np.arange(horizon) % 12] for c in cuts]),
            "ets": truth + rng.normal(0, 3, len(rows)), "lstm-seed-0": truth}))
        mean = y[L:] + rng.normal(0, 2, horizon)
        fcs.append(pd.DataFrame({"unique_id": u, "ds": ds[L:], "mean": mean, "lo-80": mean - 5, "hi-80": mean + 5,
                                 "lo-95": mean - 9, "hi-95": mean + 9,
                                 "model": "snaive-fallback" if i % 7 == 3 else "lstm"}))
    return pd.concat(hist, ignore_index=True), pd.concat(cvs, ignore_index=True), pd.concat(fcs, ignore_index=True)


def panel_csv(path, n=60, names=("store", "month", "sales")):
    """Three monthly series in a long file (columns `names`: id, time, value); 'c' is constant (falls back)."""
    t = np.arange(n)
    rng = np.random.default_rng(0)
    ds = pd.date_range("2000-01-01", periods=n, freq="MS")
    df = pd.concat([pd.DataFrame({names[0]: u, names[1]: ds, names[2]: y}) for u, y in
                    (("a", 100 + t + 10 * np.sin(t / 2)), ("b", 50 + rng.normal(0, 1, n)), ("c", np.full(n, 7.0)))])
    df.to_csv(path, index=False)
    return df


def embedded(path):
    """The JSON document a report embeds."""
    import json
    import re
    text = open(path, encoding="utf-8").read()
    m = re.search(r'<script type="application/json" id="lc-data">(.*?)</script>', text, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


def decode(values, e):
    return np.array([np.nan if k is None else k / 10.0 ** e for k in values])
