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

import gc
import importlib
import os
import signal
import sys
import threading

from .._version import __version__
from ..engine.plan import set_max_memory, set_reporter
from ..errors import LstmcastError, one_line
from .common import Console, _Parser  # noqa: F401  (Console: the commands' shared output)
from .library_warnings import library_warnings

COMMANDS = ("tutorial", "fit", "forecast", "evaluate", "report")
MODULES = {"report": "report_cmd"}   # cli/report.py writes reports (evaluate and forecast call it)


def build_parser(only: str | None = None):
    """The parser; with `only`, just that command's (registering a command imports what its flags need,
    e.g. the Forecaster and pandas for fit's defaults, which the tutorial does not need)."""
    p = _Parser(prog="lstmcast", description="LSTM time-series forecasting (JAX).")
    p.add_argument("--version", action="version", version=f"lstmcast {_version()}")
    sub = p.add_subparsers(dest="command", required=True)
    for name in (only,) if only else COMMANDS:
        importlib.import_module(f"{__name__}.{MODULES.get(name, name)}").register(sub)
    return p


def _version() -> str:
    return __version__


def _on_sigint(signum, frame):
    """Ctrl-C as KeyboardInterrupt, but never inside a garbage-collector callback (Python would print
    'Exception ignored ... Traceback' there and go on): then it is delivered again 50 ms later."""
    f = frame
    while f is not None:
        if f.f_code.co_name.endswith("gc_callback"):
            threading.Timer(0.05, os.kill, (os.getpid(), signum)).start()
            return
        f = f.f_back
    raise KeyboardInterrupt


def main(argv=None) -> int:
    if argv is None:
        _lean_gc()
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")   # XLA's C++ log lines ('Very slow compile?') are noise
    args = sys.argv[1:] if argv is None else list(argv)
    first = next((x for x in args if not x.startswith("-")), None)
    parser = build_parser(first if first in COMMANDS else None)
    try:
        a = parser.parse_args(args)        # parsing sets --max-memory and the reporter (common.validate)
    except SystemExit:
        set_max_memory(None)
        set_reporter(None)
        raise
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGINT) is signal.default_int_handler:   # not where Ctrl-C is ignored
        signal.signal(signal.SIGINT, _on_sigint)
    quiet = getattr(a, "quiet", False) or getattr(a, "json", False)
    try:
        with library_warnings(None if quiet else lambda m: print(m, file=sys.stderr, flush=True)):
            return a.func(a)
    except LstmcastError as e:
        print(f"lstmcast: error: {one_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lstmcast: interrupted", file=sys.stderr)
        if argv is None:   # the program, not a caller's main([...]): partial outputs are already removed
            _exit_now(130)
        return 130
    except Exception as e:   # the resource plan's safety net: memory exhausted anyway
        if not (isinstance(e, MemoryError) or "RESOURCE_EXHAUSTED" in str(e)[:2000]):
            raise
        print("lstmcast: error: out of memory; lower --seeds, --units, --batch-size or --horizon "
              "(or set --max-memory below the memory this machine has free)", file=sys.stderr)
        return 2
    finally:
        if signal.getsignal(signal.SIGINT) is _on_sigint:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        set_max_memory(None)                       # no cap leaks into later API calls in this process
        set_reporter(None)
        if argv is None:   # the program ends here: nothing is left for a final collection to free
            gc.freeze()


def _lean_gc():
    """The command's garbage collector: the young generation is collected every 20,000 allocations
    instead of 700. Importing JAX and pandas and loading programs allocate hundreds of thousands of
    long-lived objects, and the default thresholds make the collector scan them again and again
    (~0.1-0.2 s of a 1 s `lstmcast forecast`); garbage with cycles is still collected, only less
    often. With `gc.freeze()` at the end, the interpreter's exit skips a last full collection of
    everything (~0.3 s). Only the program does this, never a caller's `main([...])`."""
    gc.set_threshold(20_000, 10, 10)


def _exit_now(code: int):
    """Exit at once, skipping interpreter shutdown: an interrupted XLA computation may still run on
    its own threads, and finalising under it crashes (SIGSEGV); a second Ctrl-C is ignored meanwhile."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
