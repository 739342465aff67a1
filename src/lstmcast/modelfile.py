"""Model directories: `config.json` (everything but the weights) and `weights.npz` (arrays only).

    save(forecaster, "model-dir")   # refuses an existing directory unless overwrite=True
    fc = load(Forecaster, "model-dir")

No pickle anywhere: the weights load with `allow_pickle=False`, so opening a model runs no code.
Loading checks the format version, every config field (`modelcheck.CONFIG`) and every array's
name, dtype, shape and finiteness before anything is used.
"""
from __future__ import annotations

import json
from pathlib import Path

import jax
import numpy as np
import pandas as pd

from .atomic import atomic_dir
from .data import DataError
from .engine.model import init_params
from .modelcheck import check_arrays, check_config
from .prep.transforms import Pipeline

FORMAT_VERSION = 1


def _flat(params, leaf=np.asarray) -> dict:
    out = {}
    for i, layer in enumerate(params["lstm"]):
        for k, v in layer.items():
            out[f"lstm.{i}.{k}"] = leaf(v)
    for k, v in params["dense"].items():
        out[f"dense.{k}"] = leaf(v)
    return out


def save(fc, path, overwrite: bool = False):
    from . import __version__
    p = Path(path)
    if p.exists():
        if not overwrite:
            raise DataError(f"{path}: already exists; pass --force (overwrite=True) to replace it")
        if not (p / "config.json").exists() and any(p.iterdir()):
            raise DataError(f"{path}: exists and is not a lstmcast model directory; refusing to replace it")
    r = fc.r_
    config = {
        "format": "lstmcast-model", "format_version": FORMAT_VERSION, "lstmcast_version": __version__,
        "hyper_parameters": {k: (list(v) if isinstance(v, tuple) else v) for k, v in fc.get_params().items()},
        "resolved": {"season_length": r["m"], "look_back": r["look_back"], "units": list(r["units"]),
                     "transform": r["transform"], "diff": list(r["diff"]), "horizon": r["h"], "n_val": r["n_val"],
                     "diff_scores": getattr(fc, "diff_scores_", {})},
        "pipeline": fc.pipe_.to_dict(), "phase": int(fc.phase_),
        "series": {"name": fc.y_.name if isinstance(fc.y_.name, str) else None,
                   "index_name": fc.y_.index.name, "freq": fc.y_.index.freqstr,
                   "start": fc.y_.index[0].isoformat(), "values": [float(v) for v in fc.y_.to_numpy()]},
        "n_features": int(fc.params_["lstm"][0]["kernel"].shape[-2]),
        "history": {"loss": fc.loss_.tolist(), "val_loss": np.where(np.isfinite(fc.val_loss_), fc.val_loss_,
                                                                    None).tolist(),
                    "best_epoch": np.asarray(fc.best_epoch_).tolist()},
    }
    with atomic_dir(p, overwrite) as tmp:   # complete or absent, even on Ctrl-C; one writer at a time
        (tmp / "config.json").write_text(json.dumps(config, indent=1))
        np.savez(tmp / "weights.npz", **_flat(fc.params_))


def load(cls, path):
    p = Path(path)
    if not p.is_dir():
        raise DataError(f"{path}: no such model directory")
    try:
        config = json.loads((p / "config.json").read_text())
    except FileNotFoundError:
        raise DataError(f"{path}: not a model directory (no config.json)") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise DataError(f"{path}/config.json: corrupt ({e.__class__.__name__}: {e})".splitlines()[0]) from None
    except OSError as e:
        raise DataError(f"{path}/config.json: cannot read it ({e.strerror or e.__class__.__name__})") from None
    if not isinstance(config, dict) or config.get("format") != "lstmcast-model":
        raise DataError(f"{path}/config.json: not a lstmcast model config")
    version = config.get("format_version")
    if isinstance(version, int) and version > FORMAT_VERSION:   # other bad versions: check_config says
        raise DataError(f"{path}: model format version {version!r} is newer than this lstmcast reads "
                        f"({FORMAT_VERSION}); upgrade lstmcast")
    check_config(config, f"{path}/config.json")   # every key, type, range and agreement (modelcheck.CONFIG)
    try:
        hp = dict(config["hyper_parameters"])
        hp["units"] = tuple(hp["units"]) if isinstance(hp["units"], list) else hp["units"]
        hp["diff"] = tuple(hp["diff"]) if isinstance(hp["diff"], list) else hp["diff"]
        fc = cls(**hp)
        r = config["resolved"]
        fc.r_ = dict(m=int(r["season_length"]), look_back=int(r["look_back"]), units=tuple(r["units"]),
                     transform=r["transform"], diff=tuple(r["diff"]), h=int(r["horizon"]), n_val=int(r["n_val"]))
        fc.diff_scores_ = dict(r.get("diff_scores", {}))
        fc.pipe_ = Pipeline.from_dict(config["pipeline"])
        fc.phase_ = int(config["phase"])
        s = config["series"]
        idx = pd.date_range(pd.Timestamp(s["start"]), periods=len(s["values"]), freq=s["freq"])
        fc.y_ = pd.Series(np.asarray(s["values"], np.float64), index=idx, name=s["name"])
        fc.y_.index.name = s["index_name"]
        n_features = int(config["n_features"])
        hist = config["history"]
    except (KeyError, TypeError, ValueError, OverflowError) as e:
        raise DataError(f"{path}/config.json: corrupt or incomplete ({e.__class__.__name__}: {e})") from None
    try:
        with np.load(p / "weights.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise DataError(f"{path}: weights.npz is missing") from None
    except Exception as e:  # zipfile.BadZipFile, ValueError (pickled object), OSError
        raise DataError(f"{path}/weights.npz: unreadable ({e.__class__.__name__})") from None
    expected = _flat(jax.eval_shape(lambda: init_params(jax.random.key(0), fc.model_config(n_features))),
                     leaf=lambda s: s)
    check_arrays(arrays, {k: (fc.seeds, *v.shape) for k, v in expected.items()}, f"{path}/weights.npz")
    n_lstm = len(fc.r_["units"])
    fc.params_ = {"lstm": [{k: arrays[f"lstm.{i}.{k}"].astype(np.float32)
                            for k in ("kernel", "recurrent_kernel", "bias")} for i in range(n_lstm)],
                  "dense": {k: arrays[f"dense.{k}"].astype(np.float32) for k in ("kernel", "bias")}}
    fc.loss_ = np.asarray(hist["loss"], np.float64)
    fc.val_loss_ = np.asarray([np.nan if v is None else v for v in np.ravel(hist["val_loss"])],
                              np.float64).reshape(np.shape(hist["val_loss"]))
    fc.best_epoch_ = np.asarray(hist["best_epoch"])
    return fc
