"""The global scope's budget on a large pool (fit/settings.py, issue 23): more pooled windows than the step
budget draws -> POOL_SEEDS members at POOL_LR; smaller pools, given values and the local scope unchanged."""
import jax
import numpy as np
import pandas as pd
import pytest

from lstmcast.data import validate_panel
from lstmcast.fit.fitting import _resolved
from lstmcast.fit.settings import GLOBAL_LR, GLOBAL_SEEDS, LOCAL_LR, POOL_LR, POOL_SEEDS, Settings
from lstmcast.forecaster import Forecaster


def _settings(**kw):
    return Settings(**Forecaster(**kw).get_params())


@pytest.mark.parametrize("kw, n_windows, seeds, lr", [
    ({}, 256_000, POOL_SEEDS, POOL_LR),                  # 1,000 steps x 256 rows: the threshold itself
    ({}, 255_999, GLOBAL_SEEDS, GLOBAL_LR),              # one window fewer: every window may be drawn twice
    ({}, 0, GLOBAL_SEEDS, GLOBAL_LR),                    # not counted (the default)
    ({"seeds": 5}, 10**6, 5, POOL_LR),                   # a given value is kept
    ({"learning_rate": 1e-3}, 10**6, POOL_SEEDS, 1e-3),
    ({"epochs": 3}, 10**6, GLOBAL_SEEDS, GLOBAL_LR),     # epochs: every window every pass, no step budget
    ({"steps": 10, "batch_size": 32}, 320, POOL_SEEDS, POOL_LR),
    ({"steps": 10, "batch_size": 32}, 319, GLOBAL_SEEDS, GLOBAL_LR),
])
def test_a_large_pool_trains_fewer_members_at_a_higher_rate(kw, n_windows, seeds, lr):
    spec = _settings(**kw).spec("global", 12, 120, n_windows)
    assert (spec.seeds, spec.train.learning_rate) == (seeds, lr)
    local = _settings(**kw).spec("local", 12, 120, n_windows)          # the local scope ignores the pool
    assert local.train.learning_rate == kw.get("learning_rate", LOCAL_LR) and local.seeds == kw.get("seeds", 10)


def test_the_fit_counts_the_pooled_windows_of_the_series_that_train():
    """Series of 34, 34 and 35 values, look-back 15 and horizon 12 (season 12): 8 + 8 + 9 = 25 windows; a
    budget of 3 steps of 8 rows draws 24 (a large pool), of 3 steps of 9 rows 27 (not); the third series
    left out of the fit (idx) leaves 16."""
    rows = [(f"s{k}", t, 100.0 + k + np.sin(t)) for k, n in enumerate((34, 34, 35)) for t in range(n)]
    df = pd.DataFrame(rows, columns=["unique_id", "t", "y"])
    df["ds"] = [pd.Timestamp("2000-01-01") + pd.DateOffset(months=t) for t in df["t"]]
    panel = validate_panel(df[["unique_id", "ds", "y"]])
    idx = np.arange(3)
    spec = _resolved(_settings(steps=3, batch_size=8), panel, idx, "global", 12, 34, None)
    assert spec.recipe.look_back == 15 and spec.recipe.h == 12 and spec.seeds == POOL_SEEDS
    assert _resolved(_settings(steps=3, batch_size=9), panel, idx, "global", 12, 34, None).seeds == GLOBAL_SEEDS
    assert _resolved(_settings(steps=2, batch_size=8), panel, idx[:2], "global", 12, 34, None).seeds == POOL_SEEDS
    assert _resolved(_settings(steps=2, batch_size=9), panel, idx[:2], "global", 12, 34, None).seeds == GLOBAL_SEEDS
    assert _resolved(_settings(steps=3, batch_size=8), panel, idx, "local", 12, 34, {"local": 64}).pad_windows == 64


def test_members_trained_in_threads_equal_one_vmapped_call(monkeypatch):
    """On a CPU with 2 workers, 2 (or 4) members train as 2 groups in 2 threads: the same members (seeds
    in order, the same keys) as one vmapped call, to float rounding, from one program built once; 5 members
    stay one call."""
    from lstmcast.engine.config import TrainConfig
    from lstmcast.models import lstm_calls
    from lstmcast.models.lstm import Recipe
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(300, 4, 1)).astype(np.float32), rng.normal(size=(300, 2)).astype(np.float32)
    rec = Recipe(m=1, look_back=4, h=2, units=(4,))
    tc = TrainConfig(epochs=1, batch_size=32, learning_rate=1e-2, row_keys=True, steps=20)
    monkeypatch.setattr(lstm_calls, "cpu_workers", lambda: 1)
    assert lstm_calls._parts(2) == 1
    p1, m1 = lstm_calls.train_global(rec, tc, x, t, 2, 3)
    monkeypatch.setattr(lstm_calls, "cpu_workers", lambda: 2)
    assert [lstm_calls._parts(k) for k in (1, 2, 4, 5, 6)] == [1, 2, 2, 1, 2]
    from lstmcast.engine import programs
    before = len(programs.STATS)
    p2, m2 = lstm_calls.train_global(rec, tc, x, t, 2, 3)
    assert [e.name for e in programs.STATS[before:]] == ["train"]        # one program built, not one per thread
    assert p2["lstm"][0]["kernel"].shape == (2, 1, 16)
    assert m2["loss"].shape == m1["loss"].shape == (2, 2)            # 2 members x 2 passes of 10 batches
    for a, b in zip(jax.tree.leaves(p1), jax.tree.leaves(p2)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(m1["loss"], m2["loss"], rtol=1e-4)
    assert not np.allclose(p2["dense"]["kernel"][0], p2["dense"]["kernel"][1])   # two different members
