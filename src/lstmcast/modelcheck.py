"""Model directories are untrusted input: a schema for config.json and checks for every array.

    check_config(config, where="model/config.json")               # types, ranges, known keys, agreement
    check_arrays(arrays, {"dense.bias": (10, 1), ...}, where)      # names, dtype, shape, all finite

The schema is data: `CONFIG` maps each key to a validator built from the small combinators below
(`Int(lo, hi)`, `Float(lo, hi)`, `Choice(...)`, `List(item)`, `Dict({...})`, `Opt(v)`, `Any(...)`),
and `CROSS` lists checks that relate fields (lengths that must agree). Extend both when the format
grows. Every failure is one `DataError` line: the file, the key path, what was expected, what came.
"""
from __future__ import annotations

import math
import reprlib

from .errors import DataError


class _Bad(Exception):
    """(key path, what was expected, the value)."""


def _fail(path, expected, value):
    raise _Bad(path, expected, value)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def Int(lo=None, hi=None):
    def check(v, path):
        if not _is_int(v) or (lo is not None and v < lo) or (hi is not None and v > hi):
            _fail(path, f"a whole number{_range(lo, hi)}", v)
    return check


def Float(lo=None, hi=None, lo_open=False, hi_open=False):
    def check(v, path):
        ok = (_is_int(v) or isinstance(v, float)) and math.isfinite(v)
        ok = ok and (lo is None or (v > lo if lo_open else v >= lo)) and (hi is None or (v < hi if hi_open else v <= hi))
        if not ok:
            _fail(path, f"a finite number{_range(lo, hi, lo_open, hi_open)}", v)
    return check


def _range(lo, hi, lo_open=False, hi_open=False):
    if lo is None and hi is None:
        return ""
    if hi is None:
        return f" {'>' if lo_open else '>='} {lo}"
    if lo is None:
        return f" {'<' if hi_open else '<='} {hi}"
    return f" in {'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"


def Str(max_len=10_000, check_fn=None, expected="text"):
    def check(v, path):
        if not isinstance(v, str) or len(v) > max_len or (check_fn is not None and not check_fn(v)):
            _fail(path, expected, v)
    return check


def Bool():
    def check(v, path):
        if not isinstance(v, bool):
            _fail(path, "true or false", v)
    return check


def Choice(*values):
    def check(v, path):
        if not any(v == c and type(v) is type(c) for c in values):
            _fail(path, f"one of {', '.join(map(repr, values))}", v)
    return check


def Opt(inner):
    """`inner` or null (None)."""
    def check(v, path):
        if v is not None:
            inner(v, path)
    return check


def Any(*options, expected=None):
    """Passes if any option passes."""
    def check(v, path):
        for opt in options:
            try:
                opt(v, path)
                return
            except _Bad:
                pass
        _fail(path, expected or "another kind of value", v)
    return check


def List(item, min_len=0, max_len=10_000_000):
    def check(v, path):
        if not isinstance(v, list) or not min_len <= len(v) <= max_len:
            _fail(path, f"a list of {min_len}..{max_len} items" if max_len < 10_000_000 else
                  f"a list of at least {min_len} item(s)", v)
        for i, x in enumerate(v):
            item(x, f"{path}[{i}]")
    return check


def Dict(schema=None, values=None, optional=(), extra=False):
    """A JSON object. With `schema` (key -> validator): every key required unless named in `optional`,
    each value checked, unknown keys refused unless `extra`. Without: any keys, `values` checks each value."""
    def check(v, path):
        if not isinstance(v, dict):
            _fail(path, "an object {...}", v)
        if schema is None:
            for k, x in v.items():
                values(x, f"{path}.{k}")
            return
        for k, sub in schema.items():
            if k not in v:
                if k in optional:
                    continue
                raise _Bad(f"{path}.{k}" if path else k, "present (the key is missing)", _MISSING)
            sub(v[k], f"{path}.{k}" if path else k)
        unknown = [k for k in v if k not in schema]
        if unknown and not extra:
            raise _Bad(f"{path}.{unknown[0]}" if path else unknown[0], "no such key (unknown to this lstmcast)",
                       _MISSING)
    return check


_MISSING = object()


def _freq_ok(s):
    try:
        import pandas as pd
        pd.tseries.frequencies.to_offset(s)
        return True
    except (ValueError, TypeError):
        return False


def _time_ok(s):
    try:
        import pandas as pd
        return pd.Timestamp(s) is not pd.NaT
    except (ValueError, TypeError, OverflowError):
        return False


# THE FORMAT (version 1) ----------------------------------------------------------------------------

TRANSFORMS = ("none", "log", "boxcox")
POS = Int(1, 2**31 - 1)
LAGS = List(POS, max_len=16)
UNITS = List(Int(1, 1_000_000), min_len=1, max_len=64)
NUM_OR_NULL = Opt(Float())

HYPER_PARAMETERS = Dict({
    "look_back": Opt(POS), "framing": Choice("timesteps", "window", "regression"),
    "units": Any(Int(1, 1_000_000), UNITS, expected="a whole number or a list of them, each >= 1"),
    "stateful": Bool(), "epochs": POS, "batch_size": POS, "learning_rate": Float(0, lo_open=True),
    "seeds": Int(1, 1_000_000), "strategy": Choice("recursive", "direct"), "horizon": Opt(POS),
    "transform": Choice("auto", *TRANSFORMS), "diff": Any(Choice("auto"), LAGS, expected="'auto' or a list of lags"),
    "scale": Choice("standard", "minmax"), "calendar": Bool(), "validation": Float(0, 1, hi_open=True),
    "patience": Int(0, 2**31 - 1), "aggregate": Choice("mean", "median"), "season_length": Opt(POS),
    "seed": Int(-2**31, 2**31 - 1)})

CONFIG = {
    "format": Choice("lstmcast-model"),
    "format_version": Int(1, 1),
    "lstmcast_version": Str(100),
    "hyper_parameters": HYPER_PARAMETERS,
    "resolved": Dict({"season_length": POS, "look_back": POS, "units": UNITS, "transform": Choice(*TRANSFORMS),
                      "diff": LAGS, "horizon": POS, "n_val": Int(0, 2**31 - 1),
                      "diff_scores": Dict(values=NUM_OR_NULL)}, optional=("diff_scores",)),
    "pipeline": Dict({"transform": Choice(*TRANSFORMS), "lam": Float(-10, 10), "diff": LAGS,
                      "scale": Choice("standard", "minmax"), "loc": Float(), "spread": Float(0, lo_open=True)}),
    "phase": Int(0, 2**31 - 1),
    "series": Dict({"name": Opt(Str(1000)), "index_name": Opt(Str(1000)),
                    "freq": Str(50, _freq_ok, "a pandas frequency such as 'MS'"),
                    "start": Str(100, _time_ok, "a timestamp such as '2000-01-01T00:00:00'"),
                    "values": List(Float(), min_len=3)}),
    "n_features": Int(1, 1_000_000),
    "history": Dict({"loss": List(List(Float(0))), "val_loss": List(List(NUM_OR_NULL)),
                     "best_epoch": List(Int(0, 2**31 - 1))}),
}


def _cross(c):
    """Fields that must agree with each other; yields (key path, message)."""
    hp, r, pipe, s, hist = c["hyper_parameters"], c["resolved"], c["pipeline"], c["series"], c["history"]
    if r["diff"] != pipe["diff"]:
        yield "pipeline.diff", f"{pipe['diff']} but resolved.diff is {r['diff']}"
    if r["transform"] != pipe["transform"]:
        yield "pipeline.transform", f"{pipe['transform']!r} but resolved.transform is {r['transform']!r}"
    if hp["units"] not in (r["units"], r["units"][0] if len(r["units"]) == 1 else None):
        yield "resolved.units", f"{r['units']} but hyper_parameters.units is {hp['units']}"
    if hp["strategy"] == "recursive" and r["horizon"] != 1:
        yield "resolved.horizon", f"{r['horizon']}, but the recursive strategy predicts 1 step"
    per_step = 1 + 2 * (hp["calendar"] and r["season_length"] > 1)
    features = per_step * (r["look_back"] if hp["framing"] == "window" else 1)
    if c["n_features"] != features:
        yield "n_features", (f"{c['n_features']}, but framing {hp['framing']!r}, look_back {r['look_back']} and "
                             f"calendar {hp['calendar']} give {features}")
    if hp["framing"] == "regression" and r["look_back"] != 1:
        yield "resolved.look_back", f"{r['look_back']}, but the regression framing uses 1"
    if c["phase"] >= r["season_length"]:
        yield "phase", f"{c['phase']} is not below the season length {r['season_length']}"
    need = r["look_back"] + sum(r["diff"]) + 1
    if len(s["values"]) < need:
        yield "series.values", f"{len(s['values'])} values, fewer than look_back + differencing + 1 = {need}"
    if len(hist["loss"]) != hp["seeds"] or len(hist["val_loss"]) != hp["seeds"] or \
            len(hist["best_epoch"]) != hp["seeds"]:
        yield "history", f"rows for {len(hist['loss'])} seeds, hyper_parameters.seeds is {hp['seeds']}"
    elif any(len(row) != hp["epochs"] for row in hist["loss"] + hist["val_loss"]):
        yield "history.loss", f"a row is not {hp['epochs']} epochs long"
    elif any(b >= hp["epochs"] for b in hist["best_epoch"]):
        yield "history.best_epoch", f"an epoch number is not below epochs={hp['epochs']}"
    if pipe["transform"] in ("log", "boxcox") and min(s["values"]) <= 0:
        yield "series.values", f"a value <= 0 under the {pipe['transform']} transform"


CROSS = [_cross]


def check_config(config, where: str, schema: dict | None = None, cross=None):
    """Walk `schema` (default CONFIG) over `config`; then the CROSS checks. One DataError line on failure."""
    try:
        Dict(schema or CONFIG)(config, "")
    except _Bad as e:
        path, expected, value = e.args
        got = "nothing" if value is _MISSING else f"{reprlib.repr(value)} ({type(value).__name__})"
        if value is _MISSING:
            raise DataError(f"{where}: {path}: {expected}; the model directory is corrupt or from another "
                            "lstmcast, refit it") from None
        raise DataError(f"{where}: {path}: expected {expected}, got {got}; the model directory is corrupt, "
                        "refit it") from None
    for fn in CROSS if cross is None else cross:
        for path, msg in fn(config):
            raise DataError(f"{where}: {path} disagrees: {msg}; the model directory is corrupt, refit it")


def check_arrays(arrays: dict, shapes: dict, where: str):
    """Each expected array present, floating point, of its shape, all finite; no unknown arrays."""
    import numpy as np
    for name, shape in shapes.items():
        if name not in arrays:
            raise DataError(f"{where}: missing array {name!r}")
        a = arrays[name]
        if a.dtype.kind != "f":
            raise DataError(f"{where}: {name} has dtype {a.dtype}, expected floating point")
        if tuple(a.shape) != tuple(shape):
            raise DataError(f"{where}: {name} has shape {tuple(a.shape)}, the config says {tuple(shape)}")
        if not np.all(np.isfinite(a)):
            n = int(np.sum(~np.isfinite(a)))
            raise DataError(f"{where}: {name} holds {n} non-finite value(s) (NaN or inf); the model is "
                            "corrupt or diverged, refit it")
        if np.any(np.abs(a) > np.finfo(np.float32).max):
            raise DataError(f"{where}: {name} holds values beyond float32; the model is corrupt, refit it")
    unknown = sorted(set(arrays) - set(shapes))
    if unknown:
        raise DataError(f"{where}: unknown array(s) {reprlib.repr(unknown)}; the model directory is corrupt")
