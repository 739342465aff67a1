"""HTML report size and load time in headless Chromium, for synthetic panels of growing size.

    python benchmarks/bench_report.py                       # 1, 1,000 and 10,000 series
    python benchmarks/bench_report.py --series 1000 --keep /tmp/r

Floors (issue 12): the airline evaluate report and a 1,000-series report load in <= 5 s; a 10,000-series
report is <= 25 MB. ("write s" of the airline row includes its backtest.)
Load time = from navigation start to the page's ready flag (first chart drawn), read from the page's
own performance clock ("cold": the file's first load; "warm": loaded again, plotly.js compiled and
cached), and the wall time of the cold load seen from Python. The reference row is a page with the
same plotly.js and one small chart (what any plotly report costs), measured cold in the same run.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def synthetic_panel(n: int, horizon: int = 12, windows: int = 3, seed: int = 0, min_len: int = 60, max_len: int = 144):
    """history, cv, forecast frames of n monthly series (seasonal + trend + noise), four models."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_len, max_len + 1, n)
    ids = np.array([f"S{i:05d}" for i in range(n)])
    start = pd.Timestamp("2000-01-01")
    hist, cvs, fcs = [], [], []
    for i, (u, L) in enumerate(zip(ids, lengths)):
        t = np.arange(L + horizon)
        y = 100 + rng.uniform(0, 2) * t + rng.uniform(5, 30) * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6)) \
            + rng.normal(0, 3, len(t))
        ds = pd.date_range(start + pd.DateOffset(months=int(max_len - L)), periods=L + horizon, freq="MS")
        hist.append(pd.DataFrame({"unique_id": u, "ds": ds[:L], "y": y[:L]}))
        cuts = L - 1 - horizon - horizon * np.arange(windows)[::-1]
        rows = np.concatenate([np.arange(c + 1, c + 1 + horizon) for c in cuts])
        truth = y[rows]
        snaive = np.concatenate([y[c + 1 - 12 + (np.arange(horizon) % 12)] for c in cuts])
        naive = np.concatenate([np.full(horizon, y[c]) for c in cuts])
        cvs.append(pd.DataFrame({"unique_id": u, "ds": ds[rows], "cutoff": np.repeat(ds[cuts], horizon), "y": truth,
                                 "lstm": truth + rng.normal(0, 4, len(rows)), "naive": naive, "snaive": snaive,
                                 "ets": truth + rng.normal(0, 5, len(rows))}))
        mean = y[L:] + rng.normal(0, 3, horizon)
        fcs.append(pd.DataFrame({"unique_id": u, "ds": ds[L:], "mean": mean, "lo-80": mean - 8, "hi-80": mean + 8,
                                 "lo-95": mean - 12, "hi-95": mean + 12,
                                 "model": "snaive-fallback" if i % 17 == 3 else "lstm"}))
    return pd.concat(hist, ignore_index=True), pd.concat(cvs, ignore_index=True), pd.concat(fcs, ignore_index=True)


def evaluation_for(per: pd.DataFrame, horizon=12, windows=3) -> dict:
    from lstmcast.report.tables import gmean, wins
    w = wins(per)
    return {"horizon": horizon, "windows": windows, "step": horizon, "refit": True, "season_length": 12,
            "series": int(per["unique_id"].nunique()),
            "models": {m: {"mase": float(g["mase"].mean()), "mase_median": float(g["mase"].median()),
                           "mase_gmean": gmean(g["mase"]), "wins": w[m], "rmse": float(g["rmse"].mean()),
                           "mae": float(g["mae"].mean()), "smape": float(g["smape"].mean()), "seconds": 0.0}
                       for m, g in per.groupby("model")}}


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000"):
        o.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def load_seconds(driver, path: Path) -> tuple[float, float]:
    """(page's own ms to ready / 1000, wall seconds from driver.get to ready)."""
    from selenium.webdriver.support.ui import WebDriverWait
    driver.get("about:blank")
    t0 = time.perf_counter()
    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.body && document.body.dataset.ready"))
    wall = time.perf_counter() - t0
    return driver.execute_script("return window.lstmcastReport.readyAt") / 1000, wall


def timed(driver, path: Path, repeats: int = 3) -> tuple[float, float, float]:
    """(cold, cold wall, warm): medians over `repeats` fresh copies of the file (nothing cached) and reloads."""
    import shutil
    cold = []
    for k in range(repeats):
        copy = path.with_name(f"{path.stem}-copy{k}-{time.time_ns()}.html")
        shutil.copyfile(path, copy)
        cold.append(load_seconds(driver, copy))
        copy.unlink()
    warm = [load_seconds(driver, path)[0] for _ in range(repeats)]
    return float(np.median([c[0] for c in cold])), float(np.median([c[1] for c in cold])), float(np.median(warm))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", type=int, nargs="+", default=[1, 1000, 10000])
    ap.add_argument("--keep", default=None, help="folder to keep the reports in")
    a = ap.parse_args()
    from lstmcast.report.html import write_report
    from lstmcast.report.tables import series_metrics
    folder = Path(a.keep or tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    driver = browser()
    rows = []
    try:
        from plotly.offline import get_plotlyjs
        ref = folder / f"plotly-one-chart-{time.time_ns()}.html"   # a new name: nothing cached
        ref.write_text("<!doctype html><html><body><div id=c style='height:400px'></div><script>" + get_plotlyjs() +
                       "</script><script>Plotly.react('c',[{x:['2000-01-01','2000-02-01'],y:[1,2]}]);"
                       "window.lstmcastReport={readyAt:performance.now()};document.body.dataset.ready='1'</script></body></html>")
        warm_up = folder / f"warm-up-{time.time_ns()}.html"                  # the browser's own start-up costs
        warm_up.write_text(ref.read_text())
        load_seconds(driver, warm_up)
        rows.append(("plotly.js, 1 chart", ref.stat().st_size / 1e6, 0.0, *timed(driver, ref)))
        # the airline evaluate report; evaluate always backtests the LSTM: a small quick one here (its size
        # changes the write time, not the page weight)
        from lstmcast.cli import main as lstmcast_main
        air = folder / f"airline-{time.time_ns()}.html"
        t0 = time.perf_counter()
        lstmcast_main(["evaluate", "--horizon", "12", "--windows", "3", "--models", "naive,snaive,drift,ets,arima",
                       "--epochs", "2", "--seeds", "2", "--units", "4", "--scope", "local", "--diff", "1",
                       "--report", str(air), "--quiet"])
        write_s = time.perf_counter() - t0
        rows.append(("airline evaluate", air.stat().st_size / 1e6, write_s, *timed(driver, air)))
        for n in a.series:
            hist, cv, fc = synthetic_panel(n)
            t0 = time.perf_counter()
            ev = evaluation_for(series_metrics(cv, hist, ["lstm", "naive", "snaive", "ets"], 12))
            path = write_report(folder / f"panel-{n}-{time.time_ns()}.html", evaluation=ev, cv=cv, history=hist,
                                forecast=fc)
            write_s = time.perf_counter() - t0
            rows.append((f"{n:,} series", path.stat().st_size / 1e6, write_s, *timed(driver, path)))
    finally:
        driver.quit()
    print("cold = first load of a new file (read, parse, compile plotly.js, draw); warm = loaded again; "
          "medians of 3")
    print(f"{'report':<19} {'MB':>6} {'write s':>8} {'cold s':>7} {'wall s':>7} {'warm s':>7} {'cold / ref':>11}")
    for name, mb, ws, cold, wall, warm in rows:
        print(f"{name:<19} {mb:6.1f} {ws:8.1f} {cold:7.2f} {wall:7.2f} {warm:7.2f} {cold / rows[0][3]:11.2f}")
    print("floors: airline and 1,000 series ready <= 5 s; 10,000 series <= 25 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
