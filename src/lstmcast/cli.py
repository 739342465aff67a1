"""The `lstmcast` command.

    lstmcast tutorial                                   # the tutorial's 5 framings x 10 seeds, table + PNGs
    lstmcast tutorial --faithful --framing stateful --seeds 30 --json
    lstmcast fit sales.csv --model my-model             # fit an ensemble, save it
    lstmcast forecast --model my-model --horizon 12 --out forecast.csv --plot forecast.png --level 80 95
    lstmcast evaluate sales.csv --horizon 12 --windows 4  # rolling-origin backtest against baselines

Bad input prints one line `lstmcast: error: ...` and exits with status 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


from .errors import LstmcastError, UsageError


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
    from .forecaster import Forecaster
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
    from .data import load_csv
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


# COMMANDS -----------------------------------------------------------------------------------------

def cmd_tutorial(a) -> int:
    from .tutorial import PRESETS
    con = Console(a.quiet or a.json)
    names = a.framing or list(PRESETS)
    out = Path(a.out)
    marker = out / ".lstmcast-tutorial"
    if out.exists() and not marker.exists() and any(out.iterdir()) and not a.force:
        raise UsageError(f"{out}: folder exists and was not written by `lstmcast tutorial`; "
                         "choose another --out or pass --force")
    from . import datasets, plot
    from .tutorial import run_framing, to_json
    y = datasets.airline()
    mode = "faithful" if a.faithful else "default"
    con.note(f"lstmcast tutorial: {len(names)} framing(s) x {a.seeds} seeds x {a.epochs} epochs, {mode} mode "
             f"(train months: 96, test months: 48)")
    results = []
    for i, name in enumerate(names, 1):
        con.note(f"[{i}/{len(names)}] {name}: training {a.seeds} models ...")
        r = run_framing(y.to_numpy(), name, seeds=a.seeds, epochs=a.epochs, faithful=a.faithful, seed0=a.seed)
        con.note(f"[{i}/{len(names)}] {name}: {len(r.train_months)} train / {len(r.test_months)} test targets, "
                 f"test RMSE {r.test_rmse.mean():.2f} ± {r.test_rmse.std(ddof=1) if a.seeds > 1 else 0:.2f}, "
                 f"{r.seconds:.1f} s")
        results.append(r)
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text("files here are written by `lstmcast tutorial` and replaced when it runs again\n")
    plot.plot_series(y, out / "dataset.png")
    for r in results:
        plot.plot_tutorial_framing(y, r, out / f"{r.name}.png")
    doc = to_json(results, a.seeds, a.epochs, a.faithful)
    if a.json:
        print(json.dumps(doc, indent=2))
    else:
        print(format_tutorial_table(doc))
        print(f"\nfigures: {out}/dataset.png and {out}/<framing>.png (the median seed's predictions)")
    return 0


def format_tutorial_table(doc: dict) -> str:
    def stat(s):
        return f"{s['mean']:6.2f} ± {s['std']:5.2f} [{s['min']:.1f}–{s['max']:.1f}]"
    head = (f"{'framing':<11} {'tutorial train/test':>19}   {'lstmcast train RMSE':<27} {'lstmcast test RMSE':<28} "
            f"{'persist.':>8} {'s-naive':>8} {'sec':>5}")
    lines = [f"mode: {doc['mode']}, {doc['seeds']} seeds, {doc['epochs']} epochs; RMSE in thousands of "
             "passengers, one-step predictions", head, "-" * len(head)]
    for f in doc["framings"]:
        rep = f"{f['reported']['train_rmse']:.2f} / {f['reported']['test_rmse']:.2f}"
        lines.append(f"{f['name']:<11} {rep:>19}   {stat(f['train_rmse']):<27} {stat(f['test_rmse']):<28} "
                     f"{f['persistence_test_rmse']:8.2f} {f['seasonal_naive_test_rmse']:8.2f} {f['seconds']:5.1f}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="lstmcast", description="LSTM time-series forecasting (JAX).")
    p.add_argument("--version", action="version", version=f"lstmcast {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("tutorial", help="rerun the Keras tutorial's five framings with many seeds")
    from .tutorial import PRESETS
    t.add_argument("--framing", nargs="+", choices=list(PRESETS), default=None)
    t.add_argument("--seeds", type=_positive_int("--seeds"), default=10)
    t.add_argument("--epochs", type=_positive_int("--epochs"), default=100)
    t.add_argument("--seed", type=int, default=7, help="first seed (the tutorial uses 7)")
    t.add_argument("--faithful", action="store_true", help="the tutorial's leaks included, as written")
    t.add_argument("--out", default="tutorial-output", help="folder for the PNG figures")
    t.add_argument("--force", action="store_true", help="write into an --out folder that exists")
    t.add_argument("--json", action="store_true", help="print one JSON document and nothing else")
    t.add_argument("--quiet", action="store_true")
    t.set_defaults(func=cmd_tutorial)

    from . import cli_commands
    cli_commands.register(sub)
    return p


def _version() -> str:
    from . import __version__
    return __version__


def main(argv=None) -> int:
    parser = build_parser()
    a = parser.parse_args(argv)
    try:
        return a.func(a)
    except LstmcastError as e:
        print(f"lstmcast: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lstmcast: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
