"""The sections of a model directory's config.json read back into objects: the settings, the resolved recipe
and training configuration, the stored panel, the training history and the covariates. Each takes the
section (and the arrays of weights.npz it names) and raises a one-line DataError naming the file when the
section cannot be what `persist.modelfile.save` wrote.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..data.calendar import valid_names
from ..data.era import shift_times
from ..data.panel import Panel
from ..engine.config import TrainConfig
from ..errors import DataError
from ..fit.settings import Settings
from ..models.ensemble import Spec
from ..models.lstm import Recipe


def settings_of(hyper_parameters: dict) -> Settings:
    """The Settings a file was fitted with (lists back to tuples; files from before the combinations: "lstm")."""
    hp = dict(hyper_parameters)
    if "model" not in hp:
        hp["model"] = "lstm"                # files written before the combinations hold a pure LSTM
    for k in ("units", "diff"):
        hp[k] = tuple(hp[k]) if isinstance(hp[k], list) else hp[k]
    return Settings(**hp)


def history_of(hist: dict):
    """(training loss, validation loss) per epoch; a null validation loss (JSON) back to NaN."""
    loss = np.asarray(hist["loss"], np.float64)
    val = np.asarray([[np.nan if v is None else v for v in row] for row in hist["val_loss"]], np.float64)
    return loss, val


def spec_of(r: dict, stored, path):
    """(Recipe, Spec) of a file's resolved settings `r`, widened by its stored covariates (or None)."""
    rec = Recipe(m=int(r["season_length"]), look_back=int(r["look_back"]), h=int(r["horizon"]),
                 units=tuple(int(u) for u in r["units"]), framing=str(r["framing"]),
                 strategy=str(r["strategy"]), level_norm=bool(r["level_norm"]))
    if r["calendar"] and (stored is None or not stored[0].calendar):
        raise DataError(f"{path}: saved by an older lstmcast whose calendar inputs are no longer read (calendar "
                        "features are now built-in future covariates); fit the model again (--calendar)")
    if stored is not None:
        rec = dataclasses.replace(rec, n_cov=stored[2], n_head=stored[3], n_lead=stored[4])
    t = r["train"]
    tc = TrainConfig(epochs=int(t["epochs"]), batch_size=int(t["batch_size"]),
                     learning_rate=float(t["learning_rate"]), patience=int(t["patience"]), steps=int(t["steps"]),
                     row_keys=True)
    spec = Spec(recipe=rec, scope=str(r["scope"]), train=tc, seeds=int(r["seeds"]), seed=int(r["seed"]),
                transform=str(r["transform"]), scale=str(r["scale"]), n_val=int(r["n_val"]),
                val_frac=float(r["val_frac"]))
    return rec, spec


def panel_of(pc: dict, arrays: dict, path):
    """(Panel, its values) from the file's panel section `pc` and the stored series' arrays."""
    for name, kind in (("data.lengths", "iu"), ("data.values", "f")):
        if name not in arrays or arrays[name].dtype.kind not in kind or arrays[name].ndim != 1:
            raise DataError(f"{path}/weights.npz: array {name!r} is missing or of the wrong type")
    lengths = arrays["data.lengths"].astype(np.int64)
    flat = arrays["data.values"].astype(np.float64)
    if lengths.ndim != 1 or np.any(lengths < 0) or int(lengths.sum()) != len(flat) or \
            len(lengths) != len(pc["ids"]):
        raise DataError(f"{path}/weights.npz: the stored series do not match the config")
    values = np.split(flat, np.cumsum(lengths)[:-1]) if len(lengths) else []
    starts, tz = starts_of(pc["starts"], pc.get("tz"), int(pc.get("years", 0)))
    panel = Panel(ids=np.asarray(pc["ids"], dtype=object), values=values, starts=starts, freq=str(pc["freq"]),
                  status=np.asarray(pc["status"], dtype=object), reason=np.asarray(pc["reason"], dtype=object),
                  id_col=str(pc["id_col"]), time_col=str(pc["time_col"]), target_col=str(pc["target_col"]),
                  source=str(path), tz=tz, years=int(pc.get("years", 0)))
    return panel, values


def covariates_of(stored, panel, ens, path):
    """The stored covariates (None without), checked against the panel's frequency; the ensemble gets their
    names and scaler."""
    if stored is None:
        return None
    if stored[0].calendar and not valid_names(stored[0].calendar, panel.freq):
        raise DataError(f"{path}/covariates.json: calendar columns {list(stored[0].calendar)} are not those "
                        f"of frequency {panel.freq!r}; the model is corrupt or older, fit it again")
    cov, ens.extra["cov_names"] = stored[0], stored[0].describe()
    if stored[1] is not None:
        ens.extra["cov_scaler"] = stored[1]
    return cov


def starts_of(texts, tz, years=0):
    """The saved start timestamps as wall-clock times (the panel's grid) and their zone (None: naive); dates
    of another era (`years` != 0, data/era.py) moved onto the grid again."""
    if years:
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
