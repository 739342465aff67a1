"""Model directories: `config.json` (settings, pipelines, panel layout) and `weights.npz` (arrays only).

    save(state, "model-dir")            # a FittedState; refuses an existing directory unless overwrite=True
    params, state = load("model-dir")   # the Forecaster's arguments and the FittedState

No pickle anywhere: arrays load with `allow_pickle=False`, so opening a model runs no code. The file
holds every series' values (to forecast past their end and to calibrate intervals), the per-series
pipelines, the scope and differencing chosen, and the networks: `g{j}.lstm.{i}.kernel`, ... per group of
series sharing differencing lags (local scope: a leading series axis; global: one ensemble).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .._version import __version__
from ..atomic import atomic_dir
from ..errors import DataError
from ..fit.fitting import no_user_covariates, per_series, statable
from ..fit.state import FittedState
from ..models.arima_state import from_file, to_file
from ..models.ensemble import Ensemble, Group
from ..models.ets_state import check_state
from ..models.pretrained_card import card_sha256, changed_note
from ..models.statmembers import STATS_UP_TO, ets_states, load_stats, members
from ..prep.pipes import Pipes
from .check import check_arrays, check_config
from .covstore import read_covariates, write_covariates
from .sections import covariates_of, history_of, panel_of, settings_of, spec_of

FORMAT_VERSION = 2
DATA_ARRAYS = ("data.values", "data.lengths")   # the series (may hold NaN), kept out of the weights' checks

PRETRAINED = {"pretrained", "pretrained-ft"}   # members whose forecasts depend on the shipped weights


def _flat(params, prefix: str) -> dict:
    out = {}
    for i, layer in enumerate(params["lstm"]):
        for k, v in layer.items():
            out[f"{prefix}lstm.{i}.{k}"] = np.asarray(v)
    for k, v in params["dense"].items():
        out[f"{prefix}dense.{k}"] = np.asarray(v)
    return out


def _jsonable(v):
    if isinstance(v, tuple):
        return list(v)
    if isinstance(v, np.generic):
        return v.item()
    return v


def save(st, path, overwrite: bool = False):
    """Write the FittedState `st` as a model directory."""
    p = Path(path)
    if p.exists():
        if not overwrite:
            raise DataError(f"{path}: already exists; pass --force (overwrite=True) to replace it")
        if not (p / "config.json").exists() and (not p.is_dir() or any(p.iterdir())):
            raise DataError(f"{path}: exists and is not a lstmcast model directory; refusing to replace it")
    panel, ens, spec = st.panel, st.ensemble, st.spec
    if ens is None and "lstm" in st.members:
        raise DataError(f"{path}: no series trained an LSTM ({st.per_series['reason'].iloc[0]}); there is no "
                        "model to save: the statistical members refit in seconds, so fit again instead")
    rec = spec.recipe
    shared = st.scope == "global"
    groups = ens.groups if ens is not None else []         # none: a combination without a trained LSTM
    arima_states, arima_arrays = to_file(st.stat_fits)
    ft_states, ft_arrays = _ft().to_file(st.stat_fits) if "pretrained-ft" in st.members else ([], {})
    config = {
        "format": "lstmcast-model", "format_version": FORMAT_VERSION, "lstmcast_version": __version__,
        "hyper_parameters": {k: _jsonable(v) for k, v in st.settings.get_params().items()},
        "resolved": {"season_length": int(st.m), "scope": st.scope,
                     "scope_scores": _nulls(st.scope_scores),
                     "look_back": rec.look_back, "horizon": rec.h, "units": list(rec.units),
                     "framing": rec.framing, "strategy": rec.strategy, "level_norm": rec.level_norm,
                     "calendar": _calendar(st.cov), "seeds": spec.seeds, "seed": spec.seed,
                     "transform": spec.transform, "scale": spec.scale, "n_val": spec.n_val,
                     "val_frac": spec.val_frac,
                     "train": {"epochs": spec.train.epochs, "steps": spec.train.steps,
                               "batch_size": spec.train.batch_size, "learning_rate": spec.train.learning_rate,
                               "patience": spec.train.patience},
                     "members": list(st.members),
                     **({"pretrained_sha256": card_sha256()} if PRETRAINED & set(st.members) else {})},
        "panel": {"id_col": panel.id_col, "time_col": panel.time_col, "target_col": panel.target_col,
                  "freq": panel.freq, "ids": [_jsonable(i) for i in panel.ids],
                  "starts": [t.isoformat() for t in panel.localize(panel.starts)], "tz": panel.tz,
                  **({"years": panel.years} if panel.years else {}),
                  "status": [str(s) for s in panel.status], "reason": [str(r) for r in panel.reason]},
        "series": {"diffs": {str(i): list(d) for i, d in st.diffs.items()},
                   "diff_scores": {str(i): _nulls(s) for i, s in st.diff_scores.items()},
                   "weights": {str(i): {n: np.atleast_1d(np.asarray(x, float)).tolist() for n, x in w.items()}
                               for i, w in st.weights.items()},
                   "phase0": [int(v) for v in st.phase0],
                   "ets_states": {str(i): e for i, e in ets_states(st.stat_fits).items()},
                   "arima_states": arima_states, **({"ft_states": ft_states} if ft_states else {})},
        "groups": [{"idx": [int(i) for i in g.idx], "pipes": g.pipes.to_dict()} for g in groups],
        "history": {"loss": np.asarray(st.loss if ens is not None else []).tolist(),
                    # numpy's stubs read where(c, x, None) as the one-argument form (a tuple); it is an array
                    "val_loss": np.where(np.isfinite(st.val_loss), st.val_loss, None).tolist()  # type: ignore[attr-defined]
                    if ens is not None else []},
    }
    arrays = {"data.values": np.concatenate([np.asarray(v, np.float64) for v in panel.values]),
              "data.lengths": panel.lengths.astype(np.int64), **arima_arrays, **calibration_arrays(st.calibration),
              **ft_arrays}
    for j, g in enumerate(groups):
        if shared and j > 0:
            continue
        arrays.update(_flat(g.params, "shared." if shared else f"g{j}."))
    with atomic_dir(p, overwrite) as tmp:   # complete or absent, even on Ctrl-C; one writer at a time
        (tmp / "config.json").write_text(json.dumps(config, indent=1))
        np.savez(tmp / "weights.npz", **arrays)
        write_covariates(st, tmp)                  # covariates.json + .npz when the model has covariates


def _read(path):
    p = Path(path)
    if not p.is_dir():
        if p.exists():
            raise DataError(f"{path}: is a file, not a model directory (the folder `lstmcast fit --model` wrote)")
        raise DataError(f"{path}: no such model directory")
    try:
        config = json.loads((p / "config.json").read_text())
    except FileNotFoundError:
        raise DataError(f"{path}: not a model directory (no config.json)") from None
    except OSError as e:   # a folder named config.json, no permission, an I/O error
        raise DataError(f"{path}/config.json: cannot read it ({e.__class__.__name__}: {e.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:   # RecursionError: nested too deep
        raise DataError(f"{path}/config.json: corrupt ({e.__class__.__name__}: {e})".splitlines()[0]) from None
    if not isinstance(config, dict) or config.get("format") != "lstmcast-model":
        raise DataError(f"{path}/config.json: not a lstmcast model config")
    version = config.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise DataError(f"{path}/config.json: format_version: expected a whole number, got {version!r}; the "
                        "model directory is corrupt, refit it")
    if version > FORMAT_VERSION:
        raise DataError(f"{path}: model format version {version!r} is newer than this lstmcast reads "
                        f"({FORMAT_VERSION}); upgrade lstmcast")
    if version < FORMAT_VERSION:
        raise DataError(f"{path}: model format version {version} is older than this lstmcast reads "
                        f"({FORMAT_VERSION}); fit the model again")
    check_config(config, f"{path}/config.json")   # every key, type, range and agreement (modelcheck.CONFIG)
    try:
        with np.load(p / "weights.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise DataError(f"{path}: weights.npz is missing") from None
    except Exception as e:  # zipfile.BadZipFile, ValueError (pickled object), OSError
        raise DataError(f"{path}/weights.npz: unreadable ({e.__class__.__name__})") from None
    return config, arrays


def load(path):
    """(the Forecaster's keyword arguments, the FittedState) of a model directory; one-line errors."""
    config, arrays = _read(path)
    try:
        settings = settings_of(config["hyper_parameters"])
        r = config["resolved"]
        stored = read_covariates(path)             # (Covariates, scaler, n_cov, n_head, n_lead) or None
        rec, spec = spec_of(r, stored, path)
        panel, values = panel_of(config["panel"], arrays, path)
        s = config["series"]
        shapes, prefixes = _expected_arrays(config["groups"], s.get("ft_states"), rec, spec)
        check_arrays({k: a for k, a in arrays.items()
                      if k not in DATA_ARRAYS and not k.startswith(("arima.", "calib."))},
                     shapes, f"{path}/weights.npz")
        groups = []
        for j, (g, prefix) in enumerate(zip(config["groups"], prefixes)):
            pipes = Pipes.from_dict(g["pipes"])
            idx = np.asarray(g["idx"], np.int64)
            if len(pipes) != len(idx) or np.any(idx < 0) or np.any(idx >= len(values)):
                raise DataError(f"{path}/config.json: group {j} does not match the stored series")
            params = {"lstm": [{k: arrays[f"{prefix}lstm.{i}.{k}"].astype(np.float32)
                                for k in ("kernel", "recurrent_kernel", "bias")} for i in range(len(rec.units))],
                      "dense": {k: arrays[f"{prefix}dense.{k}"].astype(np.float32) for k in ("kernel", "bias")}}
            for row, i in enumerate(idx):
                v = values[i][np.isfinite(values[i])]
                if pipes.kind[row] != 0 and v.size and v.min() <= 0:
                    raise DataError(f"{path}/weights.npz: series {panel.ids[i]!r} holds {v.min():g}, a value <= 0 "
                                    f"under its {g['pipes']['kind'][row]} transform; the model is corrupt, refit it")
            groups.append(Group(idx, pipes, params))
        loss, val = history_of(config["history"])
        try:
            everything = _members(r, settings.model, len(panel))
        except DataError as e:
            raise DataError(f"{path}/config.json: {e}") from None
        trained_lstm = everything[0] == "lstm"                # else a combination without a trained LSTM
        phase0 = np.asarray(s["phase0"], np.int64)
        ens = Ensemble(rec, spec.scope, groups, phase0, loss, val) if trained_lstm else None
        if not trained_lstm and (groups or stored is not None):
            raise DataError(f"{path}/config.json: networks or covariates stored for members "
                            f"{'+'.join(everything)} that use none; the model directory is corrupt, refit it")
        cov = covariates_of(stored, panel, ens, path)
        diffs = {int(k): tuple(int(a) for a in v) for k, v in s["diffs"].items()}
        if len(phase0) != len(values) or set(diffs) != {int(i) for g in groups for i in g.idx}:
            raise DataError(f"{path}/config.json: series layout does not match the stored series")
        choice = stored[5] if stored is not None else None
        # user covariates in a file from before they were validated (no choice stored): the LSTM alone
        names = tuple(n for n in everything if n != "lstm") if no_user_covariates(cov) or choice else ()
        ok = set(int(i) for i in statable(panel))
        states = _ets_states(s.get("ets_states", {}), ok if "ets" in names else set(), rec.m, path)
        arima = from_file(s.get("arima_states", {}), arrays, ok if "arima" in names else set(), path)
        ft = _ft().from_file(s["ft_states"], arrays, values, rec.m, ok if "pretrained-ft" in names else set(),
                             path) if s.get("ft_states") else {}
        used = ("lstm",) * trained_lstm + tuple(names)
        st = FittedState(
            settings=settings, panel=panel, m=rec.m, scope=spec.scope, scope_scores=_infs(r["scope_scores"]),
            spec=spec, ensemble=ens, phase0=phase0, cov=cov, diffs=diffs,
            diff_scores={int(k): _infs(v) for k, v in s["diff_scores"].items()}, step_mse={}, loss=loss, val_loss=val,
            stat_fits=load_stats(values, sorted(ok), rec.m, names, states, arima, {"pretrained-ft": ft})
            if names else {},
            members=used, weights=_weights(s.get("weights", {}), used, set(diffs) if trained_lstm else ok, path),
            fit_seconds=0.0, calibration=calibration_from(arrays, set(diffs), path), cov_choice=choice,
            notes=_notes(path, r, used))
        st = st.replace(per_series=per_series(st))
    except DataError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        raise DataError(f"{path}/config.json: corrupt or incomplete ({e.__class__.__name__}: {e})".splitlines()[0]) \
            from None
    return settings.get_params(), st


def _notes(path, resolved: dict, used) -> tuple:
    """What the user should know about reading this model now: its pretrained member's weights changed."""
    note = changed_note(path, resolved.get("pretrained_sha256")) if PRETRAINED & set(used) else None
    return (note,) if note else ()


def _expected_arrays(groups: list, ft_states, rec, spec):
    """({array name: shape} of the networks the config names, each group's array prefix)."""
    from ..engine.model import param_shapes  # JAX (~1 s): when a model is read, not when this module is
    expected = param_shapes(rec.model_config())
    shapes, prefixes = {}, []
    for j, g in enumerate(groups):
        prefix = "shared." if spec.scope == "global" else f"g{j}."
        lead = (spec.seeds,) if spec.scope == "global" else (len(g["idx"]), spec.seeds)
        for i in range(len(rec.units)):
            for k in ("kernel", "recurrent_kernel", "bias"):
                shapes[f"{prefix}lstm.{i}.{k}"] = lead + expected["lstm"][i][k].shape
        for k in ("kernel", "bias"):
            shapes[f"{prefix}dense.{k}"] = lead + expected["dense"][k].shape
        prefixes.append(prefix)
    if ft_states:
        shapes.update(_ft().expected_shapes(ft_states))
    return shapes, prefixes


def _ft():
    """models/pretrained_ft.py, imported where a model has a fine-tuned pretrained LSTM only (it loads JAX)."""
    from ..models import pretrained_ft
    return pretrained_ft


def _nulls(scores: dict) -> dict:
    """Validation scores for JSON: a failed trial's inf (or NaN) as null, which JSON can hold."""
    return {k: float(v) if np.isfinite(v) else None for k, v in scores.items()}


def _infs(scores: dict) -> dict:
    """`_nulls` undone: null back to inf (a failed trial)."""
    return {k: float("inf") if v is None else v for k, v in scores.items()}


def _members(resolved: dict, model, n: int) -> tuple:
    """The members the saved model forecasts with: as stored, or for files written before they were
    stored, the rule of then (model=None: LSTM + AutoETS up to STATS_UP_TO series)."""
    members(model, n)                                   # a model setting that is not one is an error
    if "members" in resolved:
        return members("+".join(resolved["members"]))
    return members(model if model is not None else "lstm+ets" if n <= STATS_UP_TO else "lstm")


def _calendar(cov) -> bool:
    """Whether the model uses the built-in calendar covariates (listed in covariates.json)."""
    return bool(cov is not None and cov.calendar)


def _weights(stored: dict, names, series: set, path) -> dict:
    """The combination's weights as saved: keys are trained series, members are the model's own."""
    out = {}
    for k, v in stored.items():
        if not k.isdigit() or int(k) not in series:
            raise DataError(f"{path}/config.json: series.weights: {k!r} is not a trained series; the model "
                            "directory is corrupt, refit it")
        unknown = sorted(set(v) - set(names))
        if unknown:
            raise DataError(f"{path}/config.json: series.weights.{k}: {unknown[0]!r} is not a member of "
                            f"{'+'.join(names)}; the model directory is corrupt, refit it")
        out[int(k)] = {str(n): [float(x) for x in w] for n, w in v.items()}
    return out


def calibration_arrays(calibration: dict) -> dict:
    """The bands' signed validation errors (fit/calibration.py) as arrays `calib.{series}.{lstm|combo}` (n, H)
    (files written before they were signed hold their absolute values: the bands are the same), and
    `calib.{series}.level` ([w]) where they are relative to the series' level."""
    return {f"calib.{i}.{k}": np.asarray(e, np.float64) for i, c in calibration.items() for k, e in c.items()}


def calibration_from(arrays: dict, series: set, path) -> dict:
    """`calibration_arrays` undone and checked; files written before the bands were calibrated on the
    validation folds have none ({}: their forecasts use in-sample errors, as when they were saved)."""
    out: dict[int, dict] = {}
    for name, a in arrays.items():
        if not name.startswith("calib."):
            continue
        parts = name.split(".")
        ok = (len(parts) == 3 and parts[1].isdigit() and int(parts[1]) in series
              and parts[2] in ("lstm", "combo", "level"))
        shape_ok = a.shape == (1,) and a[0] >= 1 if ok and parts[2] == "level" else a.ndim == 2 and a.size > 0
        if not ok or a.dtype.kind != "f" or not shape_ok or np.isinf(a).any():     # errors are signed
            raise DataError(f"{path}/weights.npz: array {name!r} is not a series' validation errors; the model "
                            "directory is corrupt, refit it")
        out.setdefault(int(parts[1]), {})[parts[2]] = a.astype(np.float64)
    return out


def _ets_states(stored: dict, series: set, m: int, path) -> dict:
    """The AutoETS states as saved (series -> state), each checked; older files have none (refit)."""
    out = {}
    for k, st in stored.items():
        if not k.isdigit() or int(k) not in series:
            raise DataError(f"{path}/config.json: series.ets_states: {k!r} is not a series AutoETS fits; the "
                            "model directory is corrupt, refit it")
        why = check_state(st, max(int(m), 1))
        if why:
            raise DataError(f"{path}/config.json: series.ets_states.{k}: {why}; the model directory is corrupt, "
                            "refit it")
        out[int(k)] = st
    return out
