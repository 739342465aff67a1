"""`lstmcast tutorial`: numbers on the right months, JSON shape, figures, no overwriting."""
import json

import numpy as np
import pytest
from helpers import run_cli

from lstmcast import datasets
from lstmcast.tutorial import run_framing

Y = datasets.airline().to_numpy()


@pytest.mark.parametrize("faithful,n_train,n_test,persist,snaive", [(True, 94, 46, 48.66, 42.32),
                                                                     (False, 95, 48, 48.04, 41.85)])
def test_regression_framing_targets_and_baselines(faithful, n_train, n_test, persist, snaive):
    r = run_framing(Y, "regression", seeds=3, epochs=3, faithful=faithful)
    assert (len(r.train_months), len(r.test_months)) == (n_train, n_test)
    assert round(r.persistence_test_rmse, 2) == persist and round(r.snaive_test_rmse, 2) == snaive
    assert r.test_pred.shape == (3, n_test)
    # RMSE recomputed by hand from the predictions at the months they predict
    np.testing.assert_allclose(r.test_rmse, np.sqrt(((r.test_pred - Y[r.test_months]) ** 2).mean(1)), rtol=1e-4)


def test_stateful_framing_runs_with_state():
    r = run_framing(Y, "stacked", seeds=2, epochs=2, faithful=True)
    assert r.train_pred.shape == (2, 92) and np.isfinite(r.test_rmse).all()


@pytest.mark.slow
def test_tutorial_cli_json_and_figures(tmp_path):
    out = tmp_path / "figs"
    code, stdout, err = run_cli("tutorial", "--framing", "regression", "window", "--seeds", "2", "--epochs", "2",
                                "--faithful", "--out", out, "--json")
    assert code == 0, err
    doc = json.loads(stdout)     # stdout holds the JSON document and nothing else
    assert doc["mode"] == "faithful" and doc["seeds"] == 2 and doc["epochs"] == 2
    f = doc["framings"][0]
    assert f["name"] == "regression" and f["look_back"] == 1
    assert (f["n_train_targets"], f["n_test_targets"]) == (94, 46)
    assert set(f["train_rmse"]) == {"mean", "std", "min", "max", "values"} and len(f["test_rmse"]["values"]) == 2
    assert f["reported"] == {"train_rmse": 22.93, "test_rmse": 47.53}
    assert f["persistence_test_rmse"] == pytest.approx(48.66, abs=0.005)
    # the programs are loaded or compiled before the framings run and reported on their own
    assert doc["program_seconds"] > 0 and all(g["seconds"] > 0 for g in doc["framings"])
    for name in ("dataset", "regression", "window"):
        assert (out / f"{name}.png").stat().st_size > 10_000
    # a second run refreshes its own figures; a foreign folder is refused
    assert run_cli("tutorial", "--framing", "regression", "--seeds", "2", "--epochs", "2", "--out", out,
                   "--quiet")[0] == 0
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    code, _, err = run_cli("tutorial", "--framing", "regression", "--seeds", "2", "--epochs", "2", "--out", other)
    assert code == 2 and "was not written by `lstmcast tutorial`" in err
