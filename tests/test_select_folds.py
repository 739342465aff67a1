"""Differencing choice by validation: candidates compete on the folds they all trained on."""
import numpy as np
import pytest

from lstmcast.fit.select import common_folds


def test_candidates_compete_on_common_folds_only():
    # fold 0 (the longest) trained (1,) and (); fold 1 was too short for (1,): a perfect () there must not count
    trials = {((1,), 0): (4.0, 4, np.array([1.0, 3.0])),
              ((), 0): (16.0, 4, np.array([6.0, 10.0])),
              ((), 1): (0.0, 4, np.array([0.0, 0.0]))}
    fair, steps = common_folds(trials, h=2)
    assert fair == {(1,): 1.0, (): 2.0}                       # sqrt(4 / 4), sqrt(16 / 4): fold 0 alone
    assert steps["folds"] == 1                                # the statistical members are scored on it too
    np.testing.assert_allclose(steps[(1,)], [0.5, 1.5])     # per-step sums over 2 forecast rows
    np.testing.assert_allclose(steps[()], [3.0, 5.0])


def test_every_fold_counts_when_every_candidate_trained_on_it():
    trials = {(c, k): (float(v), 2, np.array([v / 2, v / 2]))
              for c, vals in {(1,): (2.0, 8.0), (12, 1): (4.0, 2.0)}.items() for k, v in enumerate(vals)}
    fair, steps = common_folds(trials, h=2)
    np.testing.assert_allclose([fair[(1,)], fair[(12, 1)]], [np.sqrt(10 / 4), np.sqrt(6 / 4)])
    np.testing.assert_allclose(steps[(12, 1)], [1.5, 1.5])
    # a candidate whose errors are not finite drops out; none trained: nothing to compare
    fair, _ = common_folds({**trials, ((), 0): (np.inf, 2, np.zeros(2)), ((), 1): (1.0, 2, np.zeros(2))}, h=2)
    assert set(fair) == {(1,), (12, 1)}
    assert common_folds({}, h=2) == ({}, {})
    assert common_folds(trials, h=2)[1]["folds"] == 2
    one = {((), 0): (1.0, 2, np.zeros(2)), ((), 1): (1.0, 2, np.zeros(2)), ((1,), 0): (1.0, 2, np.zeros(2))}
    assert common_folds(one, h=2)[1]["folds"] == 1


def test_selection_epochs_by_hand():
    from lstmcast import Forecaster
    from lstmcast.fit.select import EPOCH_GRID, MAX_BUDGETS, SELECTION_STEPS, budgets, selection_epochs
    spec = Forecaster().spec("local", 12)          # look_back 12, h 12, batch 8, 100 epochs
    # 156 values: ceil((156 - 12 - 12 - 12) / 8) = 15 steps an epoch; 800 // 15 = 53
    assert SELECTION_STEPS == 800 and selection_epochs(156, spec) == 53
    assert selection_epochs(96, spec) == 100       # 8 steps an epoch: 100 epochs, the recipe's cap
    assert selection_epochs(5000, spec) == 10      # at least 10 epochs
    few = [100, 53, 53, 20]
    assert budgets(few) == few                     # up to MAX_BUDGETS distinct: each series its own
    many = [selection_epochs(n, spec) for n in range(100, 2000, 7)]
    moved = budgets(many)
    assert len(set(many)) > MAX_BUDGETS and set(moved) <= set(EPOCH_GRID) | {10, 100}
    assert all(0.8 <= a / b <= 1.25 for a, b in zip(moved, many))     # the nearest grid value


@pytest.mark.slow
def test_a_series_is_validated_in_a_panel_as_alone():
    """Its selection budget is its own (not the panel's median length's): the same fold scores alone
    and beside a series four times as long."""
    import pandas as pd

    from lstmcast import Forecaster
    rng = np.random.default_rng(3)
    t = np.arange(240)
    y = 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 240)
    ds = pd.date_range("2000-01-01", periods=240, freq="MS")
    short = pd.DataFrame({"unique_id": "short", "ds": ds[:60], "y": y[:60]})
    panel = pd.concat([short, pd.DataFrame({"unique_id": "long", "ds": ds, "y": y * 1.5})])
    kw = dict(seeds=1, model="lstm", scope="local")
    alone = Forecaster(**kw).fit(short)
    both = Forecaster(**kw).fit(panel)
    i = list(both.panel_.ids).index("short")
    assert alone.diff_scores_[0] and set(alone.diff_scores_[0]) == set(both.diff_scores_[i])
    for c, v in alone.diff_scores_[0].items():
        np.testing.assert_allclose(both.diff_scores_[i][c], v, rtol=1e-5)
