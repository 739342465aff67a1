"""train.py against Keras 3 fit (JAX backend), vmap, determinism, masking."""
import jax
import numpy as np
import pytest
from keras_ref import build, series_windows

from lstmcast.engine.model import ModelConfig, from_keras_weights
from lstmcast.engine.train import TrainConfig, compiled_train, keras_adam, make_train


def _fit_both(rng, n, steps, features, units, batch_size, epochs=3):
    x, y = series_windows(rng, n, steps, features)
    model = build(units, (None, steps, features))
    params0 = from_keras_weights(model.get_weights())
    model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0)
    train = make_train(ModelConfig(features, units), TrainConfig(epochs=epochs, batch_size=batch_size,
                                                                 shuffle=False))
    params, metrics = jax.jit(train)(jax.random.key(0), x, y, params=params0)
    return params, metrics, from_keras_weights(model.get_weights()), params0


@pytest.mark.parametrize("n,steps,features,units,batch_size", [
    (20, 3, 1, (4,), 1),     # the tutorial's time-steps framing, batch 1
    (18, 1, 3, (4,), 4),     # window framing, batch 4 with a partial last batch (18 = 4*4 + 2)
    (18, 3, 1, (4, 4), 4),   # two stacked layers
])
def test_fit_equals_keras_fit(rng, n, steps, features, units, batch_size):
    params, metrics, expected, params0 = _fit_both(rng, n, steps, features, units, batch_size)
    moved = 0.0
    for ours, theirs, start in zip(jax.tree.leaves(params), jax.tree.leaves(expected), jax.tree.leaves(params0)):
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), atol=1e-4)
        moved = max(moved, float(np.abs(np.asarray(theirs) - np.asarray(start)).max()))
    assert moved > 1e-3  # training really changed the weights, so equality means something
    assert metrics["loss"].shape == (3,) and np.all(np.isfinite(metrics["loss"]))


def test_keras_adam_first_steps_by_hand():
    """Two updates of Keras's Adam on a scalar, computed by hand from its formula."""
    opt = keras_adam(0.1)
    w = np.float32(1.0)
    state = opt.init(w)
    g1, g2 = 0.5, -0.2
    u1, state = opt.update(np.float32(g1), state)
    m, v = 0.1 * g1, 0.001 * g1 ** 2
    alpha = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9)
    np.testing.assert_allclose(float(u1), -alpha * m / (np.sqrt(v) + 1e-7), rtol=2e-5)
    u2, state = opt.update(np.float32(g2), state)
    m, v = m + (g2 - m) * 0.1, v + (g2 ** 2 - v) * 0.001
    alpha = 0.1 * np.sqrt(1 - 0.999 ** 2) / (1 - 0.9 ** 2)
    np.testing.assert_allclose(float(u2), -alpha * m / (np.sqrt(v) + 1e-7), rtol=2e-5)
    assert int(state.count) == 2


def test_vmapped_models_equal_separate_trainings(rng):
    x, y = series_windows(rng, 30, 3, 1)
    w = np.ones(30, np.float32)
    mc, tc = ModelConfig(1, (4,)), TrainConfig(epochs=4, batch_size=2)
    keys = jax.random.split(jax.random.key(42), 8)
    many, mm = compiled_train(mc, tc, vmap_keys=True)(keys, x, y, w)
    one = compiled_train(mc, tc)
    for i in range(8):
        p, m = one(keys[i], x, y, w)
        for a, b in zip(jax.tree.leaves(p), jax.tree.leaves(many)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b[i]), atol=1e-5)
        np.testing.assert_allclose(np.asarray(m["loss"]), np.asarray(mm["loss"][i]), rtol=1e-4)
    # the 8 seeds are really different models
    k0 = np.asarray(many["lstm"][0]["kernel"])
    assert not np.allclose(k0[0], k0[1])


def test_same_seed_is_bit_identical(rng):
    x, y = series_windows(rng, 25, 3, 1)
    w = np.ones(25, np.float32)
    f = compiled_train(ModelConfig(1, (4,)), TrainConfig(epochs=3))
    a, _ = f(jax.random.key(7), x, y, w)
    b, _ = f(jax.random.key(7), x, y, w)
    c, _ = f(jax.random.key(8), x, y, w)
    for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        np.testing.assert_array_equal(np.asarray(u), np.asarray(v))
    assert not np.array_equal(np.asarray(a["dense"]["kernel"]), np.asarray(c["dense"]["kernel"]))


@pytest.mark.parametrize("shuffle", [False, True])
def test_padding_rows_change_nothing(rng, shuffle):
    """Rows with weight 0 (how windows of different lengths train together) are inert."""
    x, y = series_windows(rng, 20, 3, 1)
    tc = TrainConfig(epochs=3, batch_size=3, shuffle=shuffle)
    f = compiled_train(ModelConfig(1, (4,)), tc)
    a, ma = f(jax.random.key(0), x, y, np.ones(20, np.float32))
    xp = np.concatenate([x, rng.random((7, 3, 1), dtype=np.float32)])
    yp = np.concatenate([y, rng.random((7, 1), dtype=np.float32)])
    wp = np.concatenate([np.ones(20), np.zeros(7)]).astype(np.float32)
    if not shuffle:
        b, mb = f(jax.random.key(0), xp, yp, wp)
        for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
            np.testing.assert_allclose(np.asarray(u), np.asarray(v), atol=1e-6)
        np.testing.assert_allclose(np.asarray(ma["loss"]), np.asarray(mb["loss"]), rtol=1e-5)
    else:  # shuffled: same batches need the same permutation draw; check the padding is ignored
        b, mb = f(jax.random.key(0), xp, yp, wp)
        yp2 = yp.copy()
        yp2[20:] += 100.0   # wildly different padding targets must not matter
        c, mc = f(jax.random.key(0), xp, yp2, wp)
        for u, v in zip(jax.tree.leaves(b), jax.tree.leaves(c)):
            np.testing.assert_array_equal(np.asarray(u), np.asarray(v))


def test_early_stopping_restores_best_epoch(rng):
    x, y = series_windows(rng, 30, 3, 1)
    xv, yv = series_windows(rng, 10, 3, 1)
    tc = TrainConfig(epochs=40, patience=3, learning_rate=0.05)
    train = jax.jit(make_train(ModelConfig(1, (4,)), tc))
    params, m = train(jax.random.key(0), x, y, None, xv, yv)
    vals = np.asarray(m["val_loss"])
    best = int(m["best_epoch"])
    finite = vals[np.isfinite(vals)]
    assert best == int(np.argmin(vals[: len(finite)]))
    from lstmcast.engine.train import predict
    got = float(np.mean((np.asarray(predict(params, xv)) - yv) ** 2))
    np.testing.assert_allclose(got, vals[best], rtol=1e-4)
