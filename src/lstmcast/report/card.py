"""The model card of a report: resolved settings of a fitted Forecaster, loss curves, run times, versions.

    card = card_for(fc, times={"final fit": 3.2}, data=data_info(path, panel))

A fitted Forecaster's card reads its resolved state (`scope_`, `spec_`, `diffs_`, `ensemble_`...), so it
says what the model did, not what was asked: for a panel, counts per differencing lag set and per
transform; for one series, its lags and the held-out scores that chose them. An unfitted one (`evaluate
--report` fits no final model) gives the requested settings.
"""
from __future__ import annotations

import hashlib
import math
import platform
import time
from collections import Counter
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from .._version import __version__
from ..data.era import day
from ..fit.calibration import count
from ..fit.covchoice import describe
from ..fit.fitting import summary_line
from ..fit.settings import default_seeds
from ..prep.pipes import KINDS


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def versions() -> dict:
    out: dict[str, str | None] = {"lstmcast": __version__, "python": platform.python_version()}
    for pkg in ("jax", "numpy", "pandas", "statsforecast", "plotly"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def data_info(path, panel, label: str | None = None) -> dict:
    """File (or `label`), its sha256, and the panel's size, span and frequency."""
    n = len(panel)
    info: dict[str, object] = {"file": label or str(path), "sha256": sha256(path)}
    if n == 1:
        info["values"] = int(panel.lengths[0])
    else:
        info.update({"series": n, "values": int(panel.lengths.sum())})
    if n:
        info.update({"first": _when(panel.localize(panel.starts).min()),
                     "last": _when(panel.localize(panel.ends).max())})
    info["frequency"] = panel.freq
    return info


def _when(ts) -> str:
    return day(ts)


def _lags(lags) -> str:
    return ",".join(map(str, lags)) or "none"


def _counts(labels) -> str:
    """'1: 5 series, none: 2 series' (most common first); '' for no labels."""
    return ", ".join(f"{k}: {n} series" for k, n in Counter(labels).most_common())


def _requested(p: dict) -> dict:
    diff = p["diff"] if isinstance(p["diff"], str) else _lags(p["diff"])
    return {"scope": p["scope"], "season_length": p["season_length"] or "auto", "look_back": p["look_back"] or "auto",
            "framing": p["framing"], "units": list(np.atleast_1d(p["units"]).tolist()), "strategy": p["strategy"],
            "output steps": p["horizon"] or "auto", "transform": p["transform"], "differencing": diff,
            "scale": p["scale"], "calendar": p["calendar"], "epochs": p["epochs"] or "auto",
            "steps": p["steps"] or "auto", "batch_size": p["batch_size"] or "auto",
            "learning_rate": p["learning_rate"], "validation": p["validation"], "patience": p["patience"],
            "aggregate": p["aggregate"], **_seeds(p)}


def _seeds(p: dict) -> dict:
    """Requested seeds: the count and the seed values; automatic ones as each possible scope resolves them."""
    s = int(p["seed"])
    if p["seeds"]:
        return {"seeds": int(p["seeds"]), "seed values": f"{s}..{s + int(p['seeds']) - 1}"}
    scopes = ("local", "global") if p["scope"] == "auto" else (p["scope"],)
    combined = p["model"] is None or "+" in str(p["model"])     # the LSTM as a combination's member (the default)
    n = {("local member" if combined and k == "local" else k): default_seeds(k, combined) for k in scopes}
    return {"seeds": "auto (" + ", ".join(f"{v} {k}" for k, v in n.items()) + ")",
            "seed values": ", ".join(f"{s}..{s + v - 1} ({k})" for k, v in n.items())}


def _resolved(fc) -> tuple[dict, dict]:
    """(settings, extra card sections) of a fitted Forecaster."""
    p, spec, panel = fc.get_params(), fc.spec_, fc.panel_
    R, T = spec.recipe, spec.train
    n, trained = len(panel), sorted(fc.diffs_)
    kinds = {}
    for g in (fc.ensemble_.groups if fc.ensemble_ is not None else []):   # none: no network trained
        kinds.update({int(i): KINDS[int(k)] for i, k in zip(g.idx, g.pipes.kind)})
    one = n == 1
    s = {"scope": fc.scope_ + (" (chosen by validation)" if p["scope"] == "auto" and n > 1 else ""),
         "season_length": int(fc.m_), "look_back": R.look_back, "framing": R.framing, "units": list(R.units),
         "strategy": R.strategy, "output steps": R.h, "level_norm": R.level_norm,
         "calendar": ", ".join(getattr(getattr(fc, "cov_", None), "calendar", ())) or "none"}
    if one:
        s["transform"] = kinds.get(0, "none (the series falls back to a baseline)")
        s["differencing"] = _lags(fc.diffs_[0]) if 0 in fc.diffs_ else "none (the series falls back to a baseline)"
    else:
        s["transform"] = _counts(kinds[i] for i in trained)
        s["differencing"] = _counts(_lags(fc.diffs_[i]) for i in trained)
    if p["transform"] != "auto" or not one:
        s["transform requested"] = p["transform"]
    s["differencing requested"] = p["diff"] if isinstance(p["diff"], str) else _lags(p["diff"])
    s["scale"] = spec.scale
    s.update({"steps": T.steps} if T.steps else {"epochs": T.epochs})   # a step budget replaces epochs
    s.update({"batch_size": T.batch_size, "learning_rate": T.learning_rate, "validation": p["validation"],
              "patience": T.patience, "aggregate": p["aggregate"], "seeds": spec.seeds,
              "seed values": f"{spec.seed}..{spec.seed + spec.seeds - 1}"})
    extra: dict[str, dict] = {}
    if not one:
        extra["series"] = {"in the panel": n, "LSTM": len(trained), "fallback": n - len(trained)}
        line = summary_line(fc.panel_)
        if line:
            extra["series"]["why"] = line
    if fc.scope_scores_:
        extra["scope scores (mean MASE on each series' last horizon of training data, lower is better)"] = {
            k: round(float(v), 4) if math.isfinite(v) else "failed" for k, v in fc.scope_scores_.items()}
    kept = describe(getattr(fc, "cov_choice_", None), panel.ids)
    if kept:
        extra["covariates (each member validated with and without them)"] = kept
    scores = fc.diff_scores_.get(0) if one else None
    if scores:
        extra["differencing scores (held-out RMSE, lower is better)"] = {
            k: round(float(v), 4) if math.isfinite(v) else "failed" for k, v in scores.items()}
    return s, extra


def intervals(fc, coverage: dict | None = None) -> dict:
    """How the model's bands are made: the last forecast's note (method, errors, unsupported levels), how
    many series are calibrated on validation folds and on how many errors; with coverage ({model:
    {"80": share}} of a backtest), the coverage the bands achieved there."""
    out = {}
    note = getattr(fc, "interval_note_", "")
    if note:
        out["how the bands were made"] = note
    cal = getattr(fc, "calibration_", {}) or {}
    out["series calibrated on validation folds"] = f"{len(cal)} of {len(fc.panel_)}"
    if cal:
        n = [count(c.get("combo", c["lstm"])) for c in cal.values()]
        out["validation errors per step"] = f"{int(np.median(n))}" + (f" (fewest {min(n)})" if min(n) != max(n) else "")
    for name, cov in (coverage or {}).items():
        if cov:
            out[f"backtest coverage ({name})"] = {lv: (round(v, 3) if v is not None else "n/a")
                                                  for lv, v in cov.items()}
    return out


def card_for(fc, times: dict | None = None, data: dict | None = None) -> dict:
    """The model card: settings (resolved when fc is fitted), scores, run times, versions, data, loss curves."""
    fitted = hasattr(fc, "panel_")
    settings, extra = _resolved(fc) if fitted else (_requested(fc.get_params()), {})
    card = {"settings": settings, **extra}
    times = dict(times or {})
    if fitted and "final fit" not in times and getattr(fc, "fit_seconds_", None) is not None:
        times["fit"] = fc.fit_seconds_
    if fitted:
        card["intervals"] = intervals(fc)
    if times:
        card["run times (s)"] = {k: round(float(v), 2) for k, v in times.items()}
    card["versions"] = versions()
    if data:
        card["data"] = data
    card["created"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    loss = getattr(fc, "loss_", None)
    if loss is not None:
        loss = np.atleast_2d(np.asarray(loss, np.float64))                 # (K, E)
        card["loss"] = [[round(float(v), 6) for v in row if np.isfinite(v)] for row in loss]
    return card
