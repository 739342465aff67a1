"""The pretrained LSTM fine-tuned on the user's data: the `pretrained-ft` member of a combination.

    fits = fit_many(values, idx, m)            # {i: member}: ONE fine-tune on the windows of every series
    mod = FinetunedMember(12).fit(y)           # one series (the same, local)
    mod.predict(12, level=[80])                # {"mean": (12,), "lo-80": (12,), "hi-80": (12,)}
    mod.refit(y[:cut])                         # a validation fold: fine-tuned afresh on that fold's past
    fit_many(values, idx, m, init=params)      # warm start: from a saved model's fine-tuned weights

Fine-tuning (pure arrays: `tune`): from the shipped weights (models/pretrained.py; or `init`), Adam steps
(lr LR, gradients clipped at norm 1) on the pinball loss of pretrain/net.py over windows of the training
data: every origin with at least MIN_CONTEXT values before it is a window (context: the values before it,
the card's C at most; target: the next H values, masked past the series' end), BATCH windows a step,
at most STEPS steps (a budget in steps, not epochs, so that a long panel costs no more than a short
series); a panel's windows are subsampled to MAX_WINDOWS.
How many steps: early stopping on a validation split inside the training data: the windows whose origins
lie in each series' last V values (V = max(season, 8), at most a quarter of the series), trained on the
windows before them (whose targets are masked at the split), scored every EVAL steps, stopped after
PATIENCE scores without improvement. 0 steps (the zero-shot network) is kept unless the best score is
MARGIN below its own, so on the split the member is never worse than zero-shot. (Design half of the corpus,
benchmarks/README.md: lr 1e-3 lost to zero-shot, 3e-4 with the margin tied it; 300 steps lets a pattern the
zero-shot network does not know be learnt where the split keeps improving.) The network is then
fine-tuned again on every window for the chosen number of steps. A series too short for a split (under
MIN_CONTEXT + 2 V values) keeps the zero-shot weights when it is alone, and joins the windows of the
others in a panel.
A validation fold (`refit`, fit/combine.py) fine-tunes on the fold's past for the number of steps chosen
on the full series (no second search: one fine-tune per fold), so the combination weighs the member by
out-of-sample errors of fine-tuned networks.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ..engine.model import param_shapes
from ..errors import DataError
from ..pretrain import net
from ..pretrain.finetune import _step
from .pretrained import _loaded, forecast_arrays, weights_dir
from .pretrained_member import _bands

NAME = "pretrained-ft"
STEPS = 300          # at most this many Adam steps
EVAL = 20            # the validation split is scored every EVAL steps
PATIENCE = 2         # ... and the search stops after this many scores without improvement
BATCH = 32
LR = 3e-4
MIN_CONTEXT = 10     # an origin needs this many values before it
MAX_WINDOWS = 20_000
MARGIN = 0.03        # fine-tuned weights are kept only where they beat zero-shot on the split by this fraction


@functools.lru_cache(maxsize=8)
def _loss_program(cfg: net.NetConfig):
    """jit: the masked pinball loss (pretrain/net.py's, in scaled units) of windows (x, base, target, tmask)."""
    median, tau = cfg.levels.index(0.5), jnp.asarray(cfg.levels, jnp.float32)

    def loss(params, x, base, target, tmask):
        q = net.quantiles(params, x, base, len(cfg.levels), median)
        d = target[..., None] - q
        pin = jnp.maximum(tau * d, (tau - 1) * d).mean(-1)
        return (pin * tmask).sum() / jnp.maximum(tmask.sum(), 1.0)
    return jax.jit(loss)


def origins(lengths, lo, hi, cap: int, rng) -> np.ndarray:
    """(k, 2) rows (series, origin t) with lo[s] <= t < hi[s]; a random `cap` of them when there are more."""
    rows = [np.stack([np.full(max(b - a, 0), s), np.arange(a, max(a, b))], 1) for s, (a, b) in enumerate(zip(lo, hi))]
    out = np.concatenate(rows) if rows else np.zeros((0, 2), np.int64)
    if len(out) > cap:
        out = out[np.sort(rng.choice(len(out), cap, replace=False))]
    return out.astype(np.int64)


def windows(series: list, rows, season, cfg: net.NetConfig, ends=None):
    """Network inputs (x, base, target, tmask) of the windows `rows` (series, origin); targets masked at
    ends[s] (default: the series' end)."""
    C, H, n = cfg.context, cfg.horizon, len(rows)
    ctx, mask = np.zeros((n, C)), np.zeros((n, C))
    fut, fmask = np.zeros((n, H)), np.zeros((n, H), np.float32)
    for r, (s, t) in enumerate(rows):
        y = series[s]
        c = y[max(0, t - C):t]
        ctx[r, C - len(c):], mask[r, C - len(c):] = c, 1.0
        end = len(y) if ends is None else ends[s]
        f = y[t:min(t + H, end)]
        fut[r, :len(f)], fmask[r, :len(f)] = f, 1.0
    seas = np.broadcast_to(np.asarray(season, np.int64), (len(series),))[rows[:, 0]] if n else np.zeros(0, int)
    x, level, scale, base = net.features(ctx, mask, seas, cfg)
    target = np.clip((fut - level[:, None]) / scale[:, None], -50, 50).astype(np.float32)
    return x, base, target, fmask


def _pad(arrays, n: int):
    """Rows padded to n with zeros (the padded targets are masked out)."""
    return tuple(np.concatenate([a, np.zeros((n - len(a),) + a.shape[1:], a.dtype)]) if len(a) < n else a
                 for a in arrays)


def _score(params, cfg, val) -> float:
    if val is None:
        return float("nan")
    return float(_loss_program(cfg)(params, *val))


def _train(params, cfg, data, steps: int, seed: int, val=None):
    """(params after `steps` steps, [(step, validation loss)]); with `val`, early stopping returns the best
    scored params (step 0 included)."""
    opt, step = _step(cfg, LR)
    state, rng = opt.init(params), np.random.default_rng(seed)
    best, best_loss, curve, since = params, _score(params, cfg, val), [], 0
    curve.append((0, best_loss))
    n = len(data[0])
    for k in range(1, int(steps) + 1):
        i = rng.integers(0, n, BATCH)
        params, state, _ = step(params, state, *(a[i] for a in data))
        if val is not None and k % EVAL == 0:
            loss = _score(params, cfg, val)
            curve.append((k, loss))
            if loss < best_loss:
                best, best_loss, since = params, loss, 0
            else:
                since += 1
                if since >= PATIENCE:
                    break
    return (best if val is not None else params), curve


def split_len(n: int, m: int) -> int:
    """V: the validation split's length for a series of n values, season m (0: too short for one)."""
    v = min(max(int(m), 8), n // 4)
    return v if n - v >= MIN_CONTEXT + v else 0


def tune(series: list, season, init=None, steps: int | None = None, seed: int = 0, directory: str | None = None):
    """A `Tuned` network fine-tuned on the windows of `series` (1-D arrays, finite), from `init` (a Tuned:
    warm start) or the shipped weights. steps=None: chosen by early stopping on the split (module
    docstring); a number: that many steps on every window, no search."""
    if init is None:
        params0, cfg, _ = _loaded(directory or weights_dir())
    else:
        params0, cfg = init.params, init.cfg
    ys = [np.asarray(y, np.float64) for y in series]
    n = np.array([len(y) for y in ys])
    rng = np.random.default_rng(seed)
    every = origins(n, np.full(len(ys), MIN_CONTEXT), n, MAX_WINDOWS, rng)
    curve: list = []
    if steps is None and len(every):
        v = np.array([split_len(k, season) for k in n])
        if v.any():
            cut = n - v
            fit_rows = origins(n, np.full(len(ys), MIN_CONTEXT), cut, MAX_WINDOWS, rng)
            val_rows = origins(n, np.where(v > 0, cut, n), n, MAX_WINDOWS // 4, rng)
            val = _pad(windows(ys, val_rows, season, cfg), max(64, 1 << (len(val_rows) - 1).bit_length()))
            _, curve = _train(params0, cfg, windows(ys, fit_rows, season, cfg, ends=cut), STEPS, seed, val)
            steps = chosen_steps(curve)
    if not steps or not len(every):
        return Tuned(params0, 0, cfg, curve, init)
    params, _ = _train(params0, cfg, windows(ys, every, season, cfg), steps, seed)
    return Tuned(params, int(steps), cfg, curve, init)


def chosen_steps(curve) -> int:
    """The step count of the lowest validation loss, if it beats zero-shot (step 0) by MARGIN; else 0."""
    losses = np.array([c[1] for c in curve], np.float64)
    if not len(losses) or not np.isfinite(losses).all():
        return 0
    k = int(np.argmin(losses))
    return int(curve[k][0]) if losses[k] < (1 - MARGIN) * losses[0] else 0


class Tuned:
    """One fine-tuned network, shared by the series it was tuned on: params, the steps taken, its NetConfig,
    the validation curve [(step, loss)], and the Tuned it started from (`init`: None = the shipped weights)."""

    def __init__(self, params, steps: int, cfg: net.NetConfig, curve=(), init=None):
        self.params, self.steps, self.cfg, self.curve, self.init = params, int(steps), cfg, list(curve), init


class FinetunedMember:
    """The `pretrained-ft` member of one series: the statistical members' protocol (fit, predict, forward,
    refit) and the pretrained member's batched `forecast_many`."""

    def __init__(self, m: int, tuned: Tuned | None = None, init=None):
        self.m, self.tuned, self.init = max(int(m), 1), tuned, init
        self.y: np.ndarray | None = None

    def fit(self, y):
        self.y = np.asarray(y, np.float64)
        self.tuned = tune([self.y], self.m, self.init)
        return self

    def refit(self, y, **_):
        """A validation fold's member: fine-tuned on y alone for the steps chosen on the full data."""
        other = FinetunedMember(self.m, init=self.init)
        other.y = np.asarray(y, np.float64)
        other.tuned = tune([other.y], self.m, self.init, steps=self.tuned.steps if self.tuned is not None else None)
        return other

    def predict(self, h: int, level=None) -> dict:
        return self.forward(self.y, h, level)

    def forward(self, y, h: int, level=None) -> dict:
        return self.forecast_many([y], self.m, h, level)[0]

    def forecast_many(self, series: list, m: int, h: int, level=None) -> list:
        """[{"mean", "lo-L", "hi-L"}] of each series in one batched call of this member's network."""
        if not len(series):
            return []
        levels = list(level or [])
        t = self.tuned
        point, bounds = forecast_arrays([np.asarray(s, np.float64) for s in series], max(int(m), 1), int(h), levels,
                                        params=None if t is None else t.params, cfg=None if t is None else t.cfg)
        return [_bands(point, bounds, j, levels) for j in range(len(series))]


def fit_many(values, idx, m: int, init=None) -> dict:
    """{i: FinetunedMember} of the series idx, all sharing one network fine-tuned on their windows together
    (one series: local; a panel: global). init: the weights to start from (a saved model's: warm start)."""
    idx = [int(i) for i in idx]
    if not idx:
        return {}
    shared = tune([values[i] for i in idx], m, init)
    out: dict[int, FinetunedMember] = {}
    for i in idx:
        mod = FinetunedMember(m, shared, init)
        mod.y = np.asarray(values[i], np.float64)
        out[i] = mod
    return out


def forecast_groups(per: dict, values, h: int, levels) -> dict:
    """{i: forecast} of the members `per` ({i: member}), one batched call per network they share."""
    groups: dict[int, list] = {}
    for i, mod in per.items():
        groups.setdefault(id(mod.tuned) if hasattr(mod, "tuned") else 0, []).append(i)
    out: dict[int, dict] = {}
    for ids in groups.values():
        first = per[ids[0]]
        many = first.forecast_many([np.asarray(values[i], np.float64) for i in ids], first.m, h, levels)
        out.update(zip(ids, many))
    return out


# MODEL FILES -------------------------------------------------------------------------------------
# config.json series.ft_states: [{"series": [i, ...], "steps": k, "net": NetConfig.to_dict()}], one per network;
# weights.npz: "ft.{j}.lstm.{l}.{kernel|recurrent_kernel|bias}", "ft.{j}.dense.{kernel|bias}".

def to_file(fits: dict):
    """(JSON states, arrays) of the fitted pretrained-ft members (one entry per network they share)."""
    groups: dict[int, list] = {}
    for i, mod in fits.get(NAME, {}).items():
        groups.setdefault(id(mod.tuned), []).append(int(i))
    states, arrays = [], {}
    for j, ids in enumerate(groups.values()):
        t = fits[NAME][ids[0]].tuned
        states.append({"series": sorted(ids), "steps": t.steps, "net": t.cfg.to_dict()})
        arrays.update(flat(t.params, f"ft.{j}."))
    return states, arrays


def flat(params, prefix: str) -> dict:
    out = {f"{prefix}lstm.{i}.{k}": np.asarray(v, np.float32) for i, layer in enumerate(params["lstm"])
           for k, v in layer.items()}
    out.update({f"{prefix}dense.{k}": np.asarray(v, np.float32) for k, v in params["dense"].items()})
    return out


def expected_shapes(states: list) -> dict:
    """{array name: shape} of the stored networks, from each one's NetConfig."""
    out = {}
    for j, st in enumerate(states):
        shapes = param_shapes(_cfg(st["net"]).model)
        for i, layer in enumerate(shapes["lstm"]):
            out.update({f"ft.{j}.lstm.{i}.{k}": tuple(v.shape) for k, v in layer.items()})
        out.update({f"ft.{j}.dense.{k}": tuple(v.shape) for k, v in shapes["dense"].items()})
    return out


def _cfg(d: dict) -> net.NetConfig:
    return net.NetConfig(context=int(d["context"]), horizon=int(d["horizon"]), units=tuple(d["units"]),
                         levels=tuple(d["levels"]))


def from_file(states: list, arrays: dict, values, m: int, series: set, path) -> dict:
    """{i: FinetunedMember} as saved (arrays already checked against `expected_shapes`)."""
    out = {}
    for j, st in enumerate(states):
        cfg = _cfg(st["net"])
        params = {"lstm": [{k: jnp.asarray(arrays[f"ft.{j}.lstm.{i}.{k}"])
                            for k in ("kernel", "recurrent_kernel", "bias")} for i in range(len(cfg.units))],
                  "dense": {k: jnp.asarray(arrays[f"ft.{j}.dense.{k}"]) for k in ("kernel", "bias")}}
        shared = Tuned(params, int(st["steps"]), cfg)
        for i in st["series"]:
            if int(i) not in series or int(i) in out:
                raise DataError(f"{path}/config.json: series.ft_states: series {i} is not one the fine-tuned "
                                "pretrained LSTM can forecast; the model directory is corrupt, refit it")
            out[int(i)] = FinetunedMember(m, shared)
            out[int(i)].y = np.asarray(values[int(i)], np.float64)
    return out

