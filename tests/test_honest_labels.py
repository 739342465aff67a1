"""Rows that are what they say (issue 25): when the `lstm` and `default` rows of `evaluate` hold a baseline's
forecasts for some series, the table, the JSON and the report say how many and which baseline."""
import json

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli

from lstmcast.cli.evaluate import fallback_series, format_scores

FAST = ["--epochs", "1", "--seeds", "1", "--diff", "1"]


def _panel(path, lengths):
    rows = ["unique_id,ds,y\n"]
    for k, n in enumerate(lengths):
        t = pd.date_range("2010-01-01", periods=n, freq="MS")
        rows += [f"s{k},{d.date()},{100 + k + 10 * np.sin(i / 2) + i:.2f}\n" for i, d in enumerate(t)]
    path.write_text("".join(rows))
    return path


def test_fallback_series_counts_series_not_windows():
    lm = pd.DataFrame({"id": ["a", "a", "b", "b", "c"], "cutoff": [1, 2, 1, 2, 1],
                       "model": ["snaive-fallback", "lstm+ets", "naive-fallback", "naive-fallback", "lstm+ets"]})
    assert fallback_series(lm, "id") == {"snaive": 1, "naive": 1}
    assert fallback_series(lm.iloc[[1, 4]], "id") == {} and fallback_series(None, "id") == {}


def test_the_table_names_the_fallback_in_the_rows_label():
    row = {"mase": 1.0, "mase_median": 1.0, "mase_gmean": 1.0, "wins": 0, "rmse": 1.0, "mae": 1.0, "mape": 1.0,
           "smape": 1.0, "seconds": 0.0}
    doc = {"series": 10, "windows": 1, "horizon": 6, "step": 6, "refit": True, "season_length": 12, "fallbacks": 10,
           "default_model": "lstm", "models": {"lstm": {**row, "label": "lstm (10 of 10 series fell back to snaive)"},
                                               "snaive": row}}
    text = format_scores(doc)
    assert "\nlstm (10 of 10 series fell back to snaive)   1.000" in text and "\nsnaive " in text


@pytest.mark.slow
def test_a_panel_too_short_for_the_lstm_says_so_in_table_json_and_report(tmp_path):
    csv = _panel(tmp_path / "p.csv", [20, 22, 21])                 # too short for a 12-month season's LSTM
    code, out, err = run_cli("evaluate", csv, "--horizon", 6, "--windows", 1, "--json", "--models", "lstm,snaive",
                             "--report", tmp_path / "r.html", *FAST)
    assert code == 0, err
    doc = json.loads(out)
    for m in ("lstm", "default"):
        assert doc["models"][m]["fallback_series"] == 3 and sum(doc["models"][m]["fallback_to"].values()) == 3
        assert doc["models"][m]["label"].startswith(f"{m} (3 of 3 series fell back to ")
    assert "snaive" not in doc["models"]["snaive"].get("label", "snaive (")[7:]          # a baseline's row: plain
    assert "lstm (3 of 3 series fell back to " in (tmp_path / "r.html").read_text()
    code, out, err = run_cli("evaluate", csv, "--horizon", 6, "--windows", 1, "--models", "lstm,snaive", *FAST)
    assert code == 0 and "lstm (3 of 3 series fell back to " in out, err


@pytest.mark.slow
def test_statsforecast_too_short_in_a_window_falls_back_and_says_so(tmp_path):
    """README's `evaluate sales.csv --horizon 12 --windows 4` on a panel with a 54-month series: AutoETS refused
    its 6-value first window ('tiny datasets') and the whole command ended in a traceback."""
    csv = _panel(tmp_path / "p.csv", [60, 54])
    code, out, err = run_cli("evaluate", csv, "--horizon", 12, "--windows", 4, "--models", "ets,snaive", "--json",
                             *FAST)
    assert code == 0 and "Traceback" not in err, err
    ets = json.loads(out)["models"]["ets"]
    assert ets["fallback_series"] == 1 and ets["fallback_to"] == {"snaive": 1}
    assert ets["label"] == "ets (1 of 2 series fell back to snaive)" and ets["mase"] is not None
