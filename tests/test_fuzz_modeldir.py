"""Saved model directories mutated at random load to a working model or fail with one DataError line.

Generic over whatever `Forecaster.save` writes: every JSON file gets key drops, wrong types, extreme
numbers, swapped values and unknown keys; every .npz gets dropped, swapped, reshaped, retyped or
NaN arrays; any file can be truncated or deleted. A model that loads must forecast finite values.
"""
import copy
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmcast import Forecaster
from lstmcast.errors import DataError

ODD = [None, "x", "", -1, 0, 1, 2**40, -2**40, 1e308, -1e308, float("nan"), float("inf"), [], {}, True,
       [1, 2], {"a": 1}, 0.5, "auto", "MS", "2000-01-01"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Two directories: one series (local scope, g0.* arrays) and a zoned panel of three (global, shared.*)."""
    y = pd.Series(100 + 10 * np.sin(np.arange(60) / 2) + np.arange(60),
                  index=pd.date_range("2000-01-01", periods=60, freq="MS"))
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b", "c"], 60), "ds": np.tile(y.index.tz_localize("+05:30"), 3),
                          "y": np.r_[y.to_numpy(), y.to_numpy() * 2, y.to_numpy()[::-1]]})
    dirs = []
    for name, data, kw in (("local", y, {}), ("global", panel, {"scope": "global"})):
        d = tmp_path_factory.mktemp("fuzz") / name
        Forecaster(epochs=2, seeds=2, diff=(1,), validation=0.2, **kw).fit(data).save(d)
        Forecaster.load(d).forecast(3)   # warm the compiled predict
        dirs.append(d)
    return dirs


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node[:3]):
            yield from _paths(v, prefix + (i,))


def _get(node, path):
    for k in path:
        node = node[k]
    return node


def _mutate_json(doc, draw):
    paths = [p for p in _paths(doc) if p]
    path = draw(st.sampled_from(paths))
    parent, key = _get(doc, path[:-1]), path[-1]
    op = draw(st.sampled_from(["drop", "odd", "swap", "unknown", "scale"]))
    if op == "drop":
        del parent[key]
    elif op == "odd":
        parent[key] = draw(st.sampled_from(ODD))
    elif op == "swap":
        parent[key] = copy.deepcopy(_get(doc, draw(st.sampled_from(paths))))
    elif op == "unknown":
        (parent if isinstance(parent, dict) else doc)["surprise"] = 1
    else:
        v = parent[key]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            parent[key] = type(v)(v * draw(st.sampled_from([-1, 0, 2, 1000, 10**12])))
    return doc


def _mutate_npz(arrays, draw):
    names = sorted(arrays)
    name = draw(st.sampled_from(names))
    a = arrays[name]
    op = draw(st.sampled_from(["drop", "swap", "nan", "inf", "int", "reshape", "extra", "huge"]))
    if op == "drop":
        del arrays[name]
    elif op == "swap":
        other = draw(st.sampled_from(names))
        arrays[name], arrays[other] = arrays[other], a
    elif op in ("nan", "inf", "huge"):
        b = a.astype(np.float64).copy()
        b.flat[draw(st.integers(0, b.size - 1))] = {"nan": np.nan, "inf": -np.inf, "huge": 1e300}[op]
        arrays[name] = b
    elif op == "int":
        arrays[name] = a.astype(np.int64)
    elif op == "reshape":
        arrays[name] = a.reshape(-1)[: max(a.size - 1, 1)]
    else:
        arrays["extra"] = np.zeros(3)
    return arrays


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutated_model_directory(saved, tmp_path_factory, data):
    d = tmp_path_factory.mktemp("m") / "model"
    shutil.copytree(data.draw(st.sampled_from(saved)), d)
    files = sorted(p for p in d.iterdir() if p.is_file())
    target = data.draw(st.sampled_from(files))
    how = data.draw(st.sampled_from(["content", "content", "content", "truncate", "delete"]))
    if how == "delete":
        target.unlink()
    elif how == "truncate":
        raw = target.read_bytes()
        target.write_bytes(raw[: data.draw(st.integers(0, len(raw) - 1))])
    elif target.suffix == ".json":
        doc = json.loads(target.read_text())
        target.write_text(json.dumps(_mutate_json(doc, data.draw)))
    elif target.suffix == ".npz":
        with np.load(target) as z:
            arrays = {k: z[k] for k in z.files}
        np.savez(target, **_mutate_npz(arrays, data.draw))
    else:
        target.write_bytes(b"\x00garbage")
    try:
        fc = Forecaster.load(d)
        out = fc.forecast(3, level=[80])
    except DataError as e:
        msg = str(e)
        assert "\n" not in msg and str(d) in msg or "forecast" in msg or "conformal" in msg, msg
        return
    numeric = out.select_dtypes("number").to_numpy()
    assert np.isfinite(numeric).all(), out
