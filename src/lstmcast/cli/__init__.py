"""The `lstmcast` command.

    lstmcast tutorial                                   # the tutorial's 5 framings x 10 seeds, table + PNGs
    lstmcast tutorial --faithful --framing stateful --seeds 30 --json
    lstmcast fit sales.csv --model my-model             # fit an ensemble, save it
    lstmcast forecast --model my-model --horizon 12 --out forecast.csv --plot forecast.png --level 80 95
    lstmcast evaluate sales.csv --horizon 12 --windows 4  # rolling-origin backtest against baselines

Bad input prints one line `lstmcast: error: ...` and exits with status 2.
"""
from __future__ import annotations

import sys

from ..errors import LstmcastError, one_line
from .common import Console, _Parser  # noqa: F401  (Console: the commands' shared output)


COMMANDS = ("tutorial", "fit", "forecast", "evaluate")


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
    if argv is None:
        _interrupt_outside_gc()
    try:
        return a.func(a)
    except LstmcastError as e:
        print(f"lstmcast: error: {one_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lstmcast: interrupted", file=sys.stderr)
        if argv is None:   # the program, not a caller's main([...]): partial outputs are already removed
            _exit_now(130)
        return 130


def _interrupt_outside_gc():
    """Ctrl-C raises KeyboardInterrupt, except inside a garbage-collector callback (jax has one), where
    Python would swallow it with a printed traceback: there it is sent again a moment later."""
    import gc
    import os
    import signal
    import threading

    def handler(signum, frame):
        codes = {getattr(cb, "__code__", None) for cb in gc.callbacks}
        while frame is not None:
            if frame.f_code in codes:
                threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start()
                return
            frame = frame.f_back
        raise KeyboardInterrupt
    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:   # not the main thread
        pass


def _exit_now(code: int):
    """Exit at once, skipping interpreter shutdown: an interrupted XLA computation may still run on
    its own threads, and finalising under it crashes (SIGSEGV); a second Ctrl-C is ignored meanwhile."""
    import os
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
