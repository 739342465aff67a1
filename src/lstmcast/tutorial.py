"""The tutorial's five experiments, run for many seeds at once, faithful or corrected.

    results = run_tutorial(datasets.airline().to_numpy(), seeds=10)   # list of FramingResult

Faithful mode is the tutorial's code as written: float32, scaler fit on the whole series,
`create_dataset` (which drops a sample and never spans the train/test boundary), 96/48 split.
Default mode fixes its leaks: scaler fit on the 96 training months only, and every one of the 48
test months gets a one-step prediction from the months before it. Both modes report, on exactly
the same target months, the persistence ("next = this month") and seasonal-naive baselines.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import jax
import numpy as np

from .engine.config import ModelConfig, TrainConfig
from .engine.model import param_shapes
from .engine.programs import Program, prepare_lapack
from .engine.train import (
    _PREDICT_MANY,
    _pad_rows,
    _stateful_program,
    compiled_train,
    predict_many,
    predict_many_stateful,
)
from .prep.windows import create_dataset, frame, minmax_fit, minmax_inverse, minmax_transform, windows
from .scale.threads import map_threads

N_TRAIN = 96  # int(144 * 0.67), the tutorial's split

# name -> (look_back, framing, units, stateful); all LSTM(4), 100 epochs, batch 1, Adam, MSE
PRESETS = {
    "regression": (1, "timesteps", (4,), False),
    "window": (3, "window", (4,), False),
    "timesteps": (3, "timesteps", (4,), False),
    "stateful": (3, "timesteps", (4,), True),
    "stacked": (3, "timesteps", (4, 4), True),
}
# (train RMSE, test RMSE) as the tutorial reports them, one run each
REPORTED = {"regression": (22.93, 47.53), "window": (24.19, 58.03), "timesteps": (23.69, 58.88),
            "stateful": (20.74, 52.23), "stacked": (20.49, 56.35)}


@dataclass
class FramingResult:
    name: str
    look_back: int
    train_months: np.ndarray        # (n_train,) indices into the series of the months predicted
    test_months: np.ndarray         # (n_test,)
    train_pred: np.ndarray          # (K, n_train) in passengers
    test_pred: np.ndarray           # (K, n_test)
    train_rmse: np.ndarray          # (K,)
    test_rmse: np.ndarray           # (K,)
    persistence_test_rmse: float
    snaive_test_rmse: float
    seconds: float
    extras: dict = field(default_factory=dict)

    @property
    def median_seed(self) -> int:
        return int(np.argsort(self.test_rmse)[len(self.test_rmse) // 2])


def _rmse(a, b):
    return np.sqrt(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2, axis=-1))


def prepare(y, look_back: int, faithful: bool):
    """Scaled windows and the months they predict: (x_train, y_train, x_test, y_test, t_train, t_test, lo, hi)."""
    data = np.asarray(y, np.float32)[:, None]                  # (144, 1), the tutorial's float32 cast
    if faithful:
        lo, hi = minmax_fit(data)                              # leak: fit on all 144 months
        z = minmax_transform(data, lo, hi).astype(np.float32)
        xtr, ytr = create_dataset(z[:N_TRAIN], look_back)
        xte, yte = create_dataset(z[N_TRAIN:], look_back)
        t_tr = np.arange(look_back, look_back + len(ytr))
        t_te = N_TRAIN + np.arange(look_back, look_back + len(yte))
        ytr, yte = ytr[:, None], yte[:, None]
    else:
        lo, hi = minmax_fit(data[:N_TRAIN])                    # training months only
        z = minmax_transform(data, lo, hi).astype(np.float32)
        t_tr, t_te = np.arange(look_back, N_TRAIN), np.arange(N_TRAIN, len(data))
        xtr, ytr = windows(z, look_back, t_tr)
        xte, yte = windows(z, look_back, t_te)
    return (xtr.astype(np.float32), ytr.astype(np.float32), xte.astype(np.float32),
            yte.astype(np.float32), t_tr, t_te, lo, hi)


def _inputs(y, name: str, seeds: int, epochs: int, faithful: bool, seed0: int) -> dict:
    """Everything one framing's programs take: configs, keys, framed train/test arrays, scaling."""
    look_back, framing, units, stateful = PRESETS[name]
    xtr, ytr, xte, yte, t_tr, t_te, lo, hi = prepare(y, look_back, faithful)
    xtr, xte = frame(xtr, framing), frame(xte, framing)        # (N, T, F)
    return dict(mc=ModelConfig(n_features=xtr.shape[2], units=units), stateful=stateful,
                tc=TrainConfig(epochs=epochs, batch_size=1, shuffle=not stateful, stateful=stateful),
                keys=jax.vmap(jax.random.key)(np.arange(seed0, seed0 + seeds)), xtr=xtr, ytr=ytr, xte=xte,
                yte=yte, t_tr=t_tr, t_te=t_te, lo=lo, hi=hi)


def warm_framings(y, names, seeds: int = 10, epochs: int = 100, faithful: bool = False, seed0: int = 7,
                  workers: int | None = None) -> None:
    """Load or compile every program the given framings will run, several at once: XLA compiles
    outside Python's lock, so on a cold start the framings' compilations overlap."""
    prepare_lapack()        # before the pool's threads start (it runs only while no other thread does)
    y = np.asarray(y, np.float64)
    jobs: list[tuple[Program, tuple]] = []   # (program, its arguments)
    for name in names:
        d = _inputs(y, name, seeds, epochs, faithful, seed0)
        w = np.ones(len(d["xtr"]), np.float32)
        jobs.append((compiled_train(d["mc"], d["tc"], vmap_keys=True), (d["keys"], d["xtr"], d["ytr"], w)))
        shapes = param_shapes(d["mc"], seeds)
        if d["stateful"]:
            prog = _stateful_program(1, True)
            jobs += [(prog, (shapes, d["xtr"])), (prog, (shapes, d["xte"]))]
        else:
            x = np.concatenate([d["xtr"], d["xte"]])
            jobs.append((_PREDICT_MANY, (shapes, _pad_rows(x, 0))))
    seen, unique = set(), []
    for prog, args in jobs:     # one job per distinct program and signature
        sig = (id(prog), str(jax.tree.map(lambda a: (a.shape, str(a.dtype)), args)))
        if sig not in seen:
            seen.add(sig)
            unique.append((prog, args))
    map_threads(lambda job: job[0].warm(*job[1]), unique, workers)


def run_framing(y, name: str, seeds: int = 10, epochs: int = 100, faithful: bool = False,
                seed0: int = 7) -> FramingResult:
    """Train `seeds` models of one preset together (one compiled, vmapped call) and score them."""
    look_back = PRESETS[name][0]
    y = np.asarray(y, np.float64)
    start = time.perf_counter()
    d = _inputs(y, name, seeds, epochs, faithful, seed0)
    xtr, ytr, xte, yte, t_tr, t_te, lo, hi = (d[k] for k in ("xtr", "ytr", "xte", "yte", "t_tr", "t_te", "lo", "hi"))
    params, _ = compiled_train(d["mc"], d["tc"], vmap_keys=True)(d["keys"], xtr, ytr, np.ones(len(xtr), np.float32))
    if d["stateful"]:   # reset before predicting train, and again before test (the tutorial's reset_states)
        p_tr = np.asarray(predict_many_stateful(params, xtr, 1))[..., 0]   # (K, n_train) scaled
        p_te = np.asarray(predict_many_stateful(params, xte, 1))[..., 0]
    else:          # one call for both sets: each window starts from zero state anyway
        p = np.asarray(predict_many(params, np.concatenate([xtr, xte])))[..., 0]
        p_tr, p_te = p[:, : len(xtr)], p[:, len(xtr):]
    inv = lambda a: minmax_inverse(a[..., None], lo, hi)[..., 0]  # noqa: E731
    p_tr, p_te = inv(p_tr), inv(p_te)
    a_tr, a_te = (inv(ytr[None, :, 0])[0], inv(yte[None, :, 0])[0]) if faithful else (y[t_tr], y[t_te])
    return FramingResult(
        name=name, look_back=look_back, train_months=t_tr, test_months=t_te,
        train_pred=p_tr, test_pred=p_te, train_rmse=_rmse(p_tr, a_tr), test_rmse=_rmse(p_te, a_te),
        persistence_test_rmse=float(_rmse(y[t_te - 1], y[t_te])),
        snaive_test_rmse=float(_rmse(y[t_te - 12], y[t_te])),
        seconds=time.perf_counter() - start)


def summary(values) -> dict:
    v = np.asarray(values, np.float64)
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else 0.0,
            "min": float(v.min()), "max": float(v.max()), "values": [float(a) for a in v]}


def to_json(results, seeds: int, epochs: int, faithful: bool) -> dict:
    return {"mode": "faithful" if faithful else "default", "seeds": seeds, "epochs": epochs,
            "framings": [{"name": r.name, "look_back": r.look_back,
                          "n_train_targets": int(len(r.train_months)),
                          "n_test_targets": int(len(r.test_months)),
                          "train_rmse": summary(r.train_rmse), "test_rmse": summary(r.test_rmse),
                          "reported": {"train_rmse": REPORTED[r.name][0], "test_rmse": REPORTED[r.name][1]},
                          "persistence_test_rmse": r.persistence_test_rmse,
                          "seasonal_naive_test_rmse": r.snaive_test_rmse,
                          "seconds": r.seconds} for r in results]}
