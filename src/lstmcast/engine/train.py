"""The compiled training loop: every epoch and every step inside one jitted function.

    train = make_train(ModelConfig(1, (4,)), TrainConfig(epochs=100))
    params, metrics = jax.jit(train)(key, x, y)                               # one model
    params, metrics = jax.jit(jax.vmap(train, (0, None, None)))(keys, x, y)  # K models at once

Shapes: x (N, T, F), y (N, O), sample weights w (N,) in {0, 1}. A weight of 0 marks a padding
row (how many windows of different lengths train together): padded rows are sorted after the
real ones, so the real rows form the same batches as they would alone, and batches holding no
real row change nothing (not even Adam's step count).

The loop mirrors Keras `fit`: per epoch an optional reshuffle, `ceil(N / B)` batches with a
last partial batch kept, MSE averaged over the batch, Keras's Adam. With `stateful`, the LSTM
state of batch row i carries into row i of the next batch and is reset to zeros at each epoch
start (what the tutorial's `stateful=True` + `reset_state()` after each epoch does).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from .cache import enable_compilation_cache
from .config import ModelConfig
from .config import TrainConfig as TrainConfig  # re-exported: callers may name it here, as before
from .model import Carry, Params, apply, init_params, zero_state
from .programs import Program, program

if TYPE_CHECKING:   # annotations only: optax is imported where training starts (see keras_adam)
    import optax

PyTree = Any        # a jax pytree (parameters, optimizer state, metrics)
Metrics = dict[str, jax.Array]
Trainer = Callable[..., tuple[Params, Metrics]]
StepCarry = tuple[jax.Array, PyTree, list[Carry]]     # (flat params, optimizer state, LSTM state) per minibatch
EpochCarry = tuple[jax.Array, PyTree, dict[str, Any]]  # (flat params, optimizer state, early-stopping record)

enable_compilation_cache()


# OPTIMIZER ---------------------------------------------------------------------------------------

class KerasAdamState(NamedTuple):
    # a field named `count` shadows tuple.count (so do optax's states); steps taken so far (int32)
    count: jax.Array  # type: ignore[assignment]
    mu: optax.Updates
    nu: optax.Updates


def keras_adam(learning_rate: float | optax.Schedule = 1e-3, b1: float = 0.9, b2: float = 0.999,
               eps: float = 1e-7) -> optax.GradientTransformation:
    """Adam exactly as Keras 3 applies it (epsilon outside the bias correction, "epsilon hat")::

        m = m + (g - m) * (1 - b1);  v = v + (g^2 - v) * (1 - b2)
        alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)
        w = w - alpha * m / (sqrt(v) + eps)

    optax.adam divides by sqrt(v_hat) + eps instead, which differs while v is small.
    `learning_rate` may be a float or an optax schedule (a function of the step count).
    """
    def init_fn(params: optax.Params) -> KerasAdamState:
        zeros = jax.tree.map(jnp.zeros_like, params)
        return KerasAdamState(jnp.zeros([], jnp.int32), zeros, jax.tree.map(jnp.zeros_like, params))

    def update_fn(grads: optax.Updates, state: KerasAdamState,
                  params: optax.Params | None = None) -> tuple[optax.Updates, KerasAdamState]:
        del params
        t = state.count + 1
        lr = learning_rate(state.count) if callable(learning_rate) else learning_rate
        mu = jax.tree.map(lambda m, g: m + (g - m) * (1 - b1), state.mu, grads)
        nu = jax.tree.map(lambda v, g: v + (jnp.square(g) - v) * (1 - b2), state.nu, grads)
        tf = t.astype(jnp.float32)
        alpha = lr * jnp.sqrt(1 - b2 ** tf) / (1 - b1 ** tf)
        updates = jax.tree.map(lambda m, v: -alpha * m / (jnp.sqrt(v) + eps), mu, nu)
        return updates, KerasAdamState(t, mu, nu)

    import optax  # here, not at the top: prediction alone (forecast) does not load optax
    return optax.GradientTransformation(init_fn, update_fn)


# TRAIN -------------------------------------------------------------------------------------------

def _select(pred: jax.Array, a: PyTree, b: PyTree) -> PyTree:
    return jax.tree.map(lambda u, v: jnp.where(pred, u, v), a, b)


def _passes(n: int, bsz: int, cfg: TrainConfig) -> tuple[int, int]:
    """(batches per pass, passes) over n rows: ceil(n / B) batches and `epochs` passes, or with a step budget
    at most `steps` batches a pass and as many passes as the budget takes (static, from the shapes)."""
    n_batches = -(-n // bsz)
    n_epochs = cfg.epochs
    if cfg.steps > 0:
        n_batches = min(n_batches, cfg.steps)
        n_epochs = -(-cfg.steps // n_batches)
    return n_batches, n_epochs


def _shuffle_keys(cfg: TrainConfig, epoch_key: jax.Array, n: int) -> jax.Array:
    """One pass's sort keys of the n rows: the original order without shuffling, else uniform draws (one
    key per row with `row_keys`, so that padding rows leave the real rows' order unchanged)."""
    if not cfg.shuffle:
        return jnp.arange(n, dtype=jnp.float32)
    if cfg.row_keys:
        return jax.vmap(lambda i: jax.random.uniform(jax.random.fold_in(epoch_key, i)))(jnp.arange(n))
    return jax.random.uniform(epoch_key, (n,))


def _minibatch_step(opt: optax.GradientTransformation, mse_rows: Callable[..., tuple[jax.Array, list[Carry]]],
                    unravel: Callable[[jax.Array], Params],
                    stateful: bool) -> Callable[[StepCarry, tuple[jax.Array, jax.Array, jax.Array]],
                                                tuple[StepCarry, jax.Array]]:
    """The scan body of one pass: one Adam step on one minibatch (x (B, T, F), y (B, O), weights (B,)); a
    batch of padding rows only (all weights 0) changes nothing, not even Adam's step count."""
    import optax  # here, not at the top: prediction alone (forecast) does not load optax

    def _minibatch(carry: StepCarry,
                   batch: tuple[jax.Array, jax.Array, jax.Array]) -> tuple[StepCarry, jax.Array]:
        params, opt_state, state = carry
        xb, yb, wb = batch                                        # (B, T, F), (B, O), (B,)

        def _loss_fn(flat: jax.Array) -> tuple[jax.Array, tuple[list[Carry], jax.Array]]:
            se, new_state = mse_rows(unravel(flat), xb, yb, state if stateful else None)
            return jnp.sum(wb * se) / jnp.maximum(jnp.sum(wb), 1.0), (new_state, jnp.sum(wb * se))

        (_, (new_state, se_sum)), grads = jax.value_and_grad(_loss_fn, has_aux=True)(params)
        updates, new_opt = opt.update(grads, opt_state)
        new_params = optax.apply_updates(params, updates)
        active = jnp.sum(wb) > 0
        params, opt_state = _select(active, (new_params, new_opt), (params, opt_state))
        if stateful:
            state = jax.lax.stop_gradient(new_state)
        return (params, opt_state, state), se_sum
    return _minibatch


def _active_batches(minibatch: Callable[[StepCarry, tuple[jax.Array, jax.Array, jax.Array]],
                                         tuple[StepCarry, jax.Array]],
                    state0: list[Carry], bsz: int, x: jax.Array,
                    y: jax.Array) -> Callable[..., tuple[jax.Array, PyTree, jax.Array]]:
    """One pass: `(params, opt_state, idx, wi) -> (params, opt_state, sum of squared errors)` over the rows
    idx (weights wi) in minibatches of bsz. Only the minibatches that hold a real row run (they come first:
    padding rows sort last), in a loop of as many steps as there are such batches: the all-padding batches
    after them would change nothing (`_minibatch_step`), so a padded bucket costs no compute."""
    def _pass(params: jax.Array, opt_state: PyTree, idx: jax.Array,
              wi: jax.Array) -> tuple[jax.Array, PyTree, jax.Array]:
        n_active = (jnp.sum(wi > 0) + bsz - 1) // bsz

        def body(b: jax.Array, carry: tuple[StepCarry, jax.Array]) -> tuple[StepCarry, jax.Array]:
            rows = jax.lax.dynamic_slice_in_dim(idx, b * bsz, bsz)
            step, se = minibatch(carry[0], (x[rows], y[rows], jax.lax.dynamic_slice_in_dim(wi, b * bsz, bsz)))
            return step, carry[1] + se

        init = ((params, opt_state, state0), jnp.zeros((), jnp.float32))
        (params, opt_state, _), se = jax.lax.fori_loop(0, n_active, body, init)
        return params, opt_state, se
    return _pass


def _early_stopping(best: dict[str, Any], val: jax.Array, params: PyTree, patience: int) -> dict[str, Any]:
    """The early-stopping record after a pass with validation loss `val`: the best loss, its weights and
    epoch, passes without improvement, and whether training has stopped."""
    improved = (val < best["val"]) & ~best["stopped"]
    best = {"val": jnp.where(improved, val, best["val"]),
            "params": _select(improved, params, best["params"]),
            "epoch": jnp.where(improved, best["i"], best["epoch"]),
            "wait": jnp.where(improved, 0, best["wait"] + 1),
            "stopped": best["stopped"], "i": best["i"] + 1}
    best["stopped"] = best["stopped"] | (best["wait"] >= patience)
    return best


def make_train(model_cfg: ModelConfig, cfg: TrainConfig, fuse: bool = True) -> Trainer:
    """Returns `train(key, x, y, w=None, xv=None, yv=None, params=None) -> (params, metrics)`.

    `key` seeds the initial weights (unless `params` is given) and the per-epoch shuffles.
    `metrics` holds `loss` (E,) and `val_loss` (E,) (NaN without validation data), and
    `best_epoch` (the epoch whose weights are returned when `patience` > 0).
    `fuse`: True for one model, False where the trainer is vmapped (see `model._matmul`).
    """
    opt = keras_adam(cfg.learning_rate)
    bsz = cfg.batch_size

    def mse_rows(p: Params, xb: jax.Array, yb: jax.Array,
                 state: list[Carry] | None) -> tuple[jax.Array, list[Carry]]:
        yhat, new_state = apply(p, xb, state, fuse, model_cfg.n_lead)      # (B, O)
        return jnp.mean(jnp.square(yhat - yb), axis=-1), new_state   # (B,)

    def train(key: jax.Array, x: jax.Array, y: jax.Array, w: jax.Array | None = None, xv: jax.Array | None = None,
              yv: jax.Array | None = None, params: Params | None = None) -> tuple[Params, Metrics]:
        n = x.shape[0]
        n_batches, n_epochs = _passes(n, bsz, cfg)
        used = n_batches * bsz                 # rows drawn per pass (the first ones of the permutation)
        pad = max(used - n, 0)
        w = jnp.ones((n,), jnp.float32) if w is None else w.astype(jnp.float32)
        n_real = jnp.maximum(jnp.sum(w), 1.0)
        k_init, k_shuffle = jax.random.split(key)
        # INIT PARAMS
        if params is None:
            params = init_params(k_init, model_cfg)
        flat0, unravel = ravel_pytree(params)
        opt_state = opt.init(flat0)
        has_val = xv is not None

        _minibatch = _minibatch_step(opt, mse_rows, unravel, cfg.stateful)
        _pass = _active_batches(_minibatch, zero_state(model_cfg, bsz), bsz, x, y)

        def _epoch(carry: EpochCarry, epoch_key: jax.Array) -> tuple[EpochCarry, tuple[jax.Array, jax.Array]]:
            params, opt_state, best = carry
            # SHUFFLE: real rows first (in random or original order), padding last
            order = _shuffle_keys(cfg, epoch_key, n)
            perm = jnp.argsort(jnp.where(w > 0, order, order + 2.0 * n + 2.0))
            idx = jnp.concatenate([perm, jnp.zeros((pad,), perm.dtype)])[:used]
            wi = jnp.concatenate([w[perm], jnp.zeros((pad,), jnp.float32)])[:used]
            wi = jnp.where(best["stopped"], 0.0, wi)                  # early-stopped: no more updates
            params, opt_state, se = _pass(params, opt_state, idx, wi)
            loss = se / jnp.maximum(jnp.minimum(n_real, jnp.sum(wi)), 1.0)
            # VALIDATION + EARLY STOPPING
            if has_val:
                assert xv is not None and yv is not None   # has_val (for the type checker)
                val_se, _ = mse_rows(unravel(params), xv, yv, None)
                val = jnp.mean(val_se)
            else:
                val = jnp.array(jnp.nan, jnp.float32)
            if cfg.patience > 0 and has_val:
                best = _early_stopping(best, val, params, cfg.patience)
            else:
                best = {**best, "i": best["i"] + 1}
            return (params, opt_state, best), (loss, val)

        best0: dict[str, Any] = {"val": jnp.array(jnp.inf, jnp.float32), "params": params,
                 "epoch": jnp.array(n_epochs - 1, jnp.int32), "wait": jnp.array(0, jnp.int32),
                 "stopped": jnp.array(False), "i": jnp.array(0, jnp.int32)}
        epoch_keys = jax.random.split(k_shuffle, n_epochs)
        best0["params"] = flat0
        (flat, _, best), (losses, vals) = jax.lax.scan(_epoch, (flat0, opt_state, best0), epoch_keys)
        params = unravel(flat)
        if cfg.patience > 0 and has_val:
            params = unravel(best["params"])
        return params, {"loss": losses, "val_loss": vals, "best_epoch": best["epoch"]}

    return train


@functools.lru_cache(maxsize=64)
def compiled_train(model_cfg: ModelConfig, cfg: TrainConfig, vmap_keys: bool = False,
                   vmap_data: bool = False, with_val: bool = False, warm: bool = False) -> Program:
    """A cached compiled trainer: `(keys, x, y, w[, xv, yv]) -> (params, metrics)`; a warm process
    loads it from the program cache (programs.py) without tracing.

    vmap_keys: K models (a leading axis on keys). vmap_data: W datasets (a leading axis on x, y, w
    and the validation arrays), each trained with the same key(s) -- how backtest windows train
    together. With both, results are indexed [k, w]. warm: `(keys, params, x, y, w[, ...])`, training
    starts from the given weights (leaves (K, W, ...) with both vmaps) instead of drawn ones.
    """
    def make() -> Trainer:   # built only where the program is traced (not when it loads from disk)
        train = make_train(model_cfg, cfg, fuse=not (vmap_keys or vmap_data))
        n_data = 5 if with_val else 3
        fn: Trainer = lambda k, p, *data: train(k, *data, params=p)  # noqa: E731
        if vmap_data:       # the same seeds for every dataset; warm: each dataset its own starting weights
            fn = jax.vmap(fn, (None, 0 if warm else None) + (0,) * n_data)
        if vmap_keys:
            fn = jax.vmap(fn, (0, 0) + (None,) * n_data)

        one_by_one = jax.default_backend() == "cpu"     # (the backend is part of the program's key)

        def run(k: jax.Array, *data: jax.Array) -> tuple[Params, Metrics]:
            # The initial weights as `train` draws them (its first key split). On a CPU one model after
            # another (lax.map), outside the vmaps: a batched QR (the orthogonal initializer) runs its
            # batch on XLA's CPU thread pool and blocks a pool thread while it waits, so two such
            # programs running at once from two Python threads on a 2-thread pool deadlock. (On a GPU
            # the batched QR is one solver call; 100,000 sequential ones would cost seconds.)
            init: Callable[[jax.Array], Params] = \
                lambda kk: init_params(jax.random.split(kk)[0], model_cfg)  # noqa: E731
            if warm:
                return fn(k, *data)             # data: the starting weights, then the arrays
            if not vmap_keys:
                return fn(k, init(k), *data)
            return fn(k, jax.lax.map(init, k) if one_by_one else jax.vmap(init)(k), *data)
        return run
    return program("train", static_key=(model_cfg, cfg, vmap_keys, vmap_data, with_val) + ((True,) if warm else ()),
                   make=make)


# PREDICT -----------------------------------------------------------------------------------------
# Each predictor is one cached program per input shape; row counts are padded up to a bucket (see
# `bucket`), so that train and test sets, forecast steps and backtest windows share programs.

def bucket(n: int) -> int:
    """The padded row count for n rows: 8 or more, at most 25% above n (4 sizes per octave)."""
    if n <= 8:
        return 8
    step = 1 << max(0, n.bit_length() - 3)
    return -(-n // step) * step


def _pad_rows(x: np.ndarray | jax.Array, axis: int) -> np.ndarray | jax.Array:
    n = x.shape[axis]
    extra = bucket(n) - n
    if not extra:
        return x
    widths = [(0, 0)] * x.ndim
    widths[axis] = (0, extra)
    return np.pad(np.asarray(x), widths)


def _predict(params: Params, x: jax.Array) -> jax.Array:
    return apply(params, x)[0]


def _predict_stateful(params: Params, x: jax.Array, batch_size: int = 1) -> jax.Array:
    n = x.shape[0]
    n_batches = -(-n // batch_size)
    pad = n_batches * batch_size - n
    xp = jnp.concatenate([x, jnp.zeros((pad, *x.shape[1:]), x.dtype)])
    xb = xp.reshape(n_batches, batch_size, *x.shape[1:])
    state0 = [(jnp.zeros((batch_size, p["recurrent_kernel"].shape[0]), x.dtype),) * 2 for p in params["lstm"]]

    def step(state: list[Carry], xk: jax.Array) -> tuple[list[Carry], jax.Array]:
        yk, state = apply(params, xk, state)
        return state, yk

    _, ys = jax.lax.scan(step, state0, xb)
    return ys.reshape(n_batches * batch_size, -1)[:n]


_PREDICT = program("predict", _predict)
_PREDICT_MANY = program("predict_many", jax.vmap(_predict, (0, None)))
_PREDICT_MANY_OWN = program("predict_many_own", jax.vmap(_predict, (0, 0)))


@functools.lru_cache(maxsize=16)
def _stateful_program(batch_size: int, many: bool) -> Program:
    fn = functools.partial(_predict_stateful, batch_size=batch_size)
    if many:
        return program("predict_many_stateful", jax.vmap(fn, (0, None)), batch_size)
    return program("predict_stateful", fn, batch_size)


def predict(params: Params, x: np.ndarray | jax.Array) -> np.ndarray:
    """Stateless one-shot prediction: x (N, T, F) -> (N, O), each window from zero state."""
    return np.asarray(_PREDICT(params, _pad_rows(x, 0)))[: x.shape[0]]


def predict_stateful(params: Params, x: np.ndarray | jax.Array, batch_size: int = 1) -> jax.Array:
    """Keras `predict` on a stateful model after `reset_state()`: batches in order, state carried."""
    y: jax.Array = _stateful_program(int(batch_size), False)(params, x)
    return y


# K members at once: the same inputs for all, or each member its own inputs.
def predict_many(params: Params, x: np.ndarray | jax.Array) -> np.ndarray:
    """(K, ...) params, x (N, T, F) -> (K, N, O)."""
    return np.asarray(_PREDICT_MANY(params, _pad_rows(x, 0)))[:, : x.shape[0]]


def predict_many_own(params: Params, x: np.ndarray | jax.Array) -> np.ndarray:
    """(K, ...) params, x (K, N, T, F) -> (K, N, O)."""
    return np.asarray(_PREDICT_MANY_OWN(params, _pad_rows(x, 1)))[:, : x.shape[1]]


def predict_many_stateful(params: Params, x: np.ndarray | jax.Array, batch_size: int = 1) -> jax.Array:
    """(K, ...) params, x (N, T, F) -> (K, N, O), each member as `predict_stateful`."""
    y: jax.Array = _stateful_program(int(batch_size), True)(params, x)
    return y
