"""What every command shares: the console, the one-line-error parser, argument types, the model and
data flags, and loading the data a command was given."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import UsageError


class Console:
    """Progress and notes on stderr unless quiet; results on stdout."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet

    def note(self, msg: str):
        if not self.quiet:
            print(msg, file=sys.stderr, flush=True)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line: `lstmcast: error: ...`, exit status 2."""

    def error(self, message):
        self.exit(2, f"lstmcast: error: {message} (see `{self.prog} --help`)\n")


# ARGUMENTS ----------------------------------------------------------------------------------------

def _positive(name, cast, kind):
    """An argparse type: a finite number > 0 of type `cast`, with a one-line message otherwise."""
    def parse(s):
        try:
            v = cast(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be {kind}; got {s!r}") from None
        if not v > 0 or v == float("inf"):
            raise argparse.ArgumentTypeError(f"{name} must be > 0; got {s}")
        return v
    return parse


def _positive_int(name):
    return _positive(name, int, "a whole number")


def _positive_float(name):
    return _positive(name, float, "a number")


def _fraction(s):
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--validation must be a number; got {s!r}") from None
    if not 0 <= v < 1:
        raise argparse.ArgumentTypeError(f"--validation must be a fraction in [0, 1); got {s}")
    return v


def _int_list(name):
    def parse(s):
        try:
            v = tuple(int(a) for a in s.replace(" ", "").split(",") if a != "")
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be whole numbers separated by commas; got {s!r}") from None
        if not v or any(a <= 0 for a in v):
            raise argparse.ArgumentTypeError(f"{name} must be whole numbers > 0; got {s!r}")
        return v
    return parse


def _auto_or(parse):
    return lambda s: None if s == "auto" else parse(s)


def add_model_flags(p, defaults: dict | None = None):
    """The Forecaster's hyper-parameters as flags (constructor names with dashes)."""
    from ..forecaster import Forecaster
    d = {**Forecaster().get_params(), **(defaults or {})}
    g = p.add_argument_group("model (Forecaster hyper-parameters)")
    g.add_argument("--look-back", type=_auto_or(_positive_int("--look-back")), default=d["look_back"],
                   help="input window length (default: auto = max(season, 8))")
    g.add_argument("--framing", choices=["timesteps", "window", "regression"], default=d["framing"])
    g.add_argument("--units", type=_int_list("--units"), default=d["units"],
                   help="LSTM units per layer, e.g. 16 or 32,16 (stacked)")
    g.add_argument("--stateful", action=argparse.BooleanOptionalAction, default=d["stateful"])
    g.add_argument("--epochs", type=_positive_int("--epochs"), default=d["epochs"])
    g.add_argument("--batch-size", type=_positive_int("--batch-size"), default=d["batch_size"])
    g.add_argument("--learning-rate", type=_positive_float("--learning-rate"), default=d["learning_rate"])
    g.add_argument("--seeds", type=_positive_int("--seeds"), default=d["seeds"], help="ensemble size")
    g.add_argument("--strategy", choices=["recursive", "direct"], default=d["strategy"])
    g.add_argument("--direct-horizon", type=_auto_or(_positive_int("--direct-horizon")), default=d["horizon"],
                   help="output width of the direct strategy (default: auto = max(season, 4))")
    g.add_argument("--transform", choices=["auto", "none", "log", "boxcox"], default=d["transform"])
    g.add_argument("--diff", type=str, default=d["diff"] if isinstance(d["diff"], str) else
                   ",".join(map(str, d["diff"])) or "none",
                   help="differencing lags applied in order, e.g. 12,1 (seasonal then first); 'none'")
    g.add_argument("--scale", choices=["standard", "minmax"], default=d["scale"])
    g.add_argument("--calendar", action=argparse.BooleanOptionalAction, default=d["calendar"],
                   help="add season-of-year inputs (sin/cos)")
    g.add_argument("--validation", type=_fraction, default=d["validation"],
                   help="fraction of the training windows held out for early stopping (0 = none)")
    g.add_argument("--patience", type=int, default=d["patience"],
                   help="epochs without validation improvement before stopping (0 = off)")
    g.add_argument("--aggregate", choices=["mean", "median"], default=d["aggregate"])
    g.add_argument("--season-length", type=_positive_int("--season-length"), default=None,
                   help="override the season inferred from the frequency")
    g.add_argument("--seed", type=int, default=d["seed"], help="first random seed")


def forecaster_params(a) -> dict:
    text = a.diff.strip().lower()
    diff = () if text in ("none", "") else "auto" if text == "auto" else _int_list("--diff")(a.diff)
    return dict(look_back=a.look_back, framing=a.framing, units=a.units, stateful=a.stateful,
                epochs=a.epochs, batch_size=a.batch_size, learning_rate=a.learning_rate, seeds=a.seeds,
                strategy=a.strategy, horizon=a.direct_horizon, transform=a.transform, diff=diff, scale=a.scale, calendar=a.calendar,
                validation=a.validation, patience=a.patience, aggregate=a.aggregate,
                season_length=a.season_length, seed=a.seed)


def add_data_flags(p, required: bool = True):
    p.add_argument("data", nargs=None if required else "?", help="CSV file with a time and a value column")
    p.add_argument("--time-col", default=None, help="time column: name or 0-based position")
    p.add_argument("--value-col", default=None, help="value column: name or 0-based position")
    p.add_argument("--freq", default=None, help="pandas frequency if it cannot be inferred (D, W, MS, QS, YS)")
    p.add_argument("--fill", choices=["interpolate", "ffill"], default=None, help="fill missing values")


def load_data(a, con: Console):
    from ..data import load_csv
    y = load_csv(a.data, time_col=a.time_col, value_col=a.value_col, freq=a.freq, fill=a.fill, report=con.note)
    con.note(f"{a.data}: {len(y)} values, {y.index[0].date()} .. {y.index[-1].date()}, frequency {y.index.freqstr}")
    return y


def check_new_path(path, force: bool, what: str = "output"):
    p = Path(path)
    if p.exists() and not force:
        raise UsageError(f"{path}: {what} exists; pass --force to overwrite it")
    if not p.parent.exists():
        raise UsageError(f"{path}: folder {str(p.parent)!r} does not exist")
    return p


def add_backend_flags(p):
    """--ray [ADDRESS] and --workers: where independent trainings run (scale.get_backend)."""
    g = p.add_argument_group("scale out (pip install 'lstmcast[ray]')")
    g.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run on Ray: alone, a local Ray instance; with host:port (or 'auto'), join that "
                        "running cluster. Put it after the data file, or write --ray=ADDRESS")
    g.add_argument("--workers", type=_positive_int("--workers"), default=None,
                   help="worker processes of a local Ray instance (default: all cores)")


def backend_from_args(a):
    """The backend that add_backend_flags' flags ask for (close it when done)."""
    from ..scale import get_backend
    if a.ray is None:
        if a.workers:
            raise UsageError("--workers needs --ray (it sizes a local Ray instance)")
        return get_backend("local")
    if a.ray.lower().endswith(".csv"):
        raise UsageError(f"--ray took {a.ray!r} as a cluster address; put --ray after the data file "
                         f"or write --ray=ADDRESS")
    return get_backend("ray", address=a.ray or None, workers=a.workers)
