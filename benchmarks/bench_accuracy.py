"""Accuracy benchmark: lstmcast against AutoETS, AutoARIMA, AutoTheta, seasonal naive (and NeuralForecast's LSTM)
on the real series and real panels of corpus.py, under the fixed rolling-origin protocol of protocol.py.

    pip install ".[bench]"
    python benchmarks/bench_accuracy.py                        # corpus + panels, all models
    python benchmarks/bench_accuracy.py --set panels --nf-python /work/venv-nf/bin/python
    python benchmarks/bench_accuracy.py --set corpus --models snaive,ets --out results.csv
    python benchmarks/bench_accuracy.py --half design        # tune on the design half only (corpus.py split)
    python benchmarks/bench_accuracy.py --set corpus --half design --level 80 95   # with the interval scores

Per series set (the single-series corpus by frequency, and each panel) it prints one row per model:
mean and geometric-mean MASE over series, wins (series where the model is best), and seconds; with
--level (default 80 95), a second table per set: each model's mean coverage and MSIS per level and its
scaled quantile loss over series (protocol.series_intervals).
statsforecast baselines run through `StatsForecast.cross_validation` (n_jobs=1, numba warmed up first);
lstmcast through `Forecaster(<defaults>).cross_validation`; NeuralForecast in its own interpreter
(`--nf-python`, run by nf_runner.py; skipped with a note when not given). Nothing is tuned: the protocol
depends only on season and length, and every model runs with its defaults.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.environ.get("LSTMCAST_SRC", os.path.join(HERE, "..", "src")))  # which lstmcast to run

from corpus import load_corpus, load_panels  # noqa: E402
from protocol import interval_summary, plan, series_intervals, series_mase, summary  # noqa: E402

BASELINES = ("snaive", "ets", "arima", "theta")


def _sf_model(name: str, season: int):
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, SeasonalNaive
    cls = {"snaive": SeasonalNaive, "ets": AutoETS, "arima": AutoARIMA, "theta": AutoTheta}[name]
    return cls(season_length=season, alias=name)


def run_baseline(name, df, freq, season, h, n_windows, levels=()):
    from statsforecast import StatsForecast
    t = time.perf_counter()
    sf = StatsForecast(models=[_sf_model(name, season)], freq=freq, n_jobs=1)
    cv = sf.cross_validation(df=df, h=h, n_windows=n_windows, step_size=h, refit=True, level=list(levels) or None)
    return cv.reset_index() if "unique_id" not in cv.columns else cv, time.perf_counter() - t


def warm_up(models, seasons):
    """Compile statsforecast's numba kernels once, outside the timings."""
    import numpy as np
    for season in seasons:
        n = 4 * 12 + 12
        y = 10 + np.sin(np.arange(n) * 2 * np.pi / max(season, 2)) + 0.1 * np.arange(n)
        df = pd.DataFrame({"unique_id": "w", "ds": pd.date_range("2000-01-01", periods=n, freq="MS"), "y": y})
        for m in models:
            if m in BASELINES:
                run_baseline(m, df, "MS", season, 12, 1)


def lstmcast_status() -> str | None:
    """None when the panel API (Forecaster.cross_validation on a long frame) exists, else why not."""
    try:
        from lstmcast import Forecaster
    except Exception as e:  # noqa: BLE001 - any import failure means: skip with the reason
        return f"lstmcast not importable ({e})"
    if not hasattr(Forecaster, "cross_validation"):
        return "lstmcast's panel API (Forecaster.cross_validation) is not there yet"
    return None


def run_lstmcast(df, freq, season, h, n_windows, scope, levels=()):
    from lstmcast import Forecaster
    kwargs = {} if scope == "default" else {"scope": scope}
    t = time.perf_counter()
    cv = Forecaster(**kwargs).cross_validation(df, h=h, n_windows=n_windows, step_size=h, refit=True,
                                               level=list(levels) or None)
    if "combo" not in cv.columns:          # a pure-LSTM default: both rows are the same model
        for c in [c for c in cv.columns if c == "lstm" or c.startswith(("lstm-lo-", "lstm-hi-"))]:
            cv["combo" + c[4:]] = cv[c]
    return cv.rename(columns={c: "lstmcast" + c[5:] for c in cv.columns if c == "combo" or c.startswith("combo-")}), \
        time.perf_counter() - t


def bands(cv, name, levels) -> list:
    """The `name-lo-L` / `name-hi-L` columns of cv."""
    return [c for c in (f"{name}-{b}-{lv}" for lv in levels for b in ("lo", "hi")) if c in cv.columns]


def run_pretrained(df, freq, season, h, n_windows, levels=()):
    """The pretrained LSTM, zero-shot: no training, one batched forward pass per window."""
    from lstmcast import Forecaster
    t = time.perf_counter()
    cv = Forecaster(model="pretrained", season_length=season).cross_validation(df, h=h, n_windows=n_windows,
                                                                              step_size=h, level=list(levels) or None)
    src = "combo" if "combo" in cv.columns else "lstm"
    cv = cv.rename(columns={c: "pretrained" + c[len(src):] for c in cv.columns
                            if c == src or c.startswith((f"{src}-lo-", f"{src}-hi-"))})
    return cv, time.perf_counter() - t


def run_nf(nf_python, df, freq, h, n_windows):
    with tempfile.TemporaryDirectory() as tmp:   # also keeps lightning's files out of the work tree
        inp, out = os.path.join(tmp, "in.csv"), os.path.join(tmp, "out.csv")
        df.to_csv(inp, index=False)
        cmd = [nf_python, os.path.join(HERE, "nf_runner.py"), "cv", inp, out, "--freq", freq,
               "--h", str(h), "--n-windows", str(n_windows)]
        proc = subprocess.Popen(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            stdout, stderr = proc.communicate()
        finally:
            if proc.poll() is None:   # interrupted: do not leave the child training
                proc.kill()
        if proc.returncode != 0:
            raise RuntimeError(f"NeuralForecast run failed:\n{stderr[-2000:]}")
        info = json.loads(stdout.strip().splitlines()[-1])
        cv = pd.read_csv(out, parse_dates=["ds", "cutoff"])
    return cv, info["seconds"]


def evaluate_set(label, df, freq, season, models, args, notes):
    """Run every model on one set (a panel or one frequency of the corpus) and return (per_series, seconds)."""
    h, n_windows = plan(season, int(df.groupby("unique_id").size().min()))
    cvs, seconds, extra = [], {}, {}
    for m in models:
        if m in BASELINES:
            cv, s = run_baseline(m, df, freq, season, h, n_windows, args.level)
        elif m == "lstmcast":
            why = lstmcast_status()
            if why:
                notes.add(f"lstmcast skipped: {why}")
                continue
            cv, s = run_lstmcast(df, freq, season, h, n_windows, args.scope, args.level)
            extra["lstm"] = cv[["unique_id", "ds", "cutoff", "lstm", *bands(cv, "lstm", args.level)]]   # the LSTM alone
            seconds["lstm"] = s
        elif m == "pretrained":
            cv, s = run_pretrained(df, freq, season, h, n_windows, args.level)
        elif m == "nf_lstm":
            if not args.nf_python:
                notes.add("NeuralForecast LSTM skipped: pass --nf-python /path/to/venv/bin/python "
                          "(a virtualenv with neuralforecast installed)")
                continue
            cv, s = run_nf(args.nf_python, df, freq, h, n_windows)
        else:
            raise SystemExit(f"unknown model {m!r}; choose from "
                             f"{', '.join(BASELINES + ('lstmcast', 'pretrained', 'nf_lstm'))}")
        cv["cutoff"], cv["ds"] = pd.to_datetime(cv["cutoff"]), pd.to_datetime(cv["ds"])
        key = ["unique_id", "ds", "cutoff"]
        cvs.append(cv[key + (["y"] if not cvs else []) + [m] + bands(cv, m, args.level)])
        seconds[m] = s
        print(f"  {label}: {m} {s:.1f}s", file=sys.stderr, flush=True)
    cv = cvs[0]
    for other in cvs[1:] + list(extra.values()):
        n = len(cv)
        cv = cv.merge(other, on=["unique_id", "ds", "cutoff"], how="inner")
        if len(cv) != n:
            raise RuntimeError(f"{label}: forecasts of different models do not cover the same (unique_id, ds, cutoff)")
    if args.save_cv:
        os.makedirs(args.save_cv, exist_ok=True)
        cv.to_csv(os.path.join(args.save_cv, label.replace(" ", "_") + ".csv"), index=False)
    done = [m for m in models + list(extra) if m in cv.columns]
    ivs = series_intervals(cv, df, season, done, args.level) if args.level else None
    return series_mase(cv, df, season, done), seconds, h, n_windows, ivs


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--set", choices=["corpus", "panels", "all"], default="all")
    p.add_argument("--models", default="lstmcast,pretrained,nf_lstm,snaive,ets,arima,theta",
                   help="comma-separated: lstmcast, pretrained (zero-shot), nf_lstm, snaive, ets, arima, theta")
    p.add_argument("--half", choices=["design", "test", "all"], default="all",
                   help="corpus half (corpus.py split): design while developing, test once for the report")
    p.add_argument("--only", default="", help="comma-separated set names to run (e.g. prison,fertility)")
    p.add_argument("--level", type=int, nargs="*", default=[80, 95],
                   help="interval levels scored (coverage, MSIS, scaled quantile loss); none: --level with no value")
    p.add_argument("--scope", default="default", help="lstmcast Forecaster scope; 'default' passes none")
    p.add_argument("--nf-python", default=None, help="python of a virtualenv with neuralforecast")
    p.add_argument("--out", default=None, help="write the per-series MASE table to this CSV")
    p.add_argument("--save-cv", default=None, help="write each set's cross-validation forecasts to DIR/<set>.csv")
    args = p.parse_args(argv)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    only = {s.strip() for s in args.only.split(",") if s.strip()}

    sets = []
    if args.set in ("corpus", "all"):
        corpus = load_corpus(args.half)
        for freq, season in (("MS", 12), ("QS", 4), ("YS", 1)):
            members = [(n, d) for n, f, m, d in corpus if f == freq]
            sets.extend((f"corpus {n}", "corpus", freq, season, d) for n, d in members)
    if args.set in ("panels", "all"):
        sets.extend((f"panel {n}", n, f, m, d) for n, f, m, d in load_panels(args.half))
    sets = [s for s in sets if not only or s[1] in only or s[0].split()[-1] in only]

    warm_up(models, sorted({s[3] for s in sets}))
    notes, tables, corpus_rows, corpus_secs, corpus_each, corpus_ivs = set(), [], {}, {}, {}, []
    for label, group, freq, season, df in sets:
        per_series, seconds, h, n_windows, ivs = evaluate_set(label, df, freq, season, models, args, notes)
        per_series.insert(0, "set", group)
        tables.append(per_series)
        if group == "corpus":
            corpus_rows.setdefault(freq, []).append(per_series.drop(columns="set"))
            corpus_each.setdefault(freq, {})[label.split()[-1]] = seconds
            for m, s in seconds.items():
                corpus_secs.setdefault(freq, {}).setdefault(m, 0.0)
                corpus_secs[freq][m] += s
            if ivs is not None:
                corpus_ivs.append(ivs.assign(freq=freq))
        else:
            n = df["unique_id"].nunique()
            print(f"\n== panel {group}: {n} series, {freq}, season {season}, h={h}, {n_windows} windows ==")
            print(summary(per_series.drop(columns="set"), seconds).to_string(float_format="%.3f"))
            if ivs is not None:
                print(interval_summary(ivs).to_string(float_format="%.3f"))

    if corpus_rows:
        allrows = []
        for freq, rows in corpus_rows.items():
            per = pd.concat(rows)
            allrows.append(per)
            print(f"\n== corpus {freq}: {len(per)} series ==")
            print(per.join(pd.DataFrame.from_dict(corpus_each[freq], orient="index").add_prefix("s_"))
                  .to_string(float_format="%.3f"))
            print(summary(per, corpus_secs[freq]).to_string(float_format="%.3f"))
        per = pd.concat(allrows)
        total = {m: sum(s.get(m, 0.0) for s in corpus_secs.values()) for m in per.columns}
        print(f"\n== corpus, all {len(per)} series ==")
        print(summary(per, total).to_string(float_format="%.3f"))
        if corpus_ivs:
            ivs = pd.concat(corpus_ivs)
            for freq, g in ivs.groupby("freq", sort=False):
                print(f"\n== corpus {freq} intervals: means over {g['unique_id'].nunique()} series ==")
                print(interval_summary(g.drop(columns="freq")).to_string(float_format="%.3f"))
            print(f"\n== corpus intervals, all {ivs['unique_id'].nunique()} series: means over series ==")
            print(interval_summary(ivs.drop(columns="freq")).to_string(float_format="%.3f"))
    for n in sorted(notes):
        print(f"note: {n}")
    if args.out:
        pd.concat(tables).to_csv(args.out)


if __name__ == "__main__":
    main()
