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

from ..errors import DataError
from ..fit.fitting import no_user_covariates, per_series, statable
from ..fit.settings import Settings
from ..fit.state import FittedState
from ..models.statmembers import STATS_UP_TO, ets_states, load_stats, members

FORMAT_VERSION = 2
DATA_ARRAYS = ("data.values", "data.lengths")   # the series (may hold NaN), kept out of the weights' checks


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
    from .._version import __version__
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
    from ..models.arima_state import to_file
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
                     "members": list(st.members)},
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
    from ..atomic import atomic_dir
    with atomic_dir(p, overwrite) as tmp:   # complete or absent, even on Ctrl-C; one writer at a time
        (tmp / "config.json").write_text(json.dumps(config, indent=1))
        np.savez(tmp / "weights.npz", **arrays)
        from .covstore import write_covariates
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
    from .check import check_config
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
    from ..data.panel import Panel
    from ..engine.model import param_shapes
    from ..engine.train import TrainConfig
    from ..models.ensemble import Ensemble, Group, Spec
    from ..models.lstm import Recipe
    from ..prep.pipes import Pipes
    config, arrays = _read(path)
    try:
        hp = dict(config["hyper_parameters"])
        if "model" not in hp:
            hp["model"] = "lstm"                # files written before the combinations hold a pure LSTM
        for k in ("units", "diff"):
            hp[k] = tuple(hp[k]) if isinstance(hp[k], list) else hp[k]
        settings = Settings(**hp)
        r = config["resolved"]
        rec = Recipe(m=int(r["season_length"]), look_back=int(r["look_back"]), h=int(r["horizon"]),
                     units=tuple(int(u) for u in r["units"]), framing=str(r["framing"]),
                     strategy=str(r["strategy"]), level_norm=bool(r["level_norm"]))
        from .covstore import read_covariates
        stored = read_covariates(path)             # (Covariates, scaler, n_cov, n_head, n_lead) or None
        if r["calendar"] and (stored is None or not stored[0].calendar):
            raise DataError(f"{path}: saved by an older lstmcast whose calendar inputs are no longer read (calendar "
                            "features are now built-in future covariates); fit the model again (--calendar)")
        if stored is not None:
            import dataclasses
            rec = dataclasses.replace(rec, n_cov=stored[2], n_head=stored[3], n_lead=stored[4])
        t = r["train"]
        tc = TrainConfig(epochs=int(t["epochs"]), batch_size=int(t["batch_size"]),
                         learning_rate=float(t["learning_rate"]), patience=int(t["patience"]), steps=int(t["steps"]),
                         row_keys=True)
        spec = Spec(recipe=rec, scope=str(r["scope"]), train=tc, seeds=int(r["seeds"]), seed=int(r["seed"]),
                    transform=str(r["transform"]), scale=str(r["scale"]), n_val=int(r["n_val"]),
                    val_frac=float(r["val_frac"]))
        pc = config["panel"]
        for name, kind in (("data.lengths", "iu"), ("data.values", "f")):
            if name not in arrays or arrays[name].dtype.kind not in kind or arrays[name].ndim != 1:
                raise DataError(f"{path}/weights.npz: array {name!r} is missing or of the wrong type")
        lengths = arrays["data.lengths"].astype(np.int64)
        flat = arrays["data.values"].astype(np.float64)
        if lengths.ndim != 1 or np.any(lengths < 0) or int(lengths.sum()) != len(flat) or \
                len(lengths) != len(pc["ids"]):
            raise DataError(f"{path}/weights.npz: the stored series do not match the config")
        values = np.split(flat, np.cumsum(lengths)[:-1]) if len(lengths) else []
        starts, tz = _starts(pc["starts"], pc.get("tz"), int(pc.get("years", 0)))
        panel = Panel(ids=np.asarray(pc["ids"], dtype=object), values=values, starts=starts, freq=str(pc["freq"]),
                      status=np.asarray(pc["status"], dtype=object), reason=np.asarray(pc["reason"], dtype=object),
                      id_col=str(pc["id_col"]), time_col=str(pc["time_col"]), target_col=str(pc["target_col"]),
                      source=str(path), tz=tz, years=int(pc.get("years", 0)))
        s = config["series"]
        expected = param_shapes(rec.model_config())
        shapes, prefixes = {}, []
        for j, g in enumerate(config["groups"]):
            prefix = "shared." if spec.scope == "global" else f"g{j}."
            lead = (spec.seeds,) if spec.scope == "global" else (len(g["idx"]), spec.seeds)
            for i in range(len(rec.units)):
                for k in ("kernel", "recurrent_kernel", "bias"):
                    shapes[f"{prefix}lstm.{i}.{k}"] = lead + expected["lstm"][i][k].shape
            for k in ("kernel", "bias"):
                shapes[f"{prefix}dense.{k}"] = lead + expected["dense"][k].shape
            prefixes.append(prefix)
        from .check import check_arrays  # names, dtype, shape, finite, within float32; no unknown arrays
        if s.get("ft_states"):
            shapes.update(_ft().expected_shapes(s["ft_states"]))
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
        hist = config["history"]
        loss = np.asarray(hist["loss"], np.float64)
        val = np.asarray([[np.nan if v is None else v for v in row] for row in hist["val_loss"]], np.float64)
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
        cov = None
        if stored is not None:
            from ..data.calendar import calendar_names
            if stored[0].calendar and stored[0].calendar != calendar_names(panel.freq):
                raise DataError(f"{path}/covariates.json: calendar columns {list(stored[0].calendar)} are not those "
                                f"of frequency {panel.freq!r}; the model is corrupt or older, fit it again")
            cov, ens.extra["cov_names"] = stored[0], stored[0].describe()
            if stored[1] is not None:
                ens.extra["cov_scaler"] = stored[1]
        diffs = {int(k): tuple(int(a) for a in v) for k, v in s["diffs"].items()}
        if len(phase0) != len(values) or set(diffs) != {int(i) for g in groups for i in g.idx}:
            raise DataError(f"{path}/config.json: series layout does not match the stored series")
        choice = stored[5] if stored is not None else None
        # user covariates in a file from before they were validated (no choice stored): the LSTM alone
        names = tuple(n for n in everything if n != "lstm") if no_user_covariates(cov) or choice else ()
        ok = set(int(i) for i in statable(panel))
        states = _ets_states(s.get("ets_states", {}), ok if "ets" in names else set(), rec.m, path)
        from ..models.arima_state import from_file
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
            fit_seconds=0.0, calibration=calibration_from(arrays, set(diffs), path), cov_choice=choice)
        st = st.replace(per_series=per_series(st))
    except DataError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        raise DataError(f"{path}/config.json: corrupt or incomplete ({e.__class__.__name__}: {e})".splitlines()[0]) \
            from None
    return settings.get_params(), st


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
    from ..models.ets_state import check_state
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


def _starts(texts, tz, years=0):
    """The saved start timestamps as wall-clock times (the panel's grid) and their zone (None: naive); dates
    of another era (`years` != 0, data/era.py) moved onto the grid again."""
    import pandas as pd
    if years:
        from ..data.era import shift_times
        return pd.DatetimeIndex(shift_times(np.array(texts, "datetime64[s]"), years).astype("datetime64[ns]")), None
    stamps = [pd.Timestamp(t) for t in texts]
    aware = {t.tz is not None for t in stamps}
    if aware == {True}:
        zone = tz if tz is not None else str(stamps[0].tz)
        utc = pd.DatetimeIndex([t.tz_convert("UTC") for t in stamps])
        return utc.tz_convert(zone).tz_localize(None), zone
    if aware == {True, False} or tz is not None:
        raise ValueError("panel.starts: timestamps with and without a UTC offset (or a zone without offsets)")
    return pd.DatetimeIndex(stamps), None
