"""The Forecaster's hyper-parameters as command-line flags (fit, evaluate, report share them)."""
from __future__ import annotations

import argparse

from ..errors import DataError, UsageError
from ..forecaster import Forecaster
from ..models.statmembers import members
from .argtypes import DIFF_ZERO, _auto_or, _diff_spec, _fraction, _int, _int_list, _positive_float, _positive_int
from .common import add_resource_flags


def add_model_flags(p, defaults: dict | None = None):
    """The Forecaster's hyper-parameters as flags (constructor names with dashes)."""
    d = {**Forecaster().get_params(), **(defaults or {})}
    g = p.add_argument_group("model (Forecaster hyper-parameters)")
    g.add_argument("--look-back", type=_auto_or(_positive_int("--look-back")), default=d["look_back"],
                   help="input window length (default: auto = max(season, 8))")
    g.add_argument("--framing", choices=["timesteps", "window", "regression"], default=d["framing"])
    g.add_argument("--units", type=_int_list("--units", hi=16_384, max_len=16), default=d["units"],
                   help="LSTM units per layer, e.g. 16 or 32,16 (stacked)")
    g.add_argument("--stateful", action=argparse.BooleanOptionalAction, default=d["stateful"])
    g.add_argument("--combination", type=_combination, default=d["model"],
                   help="the forecast: auto (default: 'lstm+pretrained+ets+arima', the LSTM, the pretrained LSTM, "
                        "AutoETS and AutoARIMA weighted by validation, up to 64 series of up to 12,000 values x "
                        "season; else 'lstm+pretrained+ets' up to 2,000 series; the LSTM alone above), 'lstm' "
                        "(the LSTM alone), members joined by '+' (lstm first if present; pretrained, pretrained-ft "
                        "(fine-tuned on the data), ets, theta, arima), e.g. 'pretrained+ets+arima' (no network "
                        "trained: fast)")
    g.add_argument("--scope", choices=["auto", "local", "global"], default=d["scope"],
                   help="one ensemble per series (local), one for all series (global), or chosen by "
                        "validation inside the training data (auto)")
    g.add_argument("--epochs", type=_auto_or(_positive_int("--epochs")), default=d["epochs"],
                   help="passes over the windows (default: auto = 100 in local scope)")
    g.add_argument("--steps", type=_auto_or(_positive_int("--steps")), default=d["steps"],
                   help="a budget of Adam steps instead of epochs (default: auto = 1000 in global scope)")
    g.add_argument("--batch-size", type=_auto_or(_positive_int("--batch-size")), default=d["batch_size"],
                   help="default: auto = 8 local, 256 global")
    g.add_argument("--level-norm", choices=["auto", "on", "off"], default="auto",
                   help="subtract each window's last value from its inputs and targets (auto: in global scope)")
    g.add_argument("--learning-rate", type=_auto_or(_positive_float("--learning-rate")), default=d["learning_rate"],
                   help="Adam's learning rate (default: auto = 1e-3 local, 3e-3 global, 1.5e-2 global "
                        "on a large pool: more windows than steps x batch size)")
    g.add_argument("--seeds", type=_auto_or(_positive_int("--seeds")), default=d["seeds"],
                   help="ensemble size (default: auto = 10 local, 5 global, 2 global on a large pool)")
    g.add_argument("--strategy", choices=["recursive", "direct"], default=d["strategy"])
    g.add_argument("--direct-horizon", type=_auto_or(_positive_int("--direct-horizon")), default=d["horizon"],
                   help="output width of the direct strategy (default: auto = max(season, 4))")
    g.add_argument("--transform", choices=["auto", "none", "log", "boxcox"], default=d["transform"])
    g.add_argument("--diff", type=_diff_spec, default=d["diff"] if isinstance(d["diff"], str) else
                   ",".join(map(str, d["diff"])) or "none",
                   help="differencing lags applied in order, e.g. 12,1 (seasonal then first); a leading 0 "
                        "(0,1) first removes a fixed seasonal component; 'none'; default: auto (chosen by validation)")
    g.add_argument("--scale", choices=["standard", "minmax"], default=d["scale"])
    g.add_argument("--calendar", action=argparse.BooleanOptionalAction, default=d["calendar"],
                   help="built-in calendar covariates; default auto: on daily and finer data, time of day, day "
                        "of week, weekly/yearly Fourier terms, each kept where validation says it "
                        "helps; --calendar forces the frequency's (season sin/cos, day-of-week one-hots); "
                        "--no-calendar: none")
    g.add_argument("--validation", type=_fraction, default=d["validation"],
                   help="fraction of the training windows held out for early stopping (0 = none)")
    g.add_argument("--patience", type=_int("--patience", 0), default=d["patience"],
                   help="epochs without validation improvement before stopping (0 = off)")
    g.add_argument("--aggregate", choices=["mean", "median"], default=d["aggregate"])
    g.add_argument("--season-length", type=_positive_int("--season-length"), default=None,
                   help="override the season inferred from the frequency")
    g.add_argument("--seed", type=_int("--seed"), default=d["seed"], help="first random seed")
    add_resource_flags(p)


def _combination(text: str) -> str | None:
    if text.strip().lower() in ("auto", "default"):
        return None
    try:
        return "+".join(members(text.strip().lower()))
    except DataError as e:
        raise argparse.ArgumentTypeError(str(e).replace("model must", "must")) from None


def forecaster_params(a) -> dict:
    text = a.diff.strip().lower()
    try:
        diff = (() if text in ("none", "") else "auto" if text == "auto"
                else _int_list("--diff", zero_first=DIFF_ZERO)(a.diff))
    except argparse.ArgumentTypeError as e:   # checked by _diff_spec already; never a traceback
        raise UsageError(str(e)) from None
    return dict(look_back=a.look_back, framing=a.framing, units=a.units, stateful=a.stateful,
                epochs=a.epochs, steps=a.steps, batch_size=a.batch_size, scope=a.scope,
                level_norm={"auto": "auto", "on": True, "off": False}[a.level_norm], learning_rate=a.learning_rate,
                seeds=a.seeds, strategy=a.strategy, horizon=a.direct_horizon, transform=a.transform, diff=diff,
                scale=a.scale, calendar=a.calendar,
                validation=a.validation, patience=a.patience, aggregate=a.aggregate,
                season_length=a.season_length, seed=a.seed, model=a.combination,
                keep_covariates=bool(getattr(a, "keep_covariates", False)))
