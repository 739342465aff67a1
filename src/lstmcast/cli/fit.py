"""`lstmcast fit`: fit LSTM ensembles on a CSV (one series or a long panel) and save the model."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..atomic import atomic_to_csv
from ..errors import UsageError
from ..evaluate.metrics import rmse as rmse_of
from ..fit.covchoice import describe
from ..fit.fitting import summary_line
from ..forecaster import Forecaster
from .common import Console, add_backend_flags, add_data_flags, backend_from_args, check_new_path, load_data
from .covariates import add_covariate_flags, covariate_kwargs
from .model_flags import add_model_flags, forecaster_params


def describe_fit(fc, con: Console, t0: float):
    """The choices and the training loss of a fitted Forecaster, as notes."""
    spec = fc.spec_
    rec = spec.recipe
    if fc.ensemble_ is None:          # a combination without a trained LSTM (e.g. pretrained+ets+arima)
        con.note(f"season {rec.m}; no network trained: the members fit each series in "
                 f"{time.perf_counter() - t0:.1f} s")
        con.note(combination_note(fc))
        line = summary_line(fc.panel_)
        if line:
            con.note(line + " (see --per-series)")
        return
    if fc.scope_scores_:
        con.note("scope chosen by validation (mean MASE on each series' last season of training data): " +
                 ", ".join(f"{k}: {v:.3f}" for k, v in fc.scope_scores_.items()) + f" -> {fc.scope_}")
    if len(fc.panel_) == 1 and fc.diff_scores_.get(0):
        con.note("differencing chosen by rolling validation (RMSE of held-out forecasts): " +
                 ", ".join(f"{k}: {v:.4g}" for k, v in sorted(fc.diff_scores_[0].items(), key=lambda kv: kv[1])))
    diffs = {",".join(map(str, d)) or "none" for d in fc.diffs_.values()}
    budget = f"{spec.train.steps} steps" if spec.train.steps else f"{spec.train.epochs} epochs"
    con.note(f"scope {fc.scope_}, look_back {rec.look_back}, season {rec.m}, horizon block {rec.h}, "
             f"differencing {' / '.join(sorted(diffs))}, level_norm {rec.level_norm}, units {list(rec.units)}, "
             f"{spec.seeds} seeds x {budget} (batch {spec.train.batch_size}); "
             f"trained in {time.perf_counter() - t0:.1f} s")
    loss = np.asarray(fc.loss_).reshape(-1, np.asarray(fc.loss_).shape[-1]).mean(axis=0)
    for e in sorted({0, len(loss) // 4, len(loss) // 2, 3 * len(loss) // 4, len(loss) - 1}):
        con.note(f"  epoch {e + 1:4d}: training loss (mean over seeds) {loss[e]:.5f}")
    con.note(combination_note(fc))
    for member, text in describe(fc.cov_choice_, fc.panel_.ids).items():
        con.note(f"covariates, {member}: {text}")
    line = summary_line(fc.panel_)
    if line:
        con.note(line + " (see --per-series)")


def combination_note(fc) -> str:
    """What forecasts: the LSTM alone, or the combination and its weights (mean over series)."""
    names = getattr(fc, "members_", ("lstm",))
    if len(names) == 1:
        return "forecast: the LSTM alone" if names[0] == "lstm" else f"forecast: {names[0]} alone"
    w = [w for w in fc.weights_.values() if w]
    how = (", weights " + " / ".join(f"{n} {np.mean([x.get(n, 0) for x in w]):.2f}" for n in names) +
           " (inverse validation MSE" + (", mean over series)" if len(fc.panel_) > 1 else ")")) if w else \
        ", equal weights (no validation ran: fixed diff, global scope or a large panel)"
    what = f"the LSTM combined with {', '.join(names[1:])}" if names[0] == "lstm" else \
        f"{', '.join(names)} combined (no network trained on the data)"
    return f"forecast: {'+'.join(names)}, {what}{how}"


def write_per_series(fc, path, force: bool, con: Console):
    if path:
        check_new_path(path, force)
        atomic_to_csv(path, fc.per_series_, overwrite=force, index=False)   # .parquet: Parquet
        con.note(f"per-series report written to {path}")


IN_SAMPLE_ROWS = 2_000      # in-sample predictions the summary line is computed on: all 930,000 of a 10,000-series
                            # panel cost more than its training, all 17,520 of a half-hourly year 11 s of a 46 s fit


def cmd_fit(a) -> int:
    con = Console(a.quiet)
    if Path(a.model).exists() and not a.force:
        raise UsageError(f"{a.model}: model directory exists; pass --force to overwrite it")
    if a.per_series:
        check_new_path(a.per_series, a.force)
    panel = load_data(a, con)
    t0 = time.perf_counter()
    cov = covariate_kwargs(a, panel, con)
    if a.init:
        fc = init_update(a, panel, cov, con)
    else:
        fc = Forecaster(**forecaster_params(a))
        with backend_from_args(a) as be:
            fc.fit(panel, strict=a.strict, progress=con.note, backend=be, **cov)
    describe_fit(fc, con, t0)
    pred = fc.predict(max_rows=IN_SAMPLE_ROWS)
    fc.save(a.model, overwrite=a.force)
    write_per_series(fc, a.per_series, a.force, con)
    if not len(pred):       # no LSTM trained on the data (e.g. pretrained-ft+ets): no in-sample predictions
        print(f"no LSTM trained on the data ({'+'.join(fc.members_)}): no in-sample predictions")
        print(f"model saved to {a.model}")
        return 0
    rmse = rmse_of(pred["y"], pred["mean"])
    n, k = len(fc.diffs_), pred[fc.panel_.id_col].nunique() if fc.panel_.id_col in pred.columns else 1
    which = (f", {n} series" if k == n else f", {k} of {n} series evenly spaced") if len(fc.panel_) > 1 else \
        ("" if len(pred) < IN_SAMPLE_ROWS else ", the newest")
    print(f"in-sample one-step RMSE of the LSTM: {rmse:.4g} ({len(pred)} predictions{which})")
    print(f"model saved to {a.model}")
    return 0


def init_update(a, panel, cov, con: Console):
    """--init MODEL_DIR: the saved model, fine-tuned on --data (its settings; Forecaster.update)."""
    if cov:
        raise UsageError("--init: covariates cannot be given; a model is updated on newer values of its series only")
    fc = Forecaster.load(a.init)
    for note in fc.notes_:
        con.note(note)
    with backend_from_args(a) as be:
        fc.update(panel, progress=con.note, backend=be, where=f"--init {a.init}")
    con.note(f"--init {a.init}: its settings ({'+'.join(fc.members_)}); the fine-tuned pretrained LSTM started from "
             "its weights, the other members refitted on the longer series")
    return fc


def register(sub):
    f = sub.add_parser("fit", help="fit LSTM ensembles on a CSV (one series or a long panel) and save them")
    add_data_flags(f)
    add_model_flags(f)
    add_backend_flags(f)
    add_covariate_flags(f)
    f.add_argument("--model", required=True, help="model directory to write")
    f.add_argument("--force", action="store_true", help="overwrite an existing model directory")
    f.add_argument("--init", default=None, metavar="MODEL_DIR",
                   help="fine-tune this saved model on --data (its series continued by newer values) instead of "
                        "fitting afresh: its settings, its fine-tuned pretrained LSTM as the starting weights")
    f.add_argument("--quiet", action="store_true")
    f.set_defaults(func=cmd_fit)
