"""`lstmcast fit`: fit an LSTM ensemble on a CSV and save it."""
from __future__ import annotations

import time

import numpy as np

from ..errors import UsageError
from .common import Console, add_data_flags, add_model_flags, forecaster_params, load_data


def cmd_fit(a) -> int:
    from pathlib import Path
    con = Console(a.quiet)
    if Path(a.model).exists() and not a.force:
        raise UsageError(f"{a.model}: model directory exists; pass --force to overwrite it")
    y = load_data(a, con)
    from ..forecaster import Forecaster
    fc = Forecaster(**forecaster_params(a))
    t0 = time.perf_counter()
    con.note(f"training {fc.seeds} LSTMs x {fc.epochs} epochs in one compiled call ...")
    fc.fit(y)
    r = fc.r_
    if fc.diff_scores_:
        con.note("differencing chosen by rolling validation (RMSE of held-out forecasts): " +
                 ", ".join(f"{k}: {v:.4g}" for k, v in sorted(fc.diff_scores_.items(), key=lambda kv: kv[1])))
    con.note(f"look_back {r['look_back']}, season {r['m']}, transform {r['transform']}, differencing "
             f"{list(r['diff'])}, units {list(r['units'])}; trained in {time.perf_counter() - t0:.1f} s")
    loss = fc.loss_.mean(axis=0)
    for e in sorted({0, len(loss) // 4, len(loss) // 2, 3 * len(loss) // 4, len(loss) - 1}):
        con.note(f"  epoch {e + 1:4d}: training loss (mean over seeds) {loss[e]:.5f}")
    pred = fc.predict()
    rmse = float(np.sqrt(np.mean((pred["y"] - pred["mean"]) ** 2)))
    fc.save(a.model, overwrite=a.force)
    print(f"in-sample one-step RMSE: {rmse:.4g} ({len(pred)} predictions)")
    print(f"model saved to {a.model}")
    return 0


def register(sub):
    f = sub.add_parser("fit", help="fit an LSTM ensemble on a CSV series and save it")
    add_data_flags(f)
    add_model_flags(f)
    f.add_argument("--model", required=True, help="model directory to write")
    f.add_argument("--force", action="store_true", help="overwrite an existing model directory")
    f.add_argument("--quiet", action="store_true")
    f.set_defaults(func=cmd_fit)
