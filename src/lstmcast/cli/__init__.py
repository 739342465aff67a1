"""The `lstmcast` command.

    lstmcast tutorial                                   # the tutorial's 5 framings x 10 seeds, table + PNGs
    lstmcast tutorial --faithful --framing stateful --seeds 30 --json
    lstmcast fit sales.csv --model my-model             # fit an ensemble, save it
    lstmcast forecast --model my-model --horizon 12 --out forecast.csv --plot forecast.png --level 80 95
    lstmcast evaluate sales.csv --horizon 12 --windows 4  # rolling-origin backtest against baselines
    lstmcast report sales.csv --horizon 12 --windows 4 --out report.html  # all of it in one HTML file

Bad input prints one line `lstmcast: error: ...` and exits with status 2.
"""
from __future__ import annotations

import sys

from ..errors import LstmcastError, one_line
from .common import Console, _Parser  # noqa: F401  (Console: the commands' shared output)


COMMANDS = ("tutorial", "fit", "forecast", "evaluate", "report")


def build_parser(only: str | None = None):
    """The parser; with `only`, just that command's (registering a command imports what its flags need,
    e.g. the Forecaster and pandas for fit's defaults, which the tutorial does not need)."""
    import importlib
    p = _Parser(prog="lstmcast", description="LSTM time-series forecasting (JAX).")
    p.add_argument("--version", action="version", version=f"lstmcast {_version()}")
    sub = p.add_subparsers(dest="command", required=True)
    for name in (only,) if only else COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return p


def _version() -> str:
    from .. import __version__
    return __version__


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    first = next((x for x in args if not x.startswith("-")), None)
    parser = build_parser(first if first in COMMANDS else None)
    a = parser.parse_args(args)
    try:
        return a.func(a)
    except LstmcastError as e:
        print(f"lstmcast: error: {one_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lstmcast: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
