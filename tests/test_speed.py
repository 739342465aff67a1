"""The cost of local LSTM work (issues 22 and 23): padded minibatches are skipped, long series' differencing
trials train once per candidate, a backtest's refits start from the first window's weights for a quarter of the
budget, and a backtest compiles no new program for more windows."""
import dataclasses

import jax
import numpy as np
import pandas as pd
import pytest

from lstmcast.engine import programs
from lstmcast.engine.config import ModelConfig
from lstmcast.engine.train import TrainConfig, compiled_train, make_train
from lstmcast.fit.select import FOLDS, fold_cut, fold_trials, long_series
from lstmcast.fit.settings import Settings
from lstmcast.forecaster import Forecaster
from lstmcast.models.ensemble import Ensemble, Group, warm_config, warm_starts
from lstmcast.models.lstm import Recipe


def _spec(n, m):
    return Settings(**Forecaster().get_params()).spec("local", m, n)


def test_fold_trials_by_hand():
    # a monthly series of 204 values: one trial per (fold, candidate), the newest fold first, as before
    sp = _spec(204, 12)
    assert not long_series(204, sp, 12)
    got = fold_trials(204, [(12, 1), (1,)], sp, 12)
    cuts = [204 - 12 - 12 * (k + 1) + 1 for k in range(FOLDS)]           # 181, 169, 157
    assert got == [(c, cuts[k], (k,)) for k in range(FOLDS) for c in [(12, 1), (1,)]]
    # a half-hourly year (season 48, look-back 48): the oldest fold has 17,520 - 48 - 144 + 1 - 48 - 48 + 1
    # = 17,234 windows, a pass draws 7,680 // 48 = 160 of them: one trial per candidate, on the oldest fold,
    # scored on all three folds
    sp = _spec(17_520, 48)
    assert long_series(17_520, sp, 48)
    got = fold_trials(17_520, [(48, 1), (1,)], sp, 48)
    assert got == [((48, 1), 17_520 - 48 - 144 + 1, (0, 1, 2)), ((1,), 17_520 - 48 - 144 + 1, (0, 1, 2))]
    assert fold_cut(17_520, 48, 48, 2) == 17_520 - 48 - 144 + 1
    # the boundary: the longest series a pass still takes whole (640 windows at look-back 12) is not long
    n = 640 + 12 + 12 - 1 + 12 * FOLDS + 12 - 1
    assert not long_series(n, _spec(n, 12), 12) and long_series(n + 1, _spec(n + 1, 12), 12)


def test_warm_config_is_a_quarter_of_the_budget():
    tc = TrainConfig(epochs=100, batch_size=8, steps=2000)
    assert warm_config(tc) == dataclasses.replace(tc, epochs=25, steps=500)
    assert warm_config(TrainConfig(epochs=3)).epochs == 1


def test_warm_starts_take_each_series_own_weights():
    rec = Recipe(m=12, look_back=12, h=12)
    p = {"w": np.arange(3 * 2).reshape(3, 2, 1), "lstm": [{"k": np.arange(3 * 2).reshape(3, 2) * 10}]}
    ens = Ensemble(rec, "local", [Group(np.array([4, 7, 9]), None, p)], np.zeros(10), np.zeros(1), np.zeros(1))
    got = warm_starts(ens, rec, [9, 4])
    np.testing.assert_array_equal(got[0]["w"], p["w"][2])
    np.testing.assert_array_equal(got[1]["lstm"][0]["k"], p["lstm"][0]["k"][0])
    assert warm_starts(ens, rec, [9, 5]) is None                                  # series 5 has no weights
    assert warm_starts(ens, dataclasses.replace(rec, units=(8,)), [9]) is None    # another network
    assert warm_starts(None, rec, [9]) is None


def test_warm_trainer_equals_training_from_the_given_weights(rng):
    """compiled_train(warm=True) against the plain trainer given the same starting weights (the reference)."""
    mc, tc = ModelConfig(1, (4,), 2), TrainConfig(epochs=3, batch_size=4, row_keys=True)
    x = rng.normal(size=(2, 13, 5, 1)).astype(np.float32)
    y = rng.normal(size=(2, 13, 2)).astype(np.float32)
    w = np.ones((2, 13), np.float32)
    w[1, 9:] = 0.0                                                                # a padded dataset
    keys = jax.vmap(jax.random.key)(np.arange(3))
    start, _ = compiled_train(mc, tc, vmap_keys=True, vmap_data=True)(keys, x, y, w)     # leaves (K, W, ...)
    got, _ = compiled_train(mc, tc, vmap_keys=True, vmap_data=True, warm=True)(keys, start, x, y, w)
    train = jax.jit(make_train(mc, tc, fuse=False))
    for k in range(3):
        for d in range(2):
            ref, _ = train(keys[k], x[d], y[d], w[d], params=jax.tree.map(lambda a, k=k, d=d: a[k, d], start))
            for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(ref)):
                np.testing.assert_allclose(np.asarray(a)[k, d], np.asarray(b), rtol=1e-5, atol=1e-6)
    moved = np.asarray(got["dense"]["kernel"]) - np.asarray(start["dense"]["kernel"])
    assert np.abs(moved).max() > 1e-4                                             # it trained


def _series(n=120, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 50 + 0.2 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, n)
    return pd.DataFrame({"ds": pd.date_range("2000-01-01", periods=n, freq="MS"), "y": y})


@pytest.mark.slow
def test_warm_refits_keep_accuracy_and_more_windows_compile_nothing(monkeypatch):
    from lstmcast.fit import backtesting
    df = _series()
    kw = dict(model="lstm", seeds=2, diff=(12, 1), epochs=40)
    n0, mae = len(programs.STATS), {}
    for warm in (False, True):
        monkeypatch.setattr(backtesting, "WARM_REFITS", warm)
        cv = Forecaster(**kw).cross_validation(df, h=12, n_windows=3, step_size=12)
        mae[warm] = float(np.mean(np.abs(cv["lstm"] - cv["y"])))
    # the seasonal naive's error on the same windows: both far below it, and warm within 15% of cold
    snaive = float(np.mean(np.abs(df["y"].to_numpy()[np.r_[84:120] - 12] - df["y"].to_numpy()[84:120])))
    assert mae[True] < 0.8 * snaive and mae[False] < 0.8 * snaive
    assert mae[True] < 1.15 * mae[False], mae
    # five windows over the same series: every training and prediction shape is one the three windows used
    before = len(programs.STATS)
    assert before > n0                                    # (the three windows compiled their programs)
    Forecaster(**kw).cross_validation(df, h=12, n_windows=5, step_size=12)
    assert [e.name for e in programs.STATS[before:]] == []
