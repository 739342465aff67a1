"""Hostile inputs found by fuzzing the CLI, each pinned: no traceback, no non-finite or unreadable number,
a one-line error (exit 2) where the input cannot be used."""
import re

import numpy as np
import pandas as pd
import pytest

from helpers import run_cli, write_series

FAST = ["--epochs", "1", "--seeds", "1", "--diff", "1", "--scope", "local"]
WAVE = np.round(100 + 10 * np.sin(np.arange(48) / 2) + np.arange(48), 2)


def check_error(code, out, err, pattern):
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert [ln for ln in lines if "error" in ln] == lines[-1:] and lines[-1].startswith("lstmcast: error: "), err
    assert "Traceback" not in err
    assert re.search(pattern, lines[-1]), lines[-1]


# VALUES NEAR THE ENDS OF FLOAT64 ---------------------------------------------------------------------

def test_rmse_neither_overflows_nor_underflows():
    from lstmcast.evaluate.metrics import rmse
    e = np.array([3.0, 4.0])
    assert rmse(e * 1e300, [0, 0]) == pytest.approx(np.sqrt(12.5) * 1e300, rel=1e-15)   # squares are inf
    assert rmse(e * 1e-300, [0, 0]) == pytest.approx(np.sqrt(12.5) * 1e-300, rel=1e-15)  # squares are 0
    assert rmse(e, [0, 0]) == np.sqrt(12.5) and rmse([1, 1], [1, 1]) == 0.0
    assert np.isnan(rmse([np.nan, 1.0], [0, 0]))


def test_statsforecast_baselines_on_values_near_1e300_scale_exactly():
    from lstmcast.models.baselines import stat_cross_validation
    y0 = 1 + 0.4 * (WAVE - WAVE.min()) / np.ptp(WAVE)           # in [1, 1.4]: no rescaling
    ds = pd.date_range("2000-01-01", periods=len(y0), freq="MS")
    base = pd.DataFrame({"unique_id": "a", "ds": ds, "y": y0})
    ref = stat_cross_validation(base, 3, 2, 3, True, 12, ["ets", "arima"], "MS")
    for k in (990, -990):       # 1e298 and 1e-298: statsforecast alone raises 'No suitable ARIMA model found'
        cv = stat_cross_validation(base.assign(y=np.ldexp(y0, k)), 3, 2, 3, True, 12, ["ets", "arima"], "MS")
        for c in ("y", "ets", "arima"):
            np.testing.assert_array_equal(cv[c].to_numpy(), np.ldexp(ref[c].to_numpy(), k))


def test_evaluate_prints_huge_scores_in_scientific_notation(tmp_path):
    csv = write_series(tmp_path / "huge.csv", (WAVE * 1e298).tolist())
    code, out, err = run_cli("evaluate", csv, "--horizon", "3", "--windows", "2", "--models", "naive,ets,arima",
                             "--quiet")
    assert code == 0, err
    assert not re.search(r"\d{12}", out) and not re.search(r"\b(nan|inf)\b", out), out
    assert re.search(r"^naive +\d\.\d{3} +\d\.\d\de\+29\d", out, re.M), out


def test_fit_reports_the_rmse_of_tiny_values(tmp_path):
    csv = write_series(tmp_path / "tiny.csv", (WAVE * 1e-300).tolist())
    code, out, err = run_cli("fit", csv, "--model", tmp_path / "m", *FAST, "--combination", "lstm", "--quiet")
    assert code == 0, err
    rmse = float(re.search(r"RMSE of the LSTM: (\S+)", out).group(1))
    assert 1e-302 < rmse < 1e-298, out           # was 0 (the squares underflowed); inf for 1e300
