"""Differencing choice by validation: candidates compete on the folds they all trained on."""
import numpy as np

from lstmcast.models.select import common_folds


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
    assert common_folds(trials, h=2)[1]["folds"] == 2 and common_folds({((), 0): (1.0, 2, np.zeros(2)), ((), 1): (1.0, 2, np.zeros(2)), ((1,), 0): (1.0, 2, np.zeros(2))}, h=2)[1]["folds"] == 1
