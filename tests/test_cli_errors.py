"""Every bad input: exit status 2, one line naming the problem, no traceback, nothing written."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from helpers import run_cli, write_series

FAST = ["--epochs", "2", "--seeds", "2"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("m")
    csv = write_series(d / "s.csv", np.round(100 + 10 * np.sin(np.arange(60) / 2) + np.arange(60), 2))
    code, _, err = run_cli("fit", csv, "--model", d / "model", *FAST, "--quiet")
    assert code == 0, err
    return d / "model"


def _csv(tmp_path, text, name="bad.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def _series_text(values, dates=None):
    import pandas as pd
    dates = dates or [str(t.date()) for t in pd.date_range("2000-01-01", periods=len(values), freq="MS")]
    return "date,value\n" + "".join(f"{d},{v}\n" for d, v in zip(dates, values))


GOOD = list(range(100, 160))
CASES = {
    "missing file": (lambda t: t / "nope.csv", [], r"nope\.csv: no such file"),
    "directory": (lambda t: t, [], r"is a directory"),
    "empty file": (lambda t: _csv(t, ""), [], r"bad\.csv: the file is empty"),
    "header only": (lambda t: _csv(t, "date,value\n"), [], r"has a header but no data rows"),
    "binary garbage": (lambda t: _csv(t, "\x00\xff\xfe garbage \x01,\x02\n\x03"), [], r"bad\.csv: "),
    "no such column": (lambda t: _csv(t, _series_text(GOOD)), ["--value-col", "sales"],
                       r"no column 'sales' for values; columns are \['date', 'value'\]"),
    "no such column number": (lambda t: _csv(t, _series_text(GOOD)), ["--time-col", "7"], r"no column number 7"),
    "non-numeric value": (lambda t: _csv(t, _series_text(GOOD[:5] + ["12x"] + GOOD[6:])), [],
                          r"column 'value', line 7: '12x' is not a number"),
    "missing values": (lambda t: _csv(t, _series_text(GOOD[:9] + [""] + GOOD[10:])), [],
                       r"the series has 1 missing value, first at 2000-10-01 \(line 11\); fill them with --fill"),
    "duplicate timestamps": (lambda t: _csv(t, _series_text(GOOD[:3], ["2000-01-01", "2000-02-01", "2000-02-01"])),
                             [], r"duplicate .*2000-02-01.* at line 3 and line 4"),
    "no frequency": (lambda t: _csv(t, _series_text(GOOD[:4], ["2000-01-01", "2000-01-02", "2000-01-07",
                                                              "2000-01-30"])),
                     [], r"cannot infer the frequency.*--freq"),
    "too short": (lambda t: _csv(t, _series_text(GOOD[:20])), [],
                  r"the series is too short: 20 values.*need at least 31"),
    "constant": (lambda t: _csv(t, _series_text([5] * 40)), [], r"the series is constant: all 40 values are 5"),
    "infinite": (lambda t: _csv(t, _series_text(GOOD[:4] + ["inf"] + GOOD[5:])), [],
                 r"1 infinite value, first at 2000-05-01 \(line 6\)"),
    "no date column": (lambda t: _csv(t, "a,b\n1,2\n3,4\n"), [], r"no column of dates found"),
    "bad date": (lambda t: _csv(t, _series_text(GOOD[:3], ["2000-01-01", "yesterday", "2000-03-01"])), [],
                 r"line 3: 'yesterday' is not a date"),
    "look_back 0": (lambda t: _csv(t, _series_text(GOOD)), ["--look-back", "0"], r"--look-back must be > 0"),
    "epochs 0": (lambda t: _csv(t, _series_text(GOOD)), ["--epochs", "0"], r"--epochs must be > 0"),
    "epochs text": (lambda t: _csv(t, _series_text(GOOD)), ["--epochs", "many"], r"--epochs must be a whole number"),
    "log of negatives": (lambda t: _csv(t, _series_text([-1] + GOOD[1:])), ["--transform", "log"],
                         r"transform 'log' needs values > 0; 2000-01-01 has -1"),
    "diverges": (lambda t: _csv(t, _series_text(GOOD)), ["--learning-rate", "1e30"],
                 r"training diverged to NaN.*lower --learning-rate"),
}


def _check_error(code, out, err, pattern):
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()   # progress notes may come first; the error is one last line
    assert [ln for ln in lines if "error" in ln] == lines[-1:] and lines[-1].startswith("lstmcast: error: "), err
    assert "Traceback" not in err
    import re
    assert re.search(pattern, lines[-1]), lines[-1]


@pytest.mark.parametrize("case", list(CASES))
def test_fit_bad_input(tmp_path, case):
    make, extra, pattern = CASES[case]
    data = make(tmp_path)
    before = sorted(os.listdir(tmp_path))
    code, out, err = run_cli("fit", data, "--model", tmp_path / "model", "--epochs", "2", "--seeds", "1", *extra)
    _check_error(code, out, err, pattern)
    assert sorted(os.listdir(tmp_path)) == before      # nothing written


def test_model_directory_exists_is_not_overwritten(tmp_path, model_dir):
    csv = write_series(tmp_path / "s.csv", GOOD)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "mine.txt").write_text("keep me")
    code, out, err = run_cli("fit", csv, "--model", tmp_path / "model", *FAST)
    _check_error(code, out, err, r"model directory exists; pass --force")
    assert (tmp_path / "model" / "mine.txt").read_text() == "keep me"


@pytest.mark.parametrize("args,pattern", [
    (["--horizon", "0"], r"--horizon must be > 0; got 0"),
    (["--horizon", "-3"], r"--horizon must be > 0"),
    (["--horizon", "3", "--level", "150"], r"level must be a percentage between 0 and 100"),
])
def test_forecast_bad_arguments(model_dir, args, pattern):
    _check_error(*run_cli("forecast", "--model", model_dir, *args), pattern)


def test_forecast_output_exists(tmp_path, model_dir):
    out = tmp_path / "f.csv"
    out.write_text("precious")
    _check_error(*run_cli("forecast", "--model", model_dir, "--horizon", "3", "--out", out),
                 r"f\.csv: output exists; pass --force")
    assert out.read_text() == "precious"
    code, _, err = run_cli("forecast", "--model", model_dir, "--horizon", "3", "--out", out, "--force", "--quiet")
    assert code == 0, err
    assert out.read_text().startswith("unique_id,date,mean,model")


def _copy_model(model_dir, tmp_path):
    import shutil
    dst = tmp_path / "copy"
    shutil.copytree(model_dir, dst)
    return dst


def test_model_missing(tmp_path):
    _check_error(*run_cli("forecast", "--model", tmp_path / "none", "--horizon", "2"), r"no such model directory")


def test_model_corrupt_config(tmp_path, model_dir):
    m = _copy_model(model_dir, tmp_path)
    (m / "config.json").write_text("{not json")
    _check_error(*run_cli("forecast", "--model", m, "--horizon", "2"), r"config\.json: corrupt")


def test_model_corrupt_weights(tmp_path, model_dir):
    m = _copy_model(model_dir, tmp_path)
    (m / "weights.npz").write_bytes(b"garbage")
    _check_error(*run_cli("forecast", "--model", m, "--horizon", "2"), r"weights\.npz: unreadable")


def test_model_newer_format(tmp_path, model_dir):
    m = _copy_model(model_dir, tmp_path)
    cfg = json.loads((m / "config.json").read_text())
    cfg["format_version"] = 99
    (m / "config.json").write_text(json.dumps(cfg))
    _check_error(*run_cli("forecast", "--model", m, "--horizon", "2"), r"format version 99 is newer")


def test_model_weight_shapes_disagree(tmp_path, model_dir):
    m = _copy_model(model_dir, tmp_path)
    with np.load(m / "weights.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["g0.lstm.0.kernel"] = arrays["g0.lstm.0.kernel"][..., :8]
    np.savez(m / "weights.npz", **arrays)
    _check_error(*run_cli("forecast", "--model", m, "--horizon", "2"),
                 r"g0\.lstm\.0\.kernel has shape \(1, 2, 1, 8\), the config says \(1, 2, 1, 64\)")


def test_pickled_weights_are_refused(tmp_path, model_dir):
    m = _copy_model(model_dir, tmp_path)
    with np.load(m / "weights.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["g0.dense.bias"] = np.array([{"evil": 1}, None], dtype=object)
    np.savez(m / "weights.npz", **arrays)
    _check_error(*run_cli("forecast", "--model", m, "--horizon", "2"), r"weights\.npz: unreadable")


def test_unsorted_rows_are_sorted(tmp_path):
    """A file whose rows are out of time order is read in time order (as statsforecast reads a frame)."""
    from lstmcast.data.panel import load_panel_csv
    text = _series_text(GOOD)
    head, *rows = text.splitlines()
    swapped = rows[:5] + [rows[6], rows[5]] + rows[7:]
    p = _csv(tmp_path, "\n".join([head, *swapped]) + "\n")
    panel = load_panel_csv(p)
    assert np.array_equal(panel.values[0], np.asarray(GOOD, float))


def test_real_process_prints_no_traceback(tmp_path):
    r = subprocess.run([sys.executable, "-m", "lstmcast", "fit", str(tmp_path / "x.csv"), "--model",
                        str(tmp_path / "m")], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip() == f"lstmcast: error: {tmp_path / 'x.csv'}: no such file"
