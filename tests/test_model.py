"""model.py against Keras 3 (JAX backend): same weights -> same outputs; init statistics."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from keras_ref import build, reset

from lstmcast.engine.model import (
    ModelConfig,
    apply,
    config_of,
    from_keras_weights,
    init_params,
    lstm_cell,
    param_shapes,
    to_keras_weights,
)
from lstmcast.engine.train import predict, predict_stateful


@pytest.mark.parametrize("steps,features,units", [(1, 1, (4,)), (1, 3, (4,)), (3, 1, (4,)),
                                                   (3, 1, (4, 4)), (5, 2, (6, 3))])
def test_outputs_equal_keras_predict(rng, steps, features, units):
    model = build(units, (None, steps, features))
    x = rng.random((7, steps, features)).astype(np.float32)
    params = from_keras_weights(model.get_weights())
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(np.asarray(predict(params, x)), expected, atol=1e-5)
    # the fused small-matrix path gives the same numbers
    np.testing.assert_allclose(np.asarray(apply(params, jnp.asarray(x), fuse=True)[0]), expected, atol=1e-5)


def test_weights_round_trip_into_keras(rng):
    params = init_params(jax.random.key(3), ModelConfig(n_features=2, units=(5, 3), n_outputs=2))
    model = build((5, 3), (None, 4, 2), n_out=2)
    model.set_weights(to_keras_weights(params))   # raises if any shape differs from Keras's layout
    x = rng.random((6, 4, 2)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(predict(params, x)), model.predict(x, verbose=0), atol=1e-5)
    back = from_keras_weights(model.get_weights())
    for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(back)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert config_of(params) == ModelConfig(2, (5, 3), 2)


@pytest.mark.slow
def test_leads_zero_before_the_last_step_skip_the_cell_exactly(rng):
    """n_lead: the last features are zero before the last step (covariate leads); the first layer runs the
    earlier steps without them. Outputs equal Keras on the same input, and so do the gradients of the
    full computation; leads put before the last step are then ignored (the shortcut is really taken)."""
    E = 3
    model = build((5, 3), (None, 4, 2 + E))
    params = from_keras_weights(model.get_weights())
    x = rng.random((6, 4, 2 + E)).astype(np.float32)
    x[:, :-1, -E:] = 0.0
    ours = apply(params, jnp.asarray(x), n_lead=E)[0]
    np.testing.assert_allclose(np.asarray(ours), model.predict(x, verbose=0), atol=1e-5)
    loss = lambda p, n: jnp.sum(apply(p, jnp.asarray(x), n_lead=n)[0] ** 2)
    for a, b in zip(jax.tree.leaves(jax.grad(loss)(params, E)), jax.tree.leaves(jax.grad(loss)(params, 0))):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)
    x2 = x.copy()
    x2[:, :-1, -E:] = 1.0
    np.testing.assert_array_equal(np.asarray(apply(params, jnp.asarray(x2), n_lead=E)[0]), np.asarray(ours))
    assert not np.allclose(np.asarray(apply(params, jnp.asarray(x2))[0]), np.asarray(ours), atol=1e-4)


@pytest.mark.parametrize("units", [(4,), (4, 4)])
def test_stateful_carry_equals_keras_eager_calls(rng, units):
    batch, steps = 2, 3
    model = build(units, (batch, steps, 1), stateful=True)
    params = from_keras_weights(model.get_weights())
    xs = rng.random((5, batch, steps, 1)).astype(np.float32)
    state = None
    for xk in xs:  # five consecutive batches: Keras carries the state in eager calls
        ours, state = apply(params, jnp.asarray(xk), state)
        np.testing.assert_allclose(np.asarray(ours), np.asarray(model(xk)), atol=1e-5)
    # the scan-based stateful predict agrees with the same carried sequence
    flat = xs.reshape(-1, steps, 1)
    reset(model)
    keras_seq = np.concatenate([np.asarray(model(xk)) for xk in xs])
    np.testing.assert_allclose(np.asarray(predict_stateful(params, flat, batch)), keras_seq, atol=1e-5)
    reset(model)   # after reset_state both start from zeros again
    np.testing.assert_allclose(np.asarray(apply(params, jnp.asarray(xs[0]))[0]),
                               np.asarray(model(xs[0])), atol=1e-5)
    # and a carried state really changes the output (the test above could not pass by accident)
    carried = np.asarray(apply(params, jnp.asarray(xs[1]), apply(params, jnp.asarray(xs[0]))[1])[0])
    assert not np.allclose(carried, np.asarray(apply(params, jnp.asarray(xs[1]))[0]), atol=1e-4)


def test_initialiser_statistics():
    cfg = ModelConfig(n_features=30, units=(40,), n_outputs=20)
    params = init_params(jax.random.key(0), cfg)
    lstm = params["lstm"][0]
    k = np.asarray(lstm["kernel"])
    limit = np.sqrt(6 / (30 + 160))
    assert k.shape == (30, 160) and np.abs(k).max() <= limit
    assert abs(k.std() - limit / np.sqrt(3)) < 0.05 * limit    # uniform on [-l, l]: sd l/sqrt(3)
    r = np.asarray(lstm["recurrent_kernel"])
    assert r.shape == (40, 160)
    np.testing.assert_allclose(r @ r.T, np.eye(40), atol=1e-5)  # orthonormal rows
    b = np.asarray(lstm["bias"])
    assert (b[40:80] == 1.0).all() and (b[:40] == 0).all() and (b[80:] == 0).all()
    d = np.asarray(params["dense"]["kernel"])
    assert np.abs(d).max() <= np.sqrt(6 / 60) and (np.asarray(params["dense"]["bias"]) == 0).all()
    # different keys give different weights; the same key the same
    again = init_params(jax.random.key(0), cfg)
    other = init_params(jax.random.key(1), cfg)
    np.testing.assert_array_equal(np.asarray(again["lstm"][0]["kernel"]), k)
    assert not np.allclose(np.asarray(other["lstm"][0]["kernel"]), k)


def test_initialiser_matches_keras_distribution():
    """Our init and Keras's own initialisers give the same spread for the tutorial's LSTM(4)."""
    import keras
    ours = np.stack([np.asarray(init_params(jax.random.key(s), ModelConfig(3, (4,)))["lstm"][0]["kernel"])
                     for s in range(200)])
    theirs = np.stack([np.asarray(keras.initializers.GlorotUniform(seed=s)((3, 16))) for s in range(200)])
    assert abs(ours.std() - theirs.std()) < 0.02
    assert abs(np.abs(ours).max() - np.abs(theirs).max()) < 0.02


@pytest.mark.parametrize("units, n_head, members", [((4,), 0, None), ((16, 8), 3, 5)])
def test_param_shapes_are_those_of_init_params(units, n_head, members):
    """param_shapes (no tracing) gives the tree, shapes and dtypes that eval_shape of init_params does."""
    cfg = ModelConfig(n_features=3, units=units, n_outputs=6, n_head=n_head)
    f = (lambda k: init_params(k, cfg)) if members is None else jax.vmap(lambda k: init_params(k, cfg))
    keys = jax.random.key(0) if members is None else jax.vmap(jax.random.key)(jnp.arange(members))
    want = jax.eval_shape(f, keys)
    got = param_shapes(cfg, members)
    assert jax.tree.structure(got) == jax.tree.structure(want)
    assert jax.tree.leaves(jax.tree.map(lambda a, b: (a.shape, a.dtype) == (b.shape, b.dtype), got, want)) == \
        [True] * len(jax.tree.leaves(want))


def _cell_scan(k, r, b, x, h, c):
    """JAX's own scan of the plain cell (model.lstm_cell): the reference for the hand-written passes."""
    (h, c), hs = jax.lax.scan(lambda cr, xt: lstm_cell({"kernel": k, "recurrent_kernel": r, "bias": b}, cr, xt),
                              (h, c), x)
    return hs, (h, c)


def _layer_case(rng, steps, rows, f=2, u=5, nets=3):
    """Weights (nets, ...) of one layer, inputs (nets, T, B, F), and a loss with cotangents on every output
    and on the final (h, c), and one on the final h alone."""
    p = [jnp.asarray(rng.normal(size=s) * 0.6, jnp.float32)
         for s in [(nets, f, 4 * u), (nets, u, 4 * u), (nets, 4 * u)]]
    xs = jnp.asarray(rng.normal(size=(nets, steps, rows, f)), jnp.float32)
    w_out, w_h, w_c = (jnp.asarray(rng.normal(size=s), jnp.float32)
                       for s in [(steps, rows, u), (rows, u), (rows, u)])

    def every(layer, *args):
        hs, (h, c) = layer(*args)
        return jnp.sum(hs * w_out) + jnp.sum(h * w_h) + jnp.sum(jnp.sin(c) * w_c)

    def last_only(layer, *args):                 # only the final h read: the outputs' gradients are zero
        return jnp.sum(layer(*args)[1][0] * w_h)
    return p, xs, every, last_only


@pytest.mark.parametrize("steps, rows", [(3, 2), (12, 8)])
def test_hand_written_lstm_gradient_equals_autodiff_of_the_cell(rng, steps, rows):
    """lstm_grad.lstm_scan's backward pass (weight gradients as one product over the window) against JAX's
    gradient of the plain cell scan, with a non-zero start state and cotangents on every output and on the
    final state; vmapped over 3 networks as the trainers run it."""
    from lstmcast.engine.lstm_grad import lstm_scan
    p, xs, loss, last_only = _layer_case(rng, steps, rows)
    h0, c0 = (jnp.asarray(rng.normal(size=(3, rows, 5)), jnp.float32) for _ in range(2))
    args = (*p, xs, h0, c0)
    ours = jax.vmap(jax.value_and_grad(lambda *a: loss(lstm_scan, *a), argnums=tuple(range(6))))(*args)
    ref = jax.vmap(jax.value_and_grad(lambda *a: loss(_cell_scan, *a), argnums=tuple(range(6))))(*args)
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-5, atol=1e-5)
    for a, b in zip(ours[1], ref[1]):            # kernel, recurrent, bias, inputs, h0, c0
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)
    ours = jax.vmap(jax.grad(lambda *a: last_only(lstm_scan, *a), argnums=(0, 1, 2)))(*args)
    ref = jax.vmap(jax.grad(lambda *a: last_only(_cell_scan, *a), argnums=(0, 1, 2)))(*args)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("steps, rows", [(1, 3), (2, 2), (5, 4), (12, 8)])
def test_hand_written_lstm_gradient_from_a_zero_state_equals_autodiff_of_the_cell(rng, steps, rows):
    """lstm_grad.lstm_scan_zero (the first step peeled: no h0 @ R) against JAX's gradient of the plain cell
    scan from zeros, with cotangents on every output and the final state, and on the final h alone; a
    single step (the "window" framing) included; vmapped over 3 networks."""
    from lstmcast.engine.lstm_grad import lstm_scan_zero
    p, xs, every, last_only = _layer_case(rng, steps, rows)
    zero = jnp.zeros((rows, 5), jnp.float32)

    def grad(loss, layer):
        return jax.vmap(jax.value_and_grad(lambda *args: loss(layer, *args), argnums=(0, 1, 2, 3)))(*p, xs)
    for loss in (every, last_only):
        ours, ref = grad(loss, lstm_scan_zero), grad(loss, lambda *a: _cell_scan(*a, zero, zero))
        np.testing.assert_allclose(ours[0], ref[0], rtol=1e-5, atol=1e-5)
        for a, b in zip(ours[1], ref[1]):        # kernel, recurrent, bias, inputs
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)
