"""Stateful training against Keras 3 on the TensorFlow backend.

Keras 3's JAX backend ignores `stateful=True` in fit/predict, so the reference for the tutorial's
stateful loop (fit one epoch, reset_state, repeat) is the TensorFlow backend. It runs in a
subprocess (this process has Keras on JAX) and only where tensorflow is installed.
"""
import importlib.util
import os
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest
from keras_ref import series_windows

from lstmcast.engine.model import ModelConfig, from_keras_weights, init_params, to_keras_weights
from lstmcast.engine.train import TrainConfig, make_train, predict_stateful

HAS_TF = importlib.util.find_spec("tensorflow") is not None

REFERENCE = textwrap.dedent("""
    import sys, numpy as np, keras
    d = np.load(sys.argv[1]); units = [int(u) for u in d["units"]]; b = int(d["batch"])
    x, y = d["x"], d["y"]
    inp = keras.Input(batch_shape=(b,) + x.shape[1:])
    h = inp
    for i, u in enumerate(units):
        h = keras.layers.LSTM(u, stateful=True, return_sequences=i < len(units) - 1)(h)
    m = keras.Model(inp, keras.layers.Dense(1)(h))
    m.compile(loss="mean_squared_error", optimizer=keras.optimizers.Adam())
    m.set_weights([d[f"w{i}"] for i in range(3 * len(units) + 2)])
    def reset():
        for layer in m.layers:
            if getattr(layer, "stateful", False):
                layer.reset_state()
    for _ in range(3):
        m.fit(x, y, epochs=1, batch_size=b, shuffle=False, verbose=0)
        reset()
    pred = m.predict(x, batch_size=b, verbose=0)
    np.savez(sys.argv[2], pred=pred, *m.get_weights())
""")


@pytest.mark.skipif(not HAS_TF, reason="tensorflow is not installed: the stateful reference needs "
                                       "Keras on its TensorFlow backend (pip install tensorflow-cpu)")
@pytest.mark.parametrize("units,batch", [((4,), 1), ((4, 4), 1), ((4,), 2)])
def test_stateful_training_equals_keras_tensorflow(tmp_path, units, batch):
    rng = np.random.default_rng(5)
    x, y = series_windows(rng, 12, 3, 1)
    params0 = init_params(jax.random.key(1), ModelConfig(1, units))
    w = to_keras_weights(params0)
    np.savez(tmp_path / "in.npz", x=x, y=y, units=np.array(units), batch=batch,
             **{f"w{i}": a for i, a in enumerate(w)})
    env = dict(os.environ, KERAS_BACKEND="tensorflow", CUDA_VISIBLE_DEVICES="")
    subprocess.run([sys.executable, "-c", REFERENCE, str(tmp_path / "in.npz"), str(tmp_path / "out.npz")],
                   check=True, env=env, capture_output=True)
    out = np.load(tmp_path / "out.npz")
    expected = from_keras_weights([out[f"arr_{i}"] for i in range(len(w))])
    train = make_train(ModelConfig(1, units), TrainConfig(epochs=3, batch_size=batch, shuffle=False,
                                                          stateful=True))
    params, _ = jax.jit(train)(jax.random.key(0), x, y, params=params0)
    for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(expected)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-4)
    np.testing.assert_allclose(np.asarray(predict_stateful(params, x, batch)), out["pred"], atol=1e-4)
