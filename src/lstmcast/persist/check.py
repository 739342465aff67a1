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

import numpy as np
import pandas as pd

from ..data.panel_core import STATUSES
from ..errors import DataError


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
        ok = (ok and (lo is None or (v > lo if lo_open else v >= lo))
              and (hi is None or (v < hi if hi_open else v <= hi)))
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
        pd.tseries.frequencies.to_offset(s)
        return True
    except (ValueError, TypeError):
        return False


def _zone_ok(s):
    try:
        pd.Timestamp("2000-01-01").tz_localize(s)
        return True
    except Exception:   # pytz/zoneinfo raise their own error types for an unknown zone
        return False


def _sha_ok(s):
    return len(s) == 64 and all(c in "0123456789abcdef" for c in s)


def _time_ok(s):
    try:
        return pd.Timestamp(s) is not pd.NaT
    except (ValueError, TypeError, OverflowError):
        pass
    try:                                    # another era's date (data/era.py): numpy reads any year
        return not np.isnat(np.datetime64(s, "s"))
    except (ValueError, TypeError, OverflowError):
        return False


# THE FORMAT (version 2: panels) ----------------------------------------------------------------------

KINDS = ("none", "log", "boxcox")
POS = Int(1, 2**31 - 1)
NONNEG = Int(0, 2**31 - 1)
LAGS = List(POS, max_len=16)
DIFFS = List(NONNEG, max_len=16)     # a chosen pipeline's lags: a leading 0 deseasonalises (prep/pipes.py)
UNITS = List(Int(1, 1_000_000), min_len=1, max_len=64)
NUM_OR_NULL = Opt(Float())

HYPER_PARAMETERS = Dict({
    "look_back": Opt(POS), "framing": Choice("timesteps", "window", "regression"),
    "units": Any(Int(1, 1_000_000), UNITS, expected="a whole number or a list of them, each >= 1"),
    "stateful": Bool(), "epochs": Opt(POS), "steps": Opt(POS), "batch_size": Opt(POS),
    "learning_rate": Opt(Float(0, lo_open=True)), "seeds": Opt(Int(1, 1_000_000)),
    "strategy": Choice("recursive", "direct"),
    "horizon": Opt(POS), "transform": Choice("auto", *KINDS),
    "diff": Any(Choice("auto"), DIFFS, expected="'auto' or a list of lags"),
    "scale": Choice("standard", "minmax"),
    "calendar": Any(Choice("auto"), Bool(), expected="'auto', true or false"), "validation": Float(0, 1, hi_open=True),
    "patience": NONNEG, "aggregate": Choice("mean", "median"), "season_length": Opt(POS),
    "seed": Int(-2**31, 2**31 - 1), "scope": Choice("auto", "local", "global"),
    "level_norm": Any(Choice("auto"), Bool(), expected="'auto', true or false"),
    "model": Opt(Str(100)), "keep_covariates": Bool()}, optional=("model", "keep_covariates"))

PIPES = Dict({"kind": List(Choice(*KINDS)), "lam": List(Float(-10, 10)), "diff": DIFFS,
              "loc": List(Float()), "spread": List(Float(0, lo_open=True)),
              "season": List(List(Float(), min_len=1, max_len=10_000))}, optional=("season",))

CONFIG = {
    "format": Choice("lstmcast-model"),
    "format_version": Int(2, 2),
    "lstmcast_version": Str(100),
    "hyper_parameters": HYPER_PARAMETERS,
    "resolved": Dict({"season_length": POS, "scope": Choice("local", "global"),
                      "scope_scores": Dict(values=NUM_OR_NULL), "look_back": POS, "horizon": POS, "units": UNITS,
                      "framing": Choice("timesteps", "window", "regression"),
                      "strategy": Choice("recursive", "direct"), "level_norm": Bool(), "calendar": Bool(),
                      "seeds": Int(1, 1_000_000), "seed": Int(-2**31, 2**31 - 1),
                      "transform": Choice("auto", *KINDS), "scale": Choice("standard", "minmax"),
                      "n_val": NONNEG, "val_frac": Float(0, 1, hi_open=True),
                      "train": Dict({"epochs": POS, "steps": NONNEG, "batch_size": POS,
                                     "learning_rate": Float(0, lo_open=True), "patience": NONNEG}),
                      "members": List(Choice("lstm", "ets", "theta", "arima", "pretrained", "pretrained-ft"),
                                      min_len=1, max_len=6),
                      "pretrained_sha256": Str(64, _sha_ok, "a sha256 in hex (64 characters 0-9a-f)")},
                     optional=("members", "pretrained_sha256")),
    "panel": Dict({"id_col": Str(1000), "time_col": Str(1000), "target_col": Str(1000),
                   "freq": Str(50, _freq_ok, "a pandas frequency such as 'MS'"),
                   "ids": List(Any(Str(10_000), Int(), expected="a series id (text or whole number)"), min_len=1),
                   "starts": List(Str(100, _time_ok, "a timestamp such as '2000-01-01T00:00:00'")),
                   "status": List(Choice(*STATUSES)), "reason": List(Str(10_000)),
                   "tz": Opt(Str(100, _zone_ok, "a time zone such as 'UTC+02:00' or 'Europe/Berlin'")),
                   "years": Int(-100_000, 100_000)},
                  optional=("tz", "years")),
    "series": Dict({"diffs": Dict(values=DIFFS), "diff_scores": Dict(values=Dict(values=NUM_OR_NULL)),
                    "phase0": List(NONNEG), "weights": Dict(values=Dict(values=List(Float(0, 1), min_len=1))),
                    "ets_states": Dict(values=Dict({"components": Str(4), "m": POS, "par": List(NUM_OR_NULL),
                                                    "sigma2": Float(0), "last": List(Float()),
                                                    "scale": Float(0, lo_open=True)}, optional=("scale",))),
                    "arima_states": Dict(values=Dict({"arma": List(NONNEG),
                                                      "coef": List(List(Any(Str(20), Float(),
                                                                            expected="a name or a number"))),
                                                      "sigma2": Float(0), "h": Float(), "n": POS,
                                                      "constant": Bool(), "x0": Float(),
                                                      "scale": Float(0, lo_open=True)}, optional=("scale",))),
                    "ft_states": List(Dict({"series": List(NONNEG, min_len=1), "steps": NONNEG,
                                            "net": Dict({"context": POS, "horizon": POS, "units": UNITS,
                                                         "levels": List(Float(0, 1, lo_open=True, hi_open=True),
                                                                        min_len=1, max_len=99)})}), max_len=1000)},
                   optional=("weights", "ets_states", "arima_states", "ft_states")),
    "groups": List(Dict({"idx": List(NONNEG, min_len=1), "pipes": PIPES})),   # none: no trained LSTM
    "history": Dict({"loss": List(List(Float(0))), "val_loss": List(List(NUM_OR_NULL))}),
}


def _cross(c):
    """Fields that must agree with each other; yields (key path, message)."""
    r, pc, s, groups = c["resolved"], c["panel"], c["series"], c["groups"]
    n = len(pc["ids"])
    for key in ("starts", "status", "reason"):
        if len(pc[key]) != n:
            yield f"panel.{key}", f"{len(pc[key])} entries for {n} series"
    if len(s["phase0"]) != n:
        yield "series.phase0", f"{len(s['phase0'])} entries for {n} series"
    if any(v >= r["season_length"] for v in s["phase0"]):
        yield "series.phase0", f"a season position is not below the season length {r['season_length']}"
    aware = {_has_offset(t) for t in pc["starts"]}
    if len(aware) > 1 or (pc.get("tz") is not None and aware == {False}):
        yield "panel.starts", f"timestamps {'with and without' if len(aware) > 1 else 'without'} a UTC offset" + \
            (f" for time zone {pc['tz']!r}" if pc.get("tz") is not None else "")
    if pc.get("tz") is not None and aware == {True}:
        for t in pc["starts"]:
            if not _offset_in_zone(t, pc["tz"]):
                yield "panel.starts", f"{t!r} is not a time of zone {pc['tz']!r} (another UTC offset)"
    if len(set(map(str, pc["ids"]))) != n:
        yield "panel.ids", "ids are not unique"
    trained = []
    for j, g in enumerate(groups):
        p = g["pipes"]
        if any(len(p[k]) != len(g["idx"]) for k in ("kind", "lam", "loc", "spread")):
            yield f"groups[{j}].pipes", f"pipeline rows disagree with the group's {len(g['idx'])} series"
        if any(i >= n for i in g["idx"]):
            yield f"groups[{j}].idx", f"a series position is not below the panel's {n} series"
        trained += g["idx"]
        for i in g["idx"]:
            if str(i) in s["diffs"] and s["diffs"][str(i)] != p["diff"]:
                yield f"series.diffs.{i}", f"{s['diffs'][str(i)]} but its group's lags are {p['diff']}"
    if sorted(trained) != sorted(int(k) for k in s["diffs"] if k.isdigit()) or len(set(trained)) != len(trained):
        yield "series.diffs", "the trained series and the groups disagree"
    if r["framing"] == "regression" and r["look_back"] != 1:
        yield "resolved.look_back", f"{r['look_back']}, but the regression framing uses 1"
    if r["strategy"] == "recursive" and r["horizon"] != 1:
        yield "resolved.horizon", f"{r['horizon']}, but the recursive strategy predicts 1 step"
    loss, val = c["history"]["loss"], c["history"]["val_loss"]
    lstm = r.get("members", ["lstm"])[0] == "lstm"      # else a combination without a trained LSTM
    if lstm != bool(groups):
        yield "groups", (f"{len(groups)} network groups for members {'+'.join(r.get('members', ['lstm']))}")
    if not lstm:
        if loss or val:
            yield "history.loss", "a training history for a model that trained no network"
        return
    if len(loss) != r["seeds"]:      # (seeds, epochs) in both scopes (local: the mean over series)
        yield "history.loss", f"rows for {len(loss)} seeds, resolved.seeds is {r['seeds']}"
    if len(val) != len(loss) or any(len(a) != len(b) for a, b in zip(val, loss)):
        yield "history.val_loss", "its rows and columns differ from history.loss's"


def _has_offset(text):
    return pd.Timestamp(text).tz is not None


def _offset_in_zone(text, zone):
    t = pd.Timestamp(text)
    return t.utcoffset() == t.tz_convert(zone).utcoffset()


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
