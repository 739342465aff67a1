"""Builders for the Keras 3 reference models the engine is tested against."""
import numpy as np


def build(units, batch_shape, stateful=False, n_out=1):
    import keras
    inp = keras.Input(batch_shape=batch_shape)
    h = inp
    for i, u in enumerate(units):
        h = keras.layers.LSTM(u, stateful=stateful, return_sequences=i < len(units) - 1)(h)
    model = keras.Model(inp, keras.layers.Dense(n_out)(h))
    model.compile(loss="mean_squared_error", optimizer=keras.optimizers.Adam())
    return model


def reset(model):
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_state()


def series_windows(rng, n, steps, features, n_out=1):
    x = rng.random((n, steps, features)).astype(np.float32)
    y = (x.mean(axis=(1, 2))[:, None] + 0.1 * rng.standard_normal((n, n_out))).astype(np.float32)
    return x, y
