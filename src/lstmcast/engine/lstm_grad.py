"""One LSTM layer over a window with a hand-written backward pass, for the trainers that run many small
networks at once (vmapped over series and seeds).

    hs, (h, c) = lstm_scan(kernel, recurrent_kernel, bias, xs, h0, c0)     # xs (T, B, F) -> hs (T, B, U)
    hs, (h, c) = lstm_scan_zero(kernel, recurrent_kernel, bias, xs)        # the same from h0 = c0 = 0

The forward is model.py's cell (Keras's gate order i, f, c, o) to float rounding: the four gates go through
one tanh (sigmoid(z) = 0.5 tanh(z / 2) + 0.5), one kernel where the cell has four. JAX's gradient of that scan forms the
weight gradients one time step at a time: a (U, B) x (B, 4U) product per step, which on a CPU costs more
than the step's forward and backward products together when B is small (8 rows: 1.5 us a network against
0.3 + 0.35 us). Here the backward scan only carries the state's gradients; the weight gradients are one
product over all T x B rows each, after it (a stacked (U, T*B) x (T*B, 4U) costs 0.35 us a network a step).
The input projection x @ kernel + bias is one product over the window, before the forward scan.
Local training of 10-seed chunks of 4 series (97 windows, batch 8, LSTM(16)), two threads: 28.3 ms a series
with JAX's gradient of the cell, 21.3 with this one, 19.8 with the gates in one tanh (wall, 10 epochs), about 3%
less again without the outputs' gradients where only the final h is read (symbolic zeros: a network's last layer).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax.custom_derivatives import CustomVJPPrimal, SymbolicZero

State = tuple[jax.Array, jax.Array]     # (h, c), each (B, U)
Arrays = tuple[jax.Array, ...]


def _scales(n: int) -> jax.Array:
    """Per column of z (B, 4U): 0.5 for the sigmoid gates i, f, o, 1 for the tanh candidate g."""
    u = n // 4
    return jnp.concatenate([jnp.full((2 * u,), 0.5), jnp.ones((u,)), jnp.full((u,), 0.5)]).astype(jnp.float32)


def _acts(z: jax.Array) -> jax.Array:
    """i, f, g, o activated in one tanh: sigmoid(z) = 0.5 * tanh(0.5 * z) + 0.5."""
    s = _scales(z.shape[-1])
    return jnp.tanh(z * s) * s + (1 - s)


def _dacts(a: jax.Array) -> jax.Array:
    """d act / d z from the activations: a (1 - a) for a sigmoid, 1 - a^2 for the tanh."""
    s = _scales(a.shape[-1])
    return jnp.where(s < 1, a * (1 - a), 1 - a * a)


def _unroll(t: int) -> int:
    """Short windows unroll fully; longer ones not at all (the chunks above: 18.8 ms, by 2 19.8, fully 24.8)."""
    return max(t, 1) if t <= 4 else 1


def _cell(recurrent: jax.Array, u: int) -> Callable[[State, jax.Array], tuple[State, Arrays]]:
    """The forward scan's step: (h, c), z_x(t) -> (h, c) after t, and what the backward pass keeps."""
    def step(carry: State, zt: jax.Array) -> tuple[State, Arrays]:
        h, c = carry
        a = _acts(zt + h @ recurrent)                                # (B, 4U): i, f, g, o activated
        c2 = a[..., u:2 * u] * c + a[..., :u] * a[..., 2 * u:3 * u]
        tc = jnp.tanh(c2)
        h2 = a[..., 3 * u:] * tc
        return (h2, c2), (h2, c, a, tc)
    return step


def _dz(dh: jax.Array, dc: jax.Array, cp_t: jax.Array, a: jax.Array, tc: jax.Array) -> tuple[jax.Array, jax.Array]:
    """One step's gradient of z (B, 4U) and of its new c, from the gradients dh, dc arriving at its outputs
    (cp_t: the c it started from)."""
    u = dh.shape[-1]
    i, g, o = a[..., :u], a[..., 2 * u:3 * u], a[..., 3 * u:]
    dc = dc + dh * o * (1 - tc * tc)
    return jnp.concatenate([dc * g, dc * cp_t, dc * i, dh * tc], axis=-1) * _dacts(a), dc


def _back(rt: jax.Array) -> Callable[[State, Arrays], tuple[State, jax.Array]]:
    """The backward scan's step: it carries only the state's gradients."""
    def step(carry: State, inp: Arrays) -> tuple[State, jax.Array]:
        dh, dc = carry
        *dh_t, cp_t, a, tc = inp
        dz, dc = _dz(dh + dh_t[0] if dh_t else dh, dc, cp_t, a, tc)
        u = dc.shape[-1]
        return (dz @ rt, dc * a[..., u:2 * u]), dz
    return step


def _forward(kernel: jax.Array, recurrent: jax.Array, bias: jax.Array, xs: jax.Array, h0: jax.Array,
             c0: jax.Array) -> tuple[tuple[jax.Array, State], Arrays]:
    zx = xs @ kernel + bias                                          # (T, B, 4U)
    (h, c), (hs, cp, acts, tcs) = jax.lax.scan(_cell(recurrent, h0.shape[-1]), (h0, c0), zx,
                                               unroll=_unroll(xs.shape[0]))
    return (hs, (h, c)), (kernel, recurrent, xs, h0, hs, cp, acts, tcs)


@jax.custom_vjp
def lstm_scan(kernel: jax.Array, recurrent: jax.Array, bias: jax.Array, xs: jax.Array, h0: jax.Array,
              c0: jax.Array) -> tuple[jax.Array, State]:
    """(T, B, F) inputs from state (h0, c0) -> outputs (T, B, U) and the final (h, c)."""
    return _forward(kernel, recurrent, bias, xs, h0, c0)[0]


def _forward_primals(*args: CustomVJPPrimal) -> tuple[tuple[jax.Array, State], Arrays]:
    return _forward(*(a.value for a in args))


def _dense(ct: Any) -> jax.Array:
    return jnp.zeros(ct.shape, ct.dtype) if isinstance(ct, SymbolicZero) else ct


def _backward(res: Arrays, cts: tuple[Any, tuple[Any, Any]]) -> Arrays:
    kernel, recurrent, xs, h0, hs, cp, acts, tcs = res
    dhs, (dh_last, dc_last) = cts
    outputs = not isinstance(dhs, SymbolicZero)    # a network's last layer: only its final h is read
    (dh0, dc0), dzs = jax.lax.scan(_back(recurrent.T), (_dense(dh_last), _dense(dc_last)),
                                   ((dhs,) if outputs else ()) + (cp, acts, tcs), reverse=True,
                                   unroll=_unroll(xs.shape[0]))
    rows = dzs.shape[0] * dzs.shape[1]
    dz2 = dzs.reshape(rows, -1)                                      # (T*B, 4U)
    hp = jnp.concatenate([h0[None], hs[:-1]], axis=0)                # each step's incoming h
    d_kernel = xs.reshape(rows, -1).T @ dz2
    d_recurrent = hp.reshape(rows, -1).T @ dz2
    return d_kernel, d_recurrent, dz2.sum(0), dzs @ kernel.T, dh0, dc0


lstm_scan.defvjp(_forward_primals, _backward, symbolic_zeros=True)


# FROM A ZERO STATE (every stateless training and forecast): the first step is peeled off. It needs no
# h0 @ R forward, and backward no gradient into h0 (dz0 @ R^T) and no rows of h0 = 0 in the weights'
# product: 5.6% less CPU on the chunks above (33.7 against 35.7 ms a series).

def _forward_zero(kernel: jax.Array, recurrent: jax.Array, bias: jax.Array,
                  xs: jax.Array) -> tuple[tuple[jax.Array, State], Arrays]:
    zx = xs @ kernel + bias                                          # (T, B, 4U)
    u = recurrent.shape[0]
    a0 = _acts(zx[0])                                                # step 0: z = x W + b, c = i * g
    c1 = a0[..., :u] * a0[..., 2 * u:3 * u]
    tc0 = jnp.tanh(c1)
    h1 = a0[..., 3 * u:] * tc0
    (h, c), (hs, cp, acts, tcs) = jax.lax.scan(_cell(recurrent, u), (h1, c1), zx[1:],
                                               unroll=_unroll(xs.shape[0] - 1))
    return ((jnp.concatenate([h1[None], hs], axis=0), (h, c)),
            (kernel, recurrent, xs, h1, c1, a0, tc0, hs, cp, acts, tcs))


@jax.custom_vjp
def lstm_scan_zero(kernel: jax.Array, recurrent: jax.Array, bias: jax.Array,
                   xs: jax.Array) -> tuple[jax.Array, State]:
    """`lstm_scan` from h0 = c0 = 0: (T, B, F) inputs -> outputs (T, B, U) and the final (h, c)."""
    return _forward_zero(kernel, recurrent, bias, xs)[0]


def _forward_zero_primals(*args: CustomVJPPrimal) -> tuple[tuple[jax.Array, State], Arrays]:
    return _forward_zero(*(a.value for a in args))


def _backward_zero(res: Arrays, cts: tuple[Any, tuple[Any, Any]]) -> Arrays:
    kernel, recurrent, xs, h1, c1, a0, tc0, hs, cp, acts, tcs = res
    dhs, (dh_last, dc_last) = cts
    outputs = not isinstance(dhs, SymbolicZero)
    (dh, dc), dzs = jax.lax.scan(_back(recurrent.T), (_dense(dh_last), _dense(dc_last)),
                                 ((dhs[1:],) if outputs else ()) + (cp, acts, tcs), reverse=True,
                                 unroll=_unroll(xs.shape[0] - 1))
    dz0, _ = _dz(dh + dhs[0] if outputs else dh, dc, jnp.zeros_like(c1), a0, tc0)   # step 0 (c0 = 0)
    rows = dzs.shape[0] * dzs.shape[1]                               # (T-1)*B: none for one step
    dz2 = dzs.reshape(rows, dzs.shape[-1])                           # steps 1 .. T-1
    hp = jnp.concatenate([h1[None], hs[:-1]], axis=0)[:hs.shape[0]]  # their incoming h
    d_kernel = xs[1:].reshape(rows, xs.shape[-1]).T @ dz2 + xs[0].T @ dz0
    d_recurrent = hp.reshape(rows, hp.shape[-1]).T @ dz2
    return d_kernel, d_recurrent, dz2.sum(0) + dz0.sum(0), jnp.concatenate([dz0[None], dzs], axis=0) @ kernel.T


lstm_scan_zero.defvjp(_forward_zero_primals, _backward_zero, symbolic_zeros=True)
