"""The types of the commands' flags: whole numbers, numbers, text, fractions, lists, sizes; each bad value is
one line naming the flag (argparse prints it as `lstmcast: error: ...`, exit 2)."""
from __future__ import annotations

import argparse
import math

from ..engine.plan import parse_bytes

# ARGUMENTS ----------------------------------------------------------------------------------------

INT_MAX = 2**31 - 1     # what jax's int32 seeds, shapes and counters hold


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def _text(name):
    """Any text flag: encodable, without NUL bytes (they would reach the OS as paths)."""
    def parse(s):
        if "\x00" in s:
            raise argparse.ArgumentTypeError(f"{name} must not contain NUL characters; got {s!r}")
        try:
            s.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raise argparse.ArgumentTypeError(f"{name} is not valid text; got {s!r}") from None
        return s
    return parse


def _int(name, lo=-INT_MAX - 1, hi=INT_MAX):
    def parse(s):
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number; got {s!r}") from None
        if v < lo:
            raise argparse.ArgumentTypeError(f"{name} must be {'> 0' if lo == 1 else f'>= {lo}'}; got {s}")
        if v > hi:
            raise argparse.ArgumentTypeError(f"{name} must be <= {hi}; got {s}")
        return v
    return parse


def _float(name):
    def parse(s):
        try:
            v = float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number; got {s!r}") from None
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"{name} must be a finite number; got {s}")
        return v
    return parse


def _positive(name, cast, kind):
    """An argparse type: a finite number > 0 of type `cast`, with a one-line message otherwise."""
    def parse(s):
        try:
            v = cast(s)
        except (ValueError, OverflowError):
            raise argparse.ArgumentTypeError(f"{name} must be {kind}; got {s!r}") from None
        if not v > 0 or v == float("inf"):
            raise argparse.ArgumentTypeError(f"{name} must be > 0; got {s}")
        if cast is int and v > INT_MAX:
            raise argparse.ArgumentTypeError(f"{name} must be <= {INT_MAX}; got {s}")
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


def _int_list(name, hi=INT_MAX, max_len=64, zero_first=None):
    """Comma-separated whole numbers > 0; zero_first: a leading 0 is allowed too, and this says what it means."""
    def parse(s):
        try:
            v = tuple(int(a) for a in s.replace(" ", "").split(",") if a != "")
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be whole numbers separated by commas; got {s!r}") from None
        if not v or any(a <= 0 for a in v[1 if zero_first else 0:]) or v[0] < 0:
            extra = f" ({zero_first})" if zero_first else ""
            raise argparse.ArgumentTypeError(f"{name} must be whole numbers > 0{extra}; got {s!r}")
        if any(a > hi for a in v) or len(v) > max_len:
            raise argparse.ArgumentTypeError(f"{name} allows at most {max_len} numbers, each <= {hi}; got {s!r}")
        return v
    return parse


def _auto_or(parse):
    return lambda s: None if s == "auto" else parse(s)


DIFF_ZERO = "a leading 0, as in 0,1, first removes a fixed seasonal component"


def _diff_spec(s):
    """--diff: 'auto', 'none' or lags like '12,1' (checked here, kept as text for forecaster_params)."""
    text = s.strip().lower()
    if text not in ("auto", "none", ""):
        _int_list("--diff", hi=100_000, max_len=16, zero_first=DIFF_ZERO)(s)
    return s


def _bytes(s):
    try:
        return parse_bytes(s)
    except (ValueError, IndexError, OverflowError):
        raise argparse.ArgumentTypeError(f"--max-memory must be a size like 512M or 4G; got {s!r}") from None


_PLAIN = {int: _int, float: _float, str: _text, None: _text}


def _harden_types(parser):
    """Give every store-like action of `parser` a checked type (plain int/float/str become _int/_float/_text)."""
    for act in parser._actions:
        if getattr(act, "_hardened", False) or act.nargs == 0 or isinstance(act, argparse._SubParsersAction):
            continue
        if act.type in _PLAIN:
            act.type = _PLAIN[act.type](act.option_strings[0] if act.option_strings else act.dest)
        act._hardened = True
