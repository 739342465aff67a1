"""Zero-shot against fine-tuned pretrained LSTM on the corpus (protocol.py windows), design half by default.

    python benchmarks/bench_finetune.py --half design --steps 100
    python benchmarks/bench_finetune.py --half design --member      # the pretrained-ft member's own recipe

Per series and window: the zero-shot forecast, and the forecast after `--steps` fine-tuning steps on that
window's training part alone (lstmcast.pretrain.finetune), or with --member as the `pretrained-ft` member
fine-tunes (lstmcast.models.pretrained_ft.tune: early stopping on a split inside the training part); MASE of
each (protocol.py's scale).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.environ.get("LSTMCAST_SRC", os.path.join(HERE, "..", "src")))

from corpus import load_corpus  # noqa: E402
from protocol import gmean, plan, snaive_scale  # noqa: E402


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--half", default="design", choices=["design", "test", "all"])
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--member", action="store_true", help="fine-tune as the pretrained-ft member does")
    p.add_argument("--only", default="")
    p.add_argument("--windows", type=int, default=4, help="the last N of the protocol's windows (at most 4)")
    a = p.parse_args(argv)
    import pandas as pd

    from lstmcast.models.pretrained import _loaded, forecast_arrays, weights_dir
    from lstmcast.pretrain.finetune import finetune
    params, cfg, _ = _loaded(weights_dir())
    rows = []
    for name, freq, season, df in load_corpus(a.half):
        if a.only and name not in a.only.split(","):
            continue
        y = df["y"].to_numpy(np.float64)
        h, nw = plan(season, len(y))
        t0 = time.perf_counter()
        for w in range(max(nw - a.windows, 0), nw):
            cut = len(y) - h - (nw - 1 - w) * h
            train, test = y[:cut], y[cut:cut + h]
            scale = snaive_scale(train, season)
            zs = forecast_arrays([train], season, h)[0][0]
            if a.member:
                from lstmcast.models.pretrained_ft import tune
                t = tune([train], season)
                ft = forecast_arrays([train], season, h, params=t.params, cfg=t.cfg)[0][0]
            else:
                ft = forecast_arrays([train], season, h, params=finetune(params, cfg, [train], season, a.steps))[0][0]
            rows.append((name, freq, w, np.mean(np.abs(zs - test)) / scale, np.mean(np.abs(ft - test)) / scale))
        print(f"{name}: {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
    t = pd.DataFrame(rows, columns=["series", "freq", "window", "zeroshot", "finetuned"])
    per = t.groupby(["freq", "series"])[["zeroshot", "finetuned"]].mean()
    print(per.to_string(float_format="%.3f"))
    for f, g in per.groupby(level=0):
        print(f"{f}: gmean zero-shot {gmean(g.zeroshot):.3f} fine-tuned {gmean(g.finetuned):.3f}; "
              f"mean {g.zeroshot.mean():.3f} / {g.finetuned.mean():.3f}")
    print(f"all: gmean zero-shot {gmean(per.zeroshot):.3f} fine-tuned {gmean(per.finetuned):.3f}; "
          f"mean {per.zeroshot.mean():.3f} / {per.finetuned.mean():.3f}")


if __name__ == "__main__":
    main()
