"""Step budgets of local trainings (models/lstm.py): long series train on a random subset of their windows
per pass, short ones (every series of the benchmark corpus) exactly as before."""
import dataclasses

import jax
import numpy as np
import pytest

from lstmcast.engine.train import TrainConfig, compiled_train
from lstmcast.models import lstm, lstm_calls
from lstmcast.models.lstm import Recipe, effective_windows, step_budget
from lstmcast.models.lstm_calls import train_local

TC = TrainConfig(epochs=100, batch_size=8, row_keys=True)


@pytest.mark.parametrize("n, m, lb, expected", [
    (577, 12, 12, 577),         # the corpus's longest monthly series (gas, 476 points, has fewer): all windows
    (200, 4, 8, 200),           # quarterly
    (90, 1, 8, 90),             # yearly
    (250, 24, 24, 250),         # a short hourly series (up to MIN_WINDOWS): all windows
    (300, 24, 24, 256),         # information: max(16 a season = 200, MIN_WINDOWS)
    (2000, 12, 12, 640),        # a long monthly series: the compute cap, 7680 // 12
    (17425, 48, 48, 160),       # a half-hourly year: 7680 // 48
    (2000, 24, 24, 320),        # hourly: 7680 // 24 (information: 16 a season = 1333)
    (700, 168, 8, 256),         # weekly season on hourly data: the information floor MIN_WINDOWS
])
def test_effective_windows_by_hand(n, m, lb, expected):
    assert effective_windows(n, m, lb) == expected


def test_short_series_keep_their_epochs_and_long_ones_get_a_capped_step_budget():
    assert step_budget(TC, 577, 12, 12) is TC                                     # unchanged: bit for bit
    long = step_budget(TC, 17425, 48, 48)
    assert long == dataclasses.replace(TC, steps=100 * 20)                        # 100 passes of 160 windows
    # today's epochs would be 100 * ceil(17425 / 8) = 217,900 steps
    assert long.steps < 0.01 * 100 * -(-17425 // 8)
    given = dataclasses.replace(TC, steps=50)
    assert step_budget(given, 17425, 48, 48) is given                             # a user's budget stands


@pytest.mark.slow
def test_train_local_trains_a_long_series_on_its_budget_and_a_short_one_unchanged():
    rng = np.random.default_rng(0)
    rec = Recipe(m=48, look_back=6, h=2, units=(2,))
    tc = TrainConfig(epochs=2, batch_size=8, row_keys=True)
    long_x = rng.normal(size=(1000, 6, 1)).astype(np.float32)
    long_t = rng.normal(size=(1000, 2)).astype(np.float32)
    params, metrics = train_local(rec, tc, [(long_x, long_t)], seeds=2, seed=0)
    # the budget: 2 epochs of 333 windows (16 a season of 48) = 84 steps, drawn in one pass from all 1000
    assert metrics["loss"].shape == (1, 2, 1)
    budget = step_budget(tc, 1000, 48, 6)
    assert budget.steps == 2 * -(-333 // 8)
    # the same numbers as the engine's trainer called directly with that budget (the independent reference)
    n = lstm.bucket(1000)
    xs, ts, ws = (np.zeros((1, n, 6, 1), np.float32), np.zeros((1, n, 2), np.float32), np.zeros((1, n), np.float32))
    xs[0, :1000], ts[0, :1000], ws[0, :1000] = long_x, long_t, 1.0
    keys = lstm_calls._keys(0, 2)
    ref, _ = compiled_train(rec.model_config(), budget, vmap_keys=True, vmap_data=True)(keys, xs, ts, ws)
    np.testing.assert_array_equal(params["dense"]["kernel"][0], np.asarray(ref["dense"]["kernel"])[:, 0])
    # a short series: epochs over every window, as before the budget existed
    short = [(long_x[:100], long_t[:100])]
    _, m_short = train_local(rec, tc, short, seeds=2, seed=0)
    assert m_short["loss"].shape == (1, 2, 2)
    assert jax.tree.leaves(params)[0].shape[:2] == (1, 2)


def test_in_sample_predictions_are_sampled_past_max_rows():
    from lstmcast.fit.predicting import sample_origins
    one = {3: np.arange(10, 17_000)}
    assert np.array_equal(sample_origins(one, 20_000)[3], one[3])                   # fewer: all
    assert np.array_equal(sample_origins(one, 1000)[3], np.arange(16_000, 17_000))  # the newest
    panel = {i: np.arange(15, 108) for i in range(10_000)}                         # 930,000 origins
    got = sample_origins(panel, 20_000)
    assert len(got) == 215 and min(got) == 0 and max(got) == 9_999                  # evenly spaced, ends kept
    assert sum(len(o) for o in got.values()) == 215 * 93 <= 20_000
    assert all(np.array_equal(got[i], panel[i]) for i in got)
