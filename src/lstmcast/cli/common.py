"""What every command shares: the console, the one-line-error parser, the per-flag rules, the resource and
data flags, and loading the data a command was given (the flags' types are in argtypes.py)."""
from __future__ import annotations

import argparse
import os
import reprlib
import sys
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import is_special
from ..data.era import day
from ..data.panel import load_panel_csv
from ..data.parquet import check_parquet_writer
from ..engine.plan import set_max_memory, set_reporter
from ..errors import UsageError, one_line
from ..scale import get_backend
from .argtypes import INT_MAX, _bytes, _flag, _harden_types, _positive_int


class Console:
    """Notes and progress on stderr unless quiet; results on stdout.

    `note(msg, progress=(done, total))` draws a progress bar (tqdm) when stderr is a terminal, and prints
    the plain line only at the end of each bar otherwise, so logs and pipes stay short."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self._bar: Any = None                 # a tqdm bar (tqdm is imported when the first one is drawn)
        self._what: str | None = None

    def note(self, msg: str, progress=None):
        if self.quiet:
            return
        if progress is None:
            self._close()
            print(msg, file=sys.stderr, flush=True)
            return
        done, total = progress
        what = msg.split(":")[0]
        if sys.stderr.isatty():
            if self._bar is None or self._what != what:
                self._close()
                from tqdm import tqdm  # optional: progress bars only on a terminal
                self._bar, self._what = tqdm(total=total, desc=what, unit="series", file=sys.stderr,
                                             leave=False), what
            self._bar.update(done - self._bar.n)
            if done >= total:
                self._close()
        elif done >= total:
            print(msg, file=sys.stderr, flush=True)

    def _close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line: `lstmcast: error: ...`, exit status 2; and every value
    goes through the one validated path (`validate`) before a command starts: plain `int`/`float`/`str`
    types are replaced by checked ones (finite, in range, no NUL), then RULES (per flag) and CHECKS
    (combinations) run on the parsed namespace."""

    def error(self, message):
        self.exit(2, f"lstmcast: error: {one_line(message)} (see `{self.prog} --help`)\n")

    def parse_known_args(self, args=None, namespace=None):
        _harden_types(self)
        ns, rest = super().parse_known_args(args, namespace)
        try:
            validate(ns)
        except (UsageError, argparse.ArgumentTypeError) as e:
            self.error(str(e))
        return ns, rest


# PER-FLAG RULES AND COMBINATIONS --------------------------------------------------------------------
# Keyed by dest, so a flag added by any command gets its rule; values are already typed.

def _range(lo=None, hi=None, lo_open=False, hi_open=False, say=None):
    def check(dest, v):
        for x in (v if isinstance(v, (list, tuple)) else [v]):
            if not isinstance(x, (int, float)) or isinstance(x, bool):
                continue
            low = lo is not None and (x <= lo if lo_open else x < lo)
            high = hi is not None and (x >= hi if hi_open else x > hi)
            if low or high:
                if say:
                    raise UsageError(f"{_flag(dest)} {say}; got {x:g}")
                bound = (("> 0" if lo in (0, 1) and (lo_open or lo == 1) else f"{'>' if lo_open else '>='} {lo}")
                         if low else f"{'<' if hi_open else '<='} {hi}")
                raise UsageError(f"{_flag(dest)} must be {bound}; got {x}")
    return check


def _path(dest, v):
    if not isinstance(v, str):
        return
    if v == "":
        raise UsageError(f"{_flag(dest)} is empty; give a path")
    raw = os.fsencode(v) if "\x00" not in v else b"\x00"
    if b"\x00" in raw or len(raw) > 4000 or any(len(part) > 255 for part in raw.split(b"/")):
        raise UsageError(f"{_flag(dest)}: {reprlib.repr(v)} is not a usable path (too long or NUL bytes)")


PLOT_FORMATS = ("png", "pdf", "svg", "svgz", "jpg", "jpeg", "eps", "ps", "tif", "tiff", "webp")


def _plot_path(dest, v):
    """A path whose extension names an image format matplotlib writes."""
    _path(dest, v)
    if isinstance(v, str):
        ext = os.path.splitext(v)[1].lower().lstrip(".")
        if ext not in PLOT_FORMATS:
            raise UsageError(f"{_flag(dest)} {v!r}: the file name must end in an image format "
                             f"({', '.join('.' + f for f in PLOT_FORMATS[:3])}, ...), e.g. forecast.png")


def _freq(dest, v):
    if v is None:
        return

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.tseries.frequencies.to_offset(v)
    except (ValueError, TypeError):
        raise UsageError(f"--freq {v!r} is not a pandas frequency (e.g. D, W, MS, QS, YS)") from None


RULES = {
    "epochs": _range(1, 1_000_000), "steps": _range(1, 100_000_000), "seeds": _range(1, 100_000),
    "batch_size": _range(1, 10_000_000),
    "look_back": _range(1, 100_000), "direct_horizon": _range(1, 100_000), "horizon": _range(1, 1_000_000),
    "windows": _range(1, 100_000), "step": _range(1, 1_000_000), "season_length": _range(1, 100_000),
    "patience": _range(0, 1_000_000), "units": _range(1, 16_384), "learning_rate": _range(0, lo_open=True),
    "validation": _range(0, 1, hi_open=True),
    "level": _range(0, 100, True, True,
                    say="must be a percentage between 0 and 100 (level must be in (0, 100), e.g. 80 95)"),
    "seed": _range(-INT_MAX - 1, INT_MAX),
    "data": _path, "model": _path, "out": _path, "plot": _plot_path, "report": _path, "per_series": _path,
    "save_cv": _path, "init": _path,
    "future": _path, "future_template": _path, "static": _path, "freq": _freq,
}


def _combinations(a):
    """Flag combinations that cannot work (each names both flags and how to fix it)."""
    get = lambda k, d=None: getattr(a, k, d)  # noqa: E731
    if get("strategy") == "recursive" and get("direct_horizon") is not None:
        raise UsageError("--direct-horizon is the direct strategy's output width; drop it or use --strategy direct")
    if get("framing") == "regression" and get("look_back") not in (None, 1):
        raise UsageError(f"--framing regression uses a look-back of 1; drop --look-back {get('look_back')}")
    if get("stateful"):
        raise UsageError("--stateful is only for `lstmcast tutorial`'s framings; drop it")
    if (get("patience") or 0) > 0 and not get("validation"):
        raise UsageError(f"--patience {get('patience')} needs held-out windows: add --validation 0.2 "
                         "(or drop --patience)")
    if get("seed") is not None and get("seeds") is not None and get("seed") + get("seeds") - 1 > INT_MAX:
        raise UsageError(f"--seed {get('seed')} + --seeds {get('seeds')} passes {INT_MAX}; lower --seed")
    if get("units") is not None and not isinstance(get("units"), (list, tuple)) and get("units") > 16_384:
        raise UsageError(f"--units must be <= 16384; got {get('units')}")
    if isinstance(get("units"), (list, tuple)) and len(get("units")) > 16:
        raise UsageError(f"--units: at most 16 stacked layers; got {len(get('units'))}")
    if get("level") and len(set(get("level"))) != len(get("level")):
        raise UsageError(f"--level repeats a value: {get('level')}")
    outs = [get(k) for k in ("out", "plot") if get(k)]
    if len(outs) == 2 and os.path.abspath(outs[0]) == os.path.abspath(outs[1]):
        raise UsageError(f"--out and --plot are the same file {outs[0]!r}; give two paths")
    if get("step") is not None and get("horizon") is not None and get("windows", 1) > 1 and \
            get("step") > 100 * get("horizon"):
        raise UsageError(f"--step {get('step')} is over 100 horizons; lower --step or --windows")


CHECKS = [_combinations]


def validate(a):
    """The one validated path: every parsed value against its RULES entry, then CHECKS; sets the memory
    cap (--max-memory). Raises UsageError (one line) on the first problem."""
    for dest, rule in RULES.items():
        v = getattr(a, dest, None)
        if v is not None and v is not argparse.SUPPRESS:
            rule(dest, v)
    for check in CHECKS:
        check(a)
    if hasattr(a, "max_memory"):
        set_max_memory(a.max_memory)
        quiet = getattr(a, "quiet", False) or getattr(a, "json", False)
        set_reporter(None if quiet else Console().note)


def add_resource_flags(p):
    p.add_argument("--max-memory", type=_bytes, default=None,
                   help="memory cap for the resource plan, e.g. 4G (default: 80%% of the memory available)")


def add_data_flags(p, required: bool = True, panel: bool = True):
    p.add_argument("data", nargs=None if required else "?",
                   help="CSV or Parquet (.parquet) file: one series (a time and a value column) or a long panel "
                        "(id, time, value)")
    if panel:
        p.add_argument("--id-col", default=None, help="series id column of a long panel (default: 'unique_id' "
                                                      "if the file has it, else the file is one series)")
    p.add_argument("--time-col", default=None, help="time column: name or 0-based position")
    p.add_argument("--value-col", default=None, help="value column: name or 0-based position")
    p.add_argument("--freq", default=None, help="pandas frequency if it cannot be inferred (D, W, MS, QS, YS)")
    p.add_argument("--fill", choices=["interpolate", "ffill"], default=None, help="fill missing values and gaps")
    if panel:
        p.add_argument("--strict", action="store_true",
                       help="every per-series problem is an error (default: such series fall back to a baseline)")
        p.add_argument("--per-series", default=None, metavar="FILE",
                       help="write one row per series: id, length, status, reason, model (.parquet: Parquet)")
    add_dialect_flags(p)


def add_dialect_flags(p):
    p.add_argument("--sep", choices=[",", ";", "tab", "|"], default=None,
                   help="column delimiter (default: detected from the first lines)")
    p.add_argument("--decimal", choices=[".", ","], default=None,
                   help="decimal mark (default: '.', or ',' detected in ';'/tab files)")


def load_data(a, con: Console):
    """The data file as a Panel (one series is a panel of one)."""
    panel = load_panel_csv(a.data, id_col=getattr(a, "id_col", None), time_col=a.time_col, value_col=a.value_col,
                           freq=a.freq, fill=a.fill, strict=getattr(a, "strict", False), report=con.note,
                           sep=getattr(a, "sep", None), decimal=getattr(a, "decimal", None))
    starts, ends = panel.localize(panel.starts), panel.localize(panel.ends)     # the user's dates, of any era
    if len(panel) == 1:
        con.note(f"{a.data}: {panel.lengths[0]} values, {day(starts[0])} .. {day(ends[0])}, "
                 f"frequency {panel.freq}")
    else:
        con.note(f"{a.data}: {len(panel)} series, {int(panel.lengths.sum())} values, "
                 f"{day(starts.min())} .. {day(ends.max())}, frequency {panel.freq}")
    for msg in panel.notes[:5]:
        con.note(msg)
    if len(panel.notes) > 5:
        con.note(f"{a.data}: {len(panel.notes) - 5} more values many orders of magnitude off their neighbours")
    return panel


def check_new_path(path, force: bool, what: str = "output"):
    if is_special(path):                        # /dev/stdout, /dev/null, a pipe: written, never replaced
        return Path(path)
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"{path}: is a folder; give a file name")
    if p.exists() and not force:
        raise UsageError(f"{path}: {what} exists; pass --force to overwrite it")
    if not p.parent.exists():
        raise UsageError(f"{path}: folder {str(p.parent)!r} does not exist")
    check_parquet_writer(p)                     # a .parquet output without pyarrow: refused before any work
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
    if a.ray is None:
        if a.workers:
            raise UsageError("--workers needs --ray (it sizes a local Ray instance)")
        return get_backend("local")
    if a.ray.lower().endswith((".csv", ".parquet", ".pq")):
        raise UsageError(f"--ray took {a.ray!r} as a cluster address; put --ray after the data file "
                         f"or write --ray=ADDRESS")
    return get_backend("ray", address=a.ray or None, workers=a.workers)
