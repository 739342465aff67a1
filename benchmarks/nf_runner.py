"""Run NeuralForecast's LSTM in its own interpreter (a virtualenv with neuralforecast; not an lstmcast dependency).

    /work/venv-nf/bin/python benchmarks/nf_runner.py cv   IN.csv OUT.csv --freq MS --h 12 --n-windows 4
    /work/venv-nf/bin/python benchmarks/nf_runner.py fit  IN.csv OUT.csv --freq MS --h 12

IN.csv is long (unique_id, ds, y). `cv` writes NeuralForecast.cross_validation (step h, refit every window)
with the forecast column renamed `nf_lstm`; `fit` fits on all of IN and writes predict() likewise.
The model is set up as in NeuralForecast's quickstart: LSTM(h, input_size=2 h, max_steps=500,
scaler_type="standard"), every other argument at its default. The last stdout line is JSON:
{"seconds": fit(+predict) seconds, excluding imports and CSV I/O}.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import time
import warnings


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["cv", "fit"])
    p.add_argument("inp")
    p.add_argument("out")
    p.add_argument("--freq", required=True)
    p.add_argument("--h", type=int, required=True)
    p.add_argument("--n-windows", type=int, default=1)
    a = p.parse_args()
    warnings.filterwarnings("ignore")
    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    import pandas as pd
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM

    df = pd.read_csv(a.inp, parse_dates=["ds"])
    t = time.perf_counter()
    model = LSTM(h=a.h, input_size=2 * a.h, max_steps=500, scaler_type="standard", alias="nf_lstm",
                 enable_progress_bar=False, enable_model_summary=False, logger=False,
                 enable_checkpointing=False)
    nf = NeuralForecast(models=[model], freq=a.freq)
    if a.mode == "cv":
        out = nf.cross_validation(df, n_windows=a.n_windows, step_size=a.h, refit=True)
    else:
        nf.fit(df)
        out = nf.predict()
    seconds = time.perf_counter() - t
    out = out.reset_index() if "unique_id" not in out.columns else out
    out.to_csv(a.out, index=False)
    print(json.dumps({"seconds": seconds, "rows": len(out), "pid": os.getpid()}))


if __name__ == "__main__":
    main()
