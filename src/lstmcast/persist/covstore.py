"""Covariates in a model directory: covariates.json (names, feature count, scaler) + covariates.npz.

    write_covariates(state, folder)       # nothing written for a model without covariates
    stored = read_covariates(folder)      # None, or (Covariates, CovScaler, n_cov, n_head, n_lead)

The model file thereby lists the covariates it needs; `forecast` names them when they are missing.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..data.covariates import Covariates, lstm_part
from ..errors import DataError
from ..models.covfeat import CovScaler, n_step_features

FILE = "covariates.json"


def _flat(arrs, C):
    lengths = np.array([len(a) for a in arrs], np.int64)
    vals = np.concatenate([np.asarray(a, np.float64).reshape(len(a), C) for a in arrs]) if arrs else np.zeros((0, C))
    return lengths, vals


def write_covariates(state, folder) -> None:
    """covariates.json + covariates.npz of a FittedState with covariates (nothing without)."""
    cov = state.cov
    if cov is None:
        return
    ens = state.ensemble
    folder = Path(folder)
    scaler = ens.extra.get("cov_scaler")           # None: validation dropped them all from the LSTM
    meta = {"covariates": cov.describe(), "holidays": cov.holidays, "calendar": list(cov.calendar),
            "n_cov": int(ens.recipe.n_cov), "n_head": int(ens.recipe.n_head),
            "n_lead": int(ens.recipe.n_lead), "scaler": scaler.to_dict() if scaler is not None else None,
            "choice": state.cov_choice}
    (folder / FILE).write_text(json.dumps(meta, indent=1))
    hl, hv = _flat(cov.hist, len(cov.hist_names))
    fl, fv = _flat(cov.futr, len(cov.futr_names))
    np.savez(folder / "covariates.npz", hist_lengths=hl, hist=hv, futr_lengths=fl, futr=fv,
             stat=np.asarray(cov.stat, np.float64))


def read_covariates(folder):
    """None, or (Covariates, CovScaler or None, n_cov, n_head, n_lead, the covariate choice or None)."""
    folder = Path(folder)
    if not (folder / FILE).exists():
        return None
    try:
        meta = json.loads((folder / FILE).read_text())
        names = meta["covariates"]
        hist, futr, stat = (tuple(str(s) for s in names[k]) for k in ("hist_exog", "futr_exog", "stat_exog"))
        with np.load(folder / "covariates.npz", allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
        split = lambda L, V: list(np.split(V, np.cumsum(L)[:-1])) if len(L) else []
        cal = tuple(str(s) for s in meta.get("calendar") or ())
        cov = Covariates(hist, futr, stat, split(a["hist_lengths"], a["hist"]), split(a["futr_lengths"], a["futr"]),
                         a["stat"], meta.get("holidays") or None, cal)
        if cov.n_builtin > len(futr) or (cal and futr[len(futr) - cov.n_builtin:][:len(cal)] != cal):
            raise ValueError("the calendar columns are not among the future covariates")
        choice = meta.get("choice")
        if choice is not None and not (isinstance(choice, dict) and isinstance(choice.get("lstm", {}), dict)):
            raise ValueError("choice must be a record of what each member kept")
        seen = lstm_part(cov, choice)                 # what the LSTM takes: None when it dropped them all
        sc = CovScaler.from_dict(meta["scaler"]) if seen is not None else None
        n_cov, n_head = int(meta["n_cov"]), int(meta["n_head"])
        arrays = [cov.stat, *(x for x in cov.hist), *(x for x in cov.futr), *(() if sc is None else
                                                                             (*sc.hist, *sc.futr, *sc.stat))]
        if not all(np.all(np.isfinite(x)) for x in arrays) or (n_cov <= 0) != (seen is None):
            raise ValueError("non-finite covariate values, or a feature count that disagrees with the choice")
        low = (0 if seen is None
               else n_step_features(len(seen.hist_names), len(seen.futr_names), len(seen.stat_names), 0))
        if n_cov < low or not 0 <= n_head <= n_cov:
            raise ValueError("n_cov disagrees with the covariate names")
        if "n_lead" not in meta and len(futr) > len(cal):
            raise DataError(f"{folder}: saved by an older lstmcast whose future covariates entered every input "
                            "step with leads (no longer read); fit the model again")
        n_only = int(meta.get("n_lead", 0))
        if not 0 <= n_only <= n_head:
            raise ValueError("n_lead disagrees with n_head")
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{folder}: covariates.npz is missing") from None
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as e:
        raise DataError(f"{folder}/{FILE}: corrupt ({e.__class__.__name__}: {e})".splitlines()[0]) from None
    return cov, sc, n_cov, n_head, n_only, choice
