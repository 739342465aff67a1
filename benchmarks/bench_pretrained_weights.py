"""Zero-shot accuracy of pretrained weights on one half of the corpus: how the shipped weights were chosen.

    python benchmarks/bench_pretrained_weights.py [--half design] [--panels] DIR [DIR ...]

DIR holds pretrained.npz + pretrained.json (`python -m lstmcast.pretrain.export`); `A+B` averages the
medians of two weight sets, `DIR@0,96` those from the full context and from the last 96 values, `DIR@flip`
adds minus the forecast of minus the series. Each series is scored alone under the protocol (protocol.py:
plan, window MASE) beside AutoETS, AutoARIMA and seasonal naive, whose scores are cached (JSON) in the
system's temporary folder. --panels scores every series of the panels' half instead of the corpus's.
Prints geometric / mean MASE over the series and geometric means by season length.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import warnings

import numpy as np
import pandas as pd
from corpus import load_corpus, load_panels
from protocol import plan, snaive_scale

from lstmcast.models import pretrained as P


def windows(df: pd.DataFrame, season: int):
    y = df.sort_values("ds")["y"].to_numpy(float)
    h, nw = plan(season, len(y))
    for w in range(nw):
        cut = len(y) - (nw - w) * h
        yield y[:cut], y[cut:cut + h], h


def baselines(data, cache: str) -> dict:
    if os.path.exists(cache):
        with open(cache) as f:
            return json.load(f)
    from statsforecast.models import AutoARIMA, AutoETS, SeasonalNaive
    out = {}
    for name, _, season, df in data:
        r: dict = {"ets": [], "snaive": [], "arima": []}
        for tr, te, h in windows(df, season):
            for k, M in (("ets", AutoETS), ("snaive", SeasonalNaive), ("arima", AutoARIMA)):
                f = M(season_length=season).forecast(y=tr, h=h)["mean"]
                r[k].append(np.mean(np.abs(f - te)) / snaive_scale(tr, season))
        out[name] = {k: float(np.mean(v)) for k, v in r.items()}
    with open(cache, "w") as f:
        json.dump(out, f)
    return out


def forecast(spec: str, tr: np.ndarray, season: int, h: int) -> np.ndarray:
    fs = []
    for part in spec.split("+"):
        d, _, ctx = part.partition("@")
        for c in ctx.split(",") if ctx else ["0"]:
            if c == "flip":
                fs.append(-P.forecast_arrays([-tr], season, h, directory=d)[0][0])
            else:
                fs.append(P.forecast_arrays([tr[-int(c):] if int(c) else tr], season, h, directory=d)[0][0])
    return np.mean(fs, 0)


def gmean(v) -> float:
    return float(np.exp(np.mean(np.log(np.asarray(v, float)))))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("weights", nargs="+")
    ap.add_argument("--half", default="design", choices=("design", "test", "all"))
    ap.add_argument("--panels", action="store_true")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    if a.panels:
        data = [(f"{pn}/{uid}", freq, season, g) for pn, freq, season, df in load_panels(a.half)
                for uid, g in df.groupby("unique_id")]
    else:
        data = load_corpus(a.half)
    base = baselines(data, os.path.join(tempfile.gettempdir(), f"lstmcast_zs_{a.half}_{int(a.panels)}.json"))
    for spec in a.weights:
        rows = []
        for name, _, season, df in data:
            errs = [np.mean(np.abs(forecast(spec, tr, season, h) - te)) / snaive_scale(tr, season)
                    for tr, te, h in windows(df, season)]
            rows.append({"series": name, "season": season, "zs": float(np.mean(errs)), **base[name]})
        t = pd.DataFrame(rows)
        cols = ("zs", "ets", "arima", "snaive")
        print(f"{spec}: gmean " + ", ".join(f"{k} {gmean(t[k]):.3f}" for k in cols)
              + f" | mean zs {t.zs.mean():.3f} ets {t.ets.mean():.3f}")
        for s_, g in t.groupby("season"):
            print(f"   season {s_}: " + ", ".join(f"{k} {gmean(g[k]):.3f}" for k in cols))


if __name__ == "__main__":
    main()
