"""LSTM stack + Dense head: Keras-layout parameters, Keras-equivalent init, forward pass.

    params = init_params(jax.random.key(0), ModelConfig(n_features=1, units=(4,)))
    y, state = apply(params, x)            # x: (B, T, F) -> y: (B, n_outputs)

The cell is Keras's fused LSTM cell (gates in the order i, f, c, o)::

    z = x @ kernel + h @ recurrent_kernel + bias          # (B, 4U)
    i, f, g, o = sigmoid(z_i), sigmoid(z_f), tanh(z_c), sigmoid(z_o)
    c' = f * c + i * g
    h' = o * tanh(c')

Weights are stored exactly as Keras stores them (kernel (F, 4U), recurrent kernel
(U, 4U), bias (4U,); Dense kernel (U, n_out), bias (n_out,)), so `to_keras_weights`
and `from_keras_weights` exchange them with `model.get_weights()`/`set_weights()`.
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike

from .config import ModelConfig as ModelConfig  # re-exported: callers may name it here, as before
from .lstm_grad import lstm_scan, lstm_scan_zero

# A parameter tree: {"lstm": [{"kernel": (F, 4U), "recurrent_kernel": (U, 4U), "bias": (4U,)}, ...],
# "dense": {"kernel": (U [+ E], n_out), "bias": (n_out,)}}; leaves are jax arrays (numpy arrays once saved or
# loaded, ShapeDtypeStructs from `param_shapes`, with a leading member axis when stacked for vmap).
Params = dict[str, Any]
Carry = tuple[jax.Array, jax.Array]      # one layer's (h, c), each (B, U)


# INIT ------------------------------------------------------------------------------------------

def glorot_uniform(key: jax.Array, shape: tuple[int, int], dtype: DTypeLike = jnp.float32) -> jax.Array:
    """Keras GlorotUniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)) for a 2-D (fan_in, fan_out) kernel."""
    fan_in, fan_out = shape
    limit = jnp.sqrt(6.0 / (fan_in + fan_out))
    return jax.random.uniform(key, shape, dtype, -limit, limit)


def orthogonal(key: jax.Array, shape: tuple[int, int], dtype: DTypeLike = jnp.float32) -> jax.Array:
    """Keras Orthogonal(gain=1): QR of a normal matrix, signs fixed by diag(R); (U, 4U) gets orthonormal rows."""
    rows, cols = shape
    a = jax.random.normal(key, (max(rows, cols), min(rows, cols)), dtype)
    q, r = jnp.linalg.qr(a)
    q = q * jnp.sign(jnp.diag(r))
    return q.T if rows < cols else q


def init_lstm(key: jax.Array, n_in: int, units: int) -> dict[str, jax.Array]:
    k1, k2 = jax.random.split(key)
    bias = jnp.zeros((4 * units,), jnp.float32).at[units:2 * units].set(1.0)  # unit_forget_bias
    return {"kernel": glorot_uniform(k1, (n_in, 4 * units)),           # (F, 4U)
            "recurrent_kernel": orthogonal(k2, (units, 4 * units)),     # (U, 4U)
            "bias": bias}                                               # (4U,)


def init_params(key: jax.Array, cfg: ModelConfig) -> Params:
    """Fresh parameters, equal in distribution to a new Keras `Sequential([LSTM..., Dense])`."""
    keys = jax.random.split(key, len(cfg.units) + 1)
    layers, n_in = [], cfg.n_features
    for k, u in zip(keys[:-1], cfg.units):
        layers.append(init_lstm(k, n_in, u))
        n_in = u
    dense = {"kernel": glorot_uniform(keys[-1], (n_in + cfg.n_head, cfg.n_outputs)),  # (U [+ E], n_out)
             "bias": jnp.zeros((cfg.n_outputs,), jnp.float32)}
    return {"lstm": layers, "dense": dense}


def param_shapes(cfg: ModelConfig, members: int | None = None) -> Params:
    """The shapes and dtypes of `init_params(key, cfg)` (with a leading axis of `members` if given),
    without tracing it: `jax.eval_shape` would trace the initializers (~0.1 s of a warm start)."""
    lead = () if members is None else (int(members),)

    def spec(*shape: int) -> jax.ShapeDtypeStruct:
        return jax.ShapeDtypeStruct(lead + shape, jnp.float32)
    layers, n_in = [], cfg.n_features
    for u in cfg.units:
        layers.append({"kernel": spec(n_in, 4 * u), "recurrent_kernel": spec(u, 4 * u), "bias": spec(4 * u)})
        n_in = u
    return {"lstm": layers, "dense": {"kernel": spec(n_in + cfg.n_head, cfg.n_outputs), "bias": spec(cfg.n_outputs)}}


# FORWARD ---------------------------------------------------------------------------------------

def _matmul(a: jax.Array, w: jax.Array, fuse: bool) -> jax.Array:
    """a @ w. With `fuse` (one model, tiny matrices) a broadcast multiply-and-sum fuses with the
    gate arithmetic around it, where a dot call costs more than its arithmetic. Under vmap over
    many models a batched dot is faster, so vmapped trainers pass fuse=False."""
    if fuse and w.shape[0] * w.shape[1] <= 4096:
        return jnp.sum(a[..., :, None] * w, axis=-2)
    return a @ w


def lstm_cell(p: dict[str, jax.Array], carry: Carry, x: jax.Array, fuse: bool = False) -> tuple[Carry, jax.Array]:
    """One step. carry = (h, c), each (B, U); x (B, F). Returns (h', c'), h'."""
    h, c = carry
    z = _matmul(x, p["kernel"], fuse) + _matmul(h, p["recurrent_kernel"], fuse) + p["bias"]  # (B, 4U)
    i, f, g, o = jnp.split(z, 4, axis=-1)
    c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
    h = jax.nn.sigmoid(o) * jnp.tanh(c)
    return (h, c), h


def lstm_layer(p: dict[str, jax.Array], x: jax.Array, carry: Carry, fuse: bool = False,
               n_lead: int = 0, zero: bool = False) -> tuple[jax.Array, Carry]:
    """Run one layer over time. x (B, T, F), carry ((B, U), (B, U)) -> outputs (B, T, U), final carry.
    n_lead > 0: the last n_lead features are zero before the last step; the steps before it run on the
    other features only (the same result, fewer operations), the last step on all of them. zero: the
    carry is known to be zeros (a stateless pass), which lets the hand-written pass skip its first product."""
    if n_lead and x.shape[1] > 1:
        head = dict(p, kernel=p["kernel"][:-n_lead])
        hs, carry = lstm_layer(head, x[:, :-1, :-n_lead], carry, fuse, zero=zero)
        carry, h = lstm_cell(p, carry, x[:, -1], fuse)
        return jnp.concatenate([hs, h[:, None]], axis=1), carry
    xs = jnp.swapaxes(x, 0, 1)  # (T, B, F)
    if not fuse:       # many networks at once (vmapped trainers, predictors): lstm_grad.py
        hs, carry = (lstm_scan_zero(p["kernel"], p["recurrent_kernel"], p["bias"], xs) if zero else
                     lstm_scan(p["kernel"], p["recurrent_kernel"], p["bias"], xs, *carry))
        return jnp.swapaxes(hs, 0, 1), carry
    # Short windows unroll fully (XLA fuses the whole window); longer ones unroll by 2, which compiles
    # about 40% faster than full unrolling at 12 steps and trains about as fast. A batch of 64 rows or
    # more does enough work per step that the loop's overhead is lost in it: no unrolling, which
    # compiles the global trainer (256 rows) about 1.5 s faster on a CPU and trains as fast.
    t = xs.shape[0]
    carry, hs = jax.lax.scan(lambda cr, xt: lstm_cell(p, cr, xt, fuse), carry, xs,
                             unroll=t if t <= 4 else 1 if xs.shape[1] >= 64 else 2)
    return jnp.swapaxes(hs, 0, 1), carry


def zero_state(cfg: ModelConfig, batch: int) -> list[Carry]:
    """Per-layer (h, c) zeros, each (batch, U)."""
    return [(jnp.zeros((batch, u), jnp.float32), jnp.zeros((batch, u), jnp.float32)) for u in cfg.units]


def apply(params: Params, x: jax.Array, state: list[Carry] | None = None, fuse: bool = False,
          n_lead: int = 0) -> tuple[jax.Array, list[Carry]]:
    """Forward pass. x (B, T, F); state: per-layer (h, c) or None for zeros; `fuse`: see _matmul;
    n_lead: ModelConfig.n_lead (the first layer skips those features before the last step).

    Returns (y (B, n_outputs), final state per layer). A Dense kernel with E = rows - U > 0 extra rows
    reads the last E features of the last input step besides the last hidden state (ModelConfig.n_head).
    """
    b, zero = x.shape[0], state is None
    if state is None:
        state = [(jnp.zeros((b, lp["recurrent_kernel"].shape[0]), x.dtype),) * 2 for lp in params["lstm"]]
    new_state, seq = [], x
    for k, (p, carry) in enumerate(zip(params["lstm"], state)):
        seq, carry = lstm_layer(p, seq, carry, fuse, n_lead if k == 0 else 0, zero)  # (B, T, U)
        new_state.append(carry)
    last = new_state[-1][0]                        # (B, U): the last step's h (its outputs' gradients stay zero)
    extra = params["dense"]["kernel"].shape[0] - last.shape[-1]
    if extra:
        last = jnp.concatenate([last, x[:, -1, x.shape[-1] - extra:]], axis=-1)  # (B, U + E)
    y = last @ params["dense"]["kernel"] + params["dense"]["bias"]  # (B, n_out)
    return y, new_state


# KERAS EXCHANGE --------------------------------------------------------------------------------

def to_keras_weights(params: Params) -> list[np.ndarray]:
    """The list `keras_model.set_weights` takes: per LSTM layer kernel, recurrent, bias; then Dense."""
    out = []
    for p in params["lstm"]:
        out += [np.asarray(p["kernel"]), np.asarray(p["recurrent_kernel"]), np.asarray(p["bias"])]
    return out + [np.asarray(params["dense"]["kernel"]), np.asarray(params["dense"]["bias"])]


def from_keras_weights(weights: list[np.ndarray]) -> Params:
    """Inverse of `to_keras_weights` (the list `keras_model.get_weights()` returns)."""
    w = [jnp.asarray(a, jnp.float32) for a in weights]
    n_lstm = (len(w) - 2) // 3
    layers = [{"kernel": w[3 * i], "recurrent_kernel": w[3 * i + 1], "bias": w[3 * i + 2]}
              for i in range(n_lstm)]
    return {"lstm": layers, "dense": {"kernel": w[-2], "bias": w[-1]}}


def config_of(params: Params) -> ModelConfig:
    """The ModelConfig a parameter tree was built for (shapes only; n_lead is not among them: 0)."""
    units = tuple(int(p["recurrent_kernel"].shape[0]) for p in params["lstm"])
    return ModelConfig(n_features=int(params["lstm"][0]["kernel"].shape[0]), units=units,
                       n_outputs=int(params["dense"]["kernel"].shape[1]),
                       n_head=int(params["dense"]["kernel"].shape[0]) - units[-1])
