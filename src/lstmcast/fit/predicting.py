"""Forecasts, in-sample predictions and conformal intervals of a FittedState, as long frames.

    forecast_frame(state, h, new_df, levels, members)   # unique_id, ds, mean, lo-80, hi-80, ..., model
    predict_frame(state)                                 # unique_id, ds, y, mean, model

Conformal intervals (split conformal, per series and horizon step, quantile ceil((n + 1) level) / n):
where the fit validated the series on rolling folds, the LSTM's on the out-of-sample errors of those
folds (fit/calibration.py), elsewhere on its absolute errors of h-step forecasts from past origins (the
validation tail when there is one, else the last 300 in-sample origins: optimistic). A combination's
bands are its members' bounds averaged with the forecast's weights (calibration.COMBO_BANDS; or conformal
on its own fold errors). Fallback series use their baseline's own past errors. The note says which, and
on how many errors.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data.covariates import lstm_part, user_X, with_future
from ..data.extremes import too_far, typical_size
from ..data.panel import as_panel
from ..data.panel_check import fmt_time
from ..data.panel_core import future_times
from ..engine.plan import check_forecast
from ..errors import DataError
from ..models.baselines import fallback, finite_history, insample_errors
from ..models.conformal import conformal_bands
from ..models.statmembers import stat_forecasts
from .calibration import COMBO_BANDS, at_origin, count, describe
from .combine import combine
from .state import FittedState

MIN_CALIBRATION = 10


LEADS = ("lstm", "pretrained-ft", "pretrained")   # the LSTM member of a combination: the first of these in it


def point(st: FittedState, p):
    """Members (K, ...) -> the point forecast."""
    return np.median(p, axis=0) if st.aggregate == "median" else np.mean(p, axis=0)


def conformal_q(err, level) -> np.ndarray:
    """err (n, h) absolute errors -> (h,): the k-th smallest per column, k = ceil((n + 1) level / 100)
    (the largest when k > n), split conformal's finite-sample quantile."""
    n = len(err)
    k = min(n, int(np.ceil((n + 1) * level / 100 - 1e-9)))
    return np.sort(err, axis=0)[k - 1]


def lstm_errors(st: FittedState, values: dict, h: int, cov=None, skip=()) -> dict:
    """{i: |actual - forecast| (n_i, h)} from each LSTM series' calibration origins (in-sample, or the
    validation tail); none for the series in skip (calibrated on their validation folds instead)."""
    ens, spec = st.ensemble, st.spec
    L = spec.recipe.look_back
    origins = {}
    for i, d in st.diffs.items():
        if i in skip:
            continue
        v = values[i]
        D = int(sum(d))
        nv = spec.n_val + spec.recipe.h - 1 if spec.n_val else 0
        first = len(v) - nv - 1 if spec.n_val else L + D - 1
        lo = max(first, L + D - 1, len(v) - h - 300 - 1)
        origins[i] = np.arange(lo, len(v) - h)
    paths = ens.paths([values.get(i) for i in range(len(st.panel))], origins, h, cov=cov)
    out = {}
    for i, p in paths.items():
        o = origins[i]
        actual = values[i][o[:, None] + 1 + np.arange(h)[None, :]]
        out[i] = np.abs(actual - point(st, p))
    return out


def extended_values(panel, new_df) -> dict:
    """{series position: values} of the training panel, continued by newer observations if given."""
    vals = {i: np.asarray(panel.values[i], np.float64) for i in range(len(panel))}
    if new_df is None:
        return vals
    new = as_panel(new_df, id_col=panel.id_col, time_col=panel.time_col, target_col=panel.target_col,
                   freq=panel.freq, where="new data")
    if len(panel) == 1 and len(new) == 1:
        pos = {new.ids[0]: 0}
    else:
        pos = {k: i for i, k in enumerate(panel.ids)}
    grown = 0
    for j in range(len(new)):
        if new.ids[j] not in pos:
            raise DataError(f"new data: series {new.ids[j]!r} was not in the training data; refit to add it")
        i = pos[new.ids[j]]
        idx = new.index(j)
        end = panel.ends[i]
        later = np.asarray(idx > end)
        if not later.any():
            continue
        first = idx[later][0]
        expected = end + panel.offset
        if first != expected:
            raise DataError(f"new data: series {new.ids[j]!r} must continue after {end.date()}: expected "
                            f"{expected.date()} next, got {first.date()}")
        extra = np.asarray(new.values[j], np.float64)[later]
        if not np.all(np.isfinite(extra)):
            raise DataError(f"new data: series {new.ids[j]!r} has missing or infinite values after "
                            f"{end.date()}; fill them")
        t, was = typical_size(extra), typical_size(vals[i])
        if too_far(t) and not too_far(was):        # a units mistake (a series flagged "magnitude" stays a fallback)
            raise DataError(f"new data: series {new.ids[j]!r} has values of typical size {t:.3g} after "
                            f"{end.date()}, beyond the 1e-150 to 1e150 the models fit; give them in the training "
                            f"data's units (typical size {was:.3g})")
        vals[i] = np.concatenate([vals[i], extra])
        grown += 1
    if not grown and len(new) and new.ends.max() < panel.ends.max():   # older data only: the wrong file?
        raise DataError(f"new data: ends {fmt_time(new.ends.max())}, before the training data's end "
                        f"({fmt_time(panel.ends.max())}), so it adds nothing to forecast from; give the "
                        "observations that follow the training data, or forecast without --data")
    return vals


def forecast_frame(st: FittedState, h: int, new_df, levels, members: bool, futr_df=None, parts: bool = False):
    """parts=True adds `lstm`: the pure LSTM's forecast (or its fallback) beside a combination's `mean`."""
    return forecast_parts(st, h, new_df, levels, members, futr_df, parts)[0]


def forecast_parts(st: FittedState, h: int, new_df, levels, members: bool, futr_df=None, parts: bool = False):
    """(forecast_frame's frame, how the intervals were made and on how many errors (calibration.describe;
    '' without levels)). parts=True also gives the pure LSTM's bands (`lstm-lo-80`, ...)."""
    panel = st.panel
    N = len(panel)
    check_forecast(st.spec, st.panel, st.diffs, h, levels)    # resource plan and calendar range, before allocating
    cov = _forecast_covariates(st, h, new_df, futr_df)
    lcov = lstm_part(cov, st.cov_choice)              # the user's covariates, unless validation dropped them
    vals = extended_values(st.panel, new_df)
    ens = st.ensemble
    paths = {} if ens is None else ens.paths([vals[i] for i in range(N)],
                                             {i: np.array([len(vals[i]) - 1]) for i in st.diffs}, h, cov=lcov)
    cal = {i: at_origin(c, vals[i]) for i, c in st.calibration.items()} if levels else {}
    errs = lstm_errors(st, vals, h, lcov, skip=set(cal)) if levels and paths else {}
    stats = stat_forecasts(st.stat_fits, vals, h, levels, lengths=panel.lengths, X=user_X(cov))
    K = st.spec.seeds
    bkeys = [f"{s}-{lv}" for lv in levels for s in ("lo", "hi")]
    keys = ["mean"] + bkeys
    res = {k: np.full((N, h), np.nan) for k in keys}
    pure = {k: np.full((N, h), np.nan) for k in keys}
    names = np.empty(N, dtype=object)
    keep = np.ones(N, bool)
    memb = np.full((N if members else 0, K, h), np.nan)                    # read only with `members`
    info: dict[str, Any] = {"methods": {}, "errors": [], "short": {}, "past": None, "few": [],
            "relative": sum("level" in c for c in st.calibration.values()) if levels else 0}
    for i in range(N):
        got, p = [], None
        if i in paths:
            p = paths[i][:, 0, :]                                       # (K, h)
            got.append(("lstm", _lstm_bands(point(st, p), cal.get(i), errs.get(i), levels, vals[i], h, info,
                                            panel.ids[i])))
        got += [(n, per[i]) for n, per in stats.items() if i in per]
        f, fname = (None, "") if i in paths else fallback(vals[i], h, st.m)
        fb = None
        if f is not None and (not got or parts):
            ferr = insample_errors(vals[i], h, st.m) if levels else None
            fb = (fname, _with_bands(f, ferr, levels, vals[i], h))
        if not got:
            if fb is None:
                keep[i] = False                                         # no value at all: no forecast
                continue
            got.append(fb)
            if levels and (ferr is None or len(ferr) < MIN_CALIBRATION):
                info["few"].append(panel.ids[i])
        lead = dict(got).get(next((n for n in LEADS if n in st.members), "pretrained"))   # the combination's LSTM
        lone = lead if lead is not None else fb[1] if fb is not None else {}
        for k in keys:
            pure[k][i] = lone.get(k, np.nan)
        w = st.weights.get(i)
        got = [(n, g) for n, g in got if not w or np.max(w.get(n, 1.0)) > 0] or got   # members given no weight drop out
        out_i = combine(got, levels, w)
        if levels:
            out_i.update(_combined_bands(out_i["mean"], got, cal.get(i), levels, i in paths, info))
        for k in keys:
            res[k][i] = out_i[k]
        joined = "+".join(n for n, _ in got)
        names[i] = joined if i in paths or not stats or joined == fname or "lstm" not in st.members \
            else joined + "-fallback"
        if members:
            memb[i] = p if p is not None else pure["mean"][i][None, :]     # no LSTM: its fallback, as in `lstm`
    lengths = np.array([len(vals[i]) for i in range(N)])
    times = future_times(panel, lengths, h)
    rows = np.repeat(keep, h)
    out = {panel.id_col: np.repeat(np.asarray(panel.ids, dtype=object), h)[rows], panel.time_col: times[rows]}
    out.update({k: res[k].ravel()[rows] for k in keys})
    if members:
        for j in range(K):
            out[f"member-{j}"] = memb[:, j, :].ravel()[rows]
    if parts:
        out.update({("lstm" if k == "mean" else f"lstm-{k}"): pure[k].ravel()[rows] for k in keys})
    out["model"] = np.repeat(names, h)[rows]
    frame = pd.DataFrame(out)
    _assert_finite(frame, "forecast")
    return frame, _note(info, levels, h)


def _lstm_bands(mean, cal, err, levels, values, h, info, sid) -> dict:
    """The LSTM's {"mean", "lo-L", "hi-L"}: conformal on its validation-fold errors where the fit has them
    (cal), else on its in-sample errors (err); records what was used in info."""
    if not levels:
        return {"mean": mean}
    if cal is None:
        if err is None or len(err) < MIN_CALIBRATION:
            info["few"].append(sid)
        info["lstm"] = (len(err) if err is not None else 0, [])
        return _with_bands(mean, err, levels, values, h)
    bands, short = conformal_bands(mean, cal["lstm"], levels)
    info["lstm"] = (count(cal["lstm"]), short)
    if h > cal["lstm"].shape[1]:
        info["past"] = cal["lstm"].shape[1]
    return {"mean": mean, **bands}


def _combined_bands(mean, got, cal, levels, lstm: bool, info) -> dict:
    """The bands of what forecasts a series: a combination's members' bounds averaged with the forecast's
    weights (already in combine's output: {} here; calibration.COMBO_BANDS "members"), or split conformal
    on its own fold errors (cal["combo"], "own-errors"); records the method and the LSTM's errors in info."""
    single = len(got) == 1
    lstm_info = info.pop("lstm", None)
    if single and lstm:
        method = "folds-lstm" if cal is not None else "in-sample"
        used = lstm_info
    elif single:
        method, used = ("fallback" if got[0][0].endswith("fallback") else "averaged"), None
    elif COMBO_BANDS == "own-errors" and cal is not None and "combo" in cal:
        bands, short = conformal_bands(mean, cal["combo"], levels)
        _record(info, "folds", (count(cal["combo"]), short))
        if len(mean) > cal["combo"].shape[1]:
            info["past"] = cal["combo"].shape[1]
        return bands
    elif lstm and cal is not None:
        method, used = "members", lstm_info      # the LSTM member's band is conformal on its fold errors
    else:
        method, used = "averaged", None
    _record(info, method, used)
    return {}


def _record(info, method, used):
    info["methods"][method] = info["methods"].get(method, 0) + 1
    if used is not None:
        n, short = used
        info["errors"].append(n)
        for lv in short:
            info["short"][lv] = info["short"].get(lv, 0) + 1


def _note(info, levels, h) -> str:
    text = describe(info, levels)
    few = info["few"]
    if levels and few:
        text += ("; " if text else "") + (
            f"{len(few)} series have fewer than {MIN_CALIBRATION} past {h}-step forecasts to calibrate their "
            f"intervals (e.g. {few[0]!r}): theirs span the largest past error (or the series' range), wider "
            "than the level says")
    return text


def _with_bands(mean, err, levels, values, h) -> dict:
    """{"mean", "lo-L", "hi-L"}: conformal bands of half-width q around mean."""
    out = {"mean": mean}
    for lv in levels:
        q = _quantile_or_widest(err, lv, values, h)
        out[f"lo-{lv}"], out[f"hi-{lv}"] = mean - q, mean + q
    return out


def _quantile_or_widest(err, level, values, h):
    """The conformal quantile; with fewer than MIN_CALIBRATION errors the largest one (what the quantile
    tends to when k > n), and with none the range of the series' finite values."""
    if err is not None and len(err) >= MIN_CALIBRATION:
        return conformal_q(err, level)
    if err is not None and len(err):
        return np.max(err, axis=0)
    v = finite_history(values)
    return np.full(h, float(np.ptp(v)) if len(v) else 0.0)


def _forecast_covariates(st: FittedState, h, new_df, futr_df):
    """The fit's covariates with future ones through the horizon; errors for a mismatch."""
    cov = st.cov
    if cov is None:
        if futr_df is not None:
            raise DataError("future covariates given (futr_df / --future), but the model was trained without "
                            "covariates; drop them or refit with futr_exog")
        return None
    if new_df is not None and not cov.builtin_only:
        raise DataError("newer observations (df=) with a model trained on covariates are not supported; refit "
                        "on the longer data")
    # built-in: computed
    lengths = None if new_df is None else [len(v) for v in extended_values(st.panel, new_df).values()]
    return with_future(cov, st.panel, futr_df, h, lengths=lengths)


def predict_frame(st: FittedState, max_rows: int | None = None):
    panel = st.panel
    L = st.spec.recipe.look_back
    vals = [np.asarray(v, np.float64) for v in panel.values]
    origins = {i: np.arange(L + int(sum(d)) - 1, len(vals[i]) - 1) for i, d in st.diffs.items()}
    origins = sample_origins(origins, max_rows)
    if st.ensemble is None:
        return pd.DataFrame({panel.id_col: [], panel.time_col: [], "y": [], "mean": [], "model": []})
    paths = st.ensemble.paths(vals, origins, 1, cov=lstm_part(st.cov, st.cov_choice))
    frames = []
    for i, p in sorted(paths.items()):
        t = origins[i] + 1
        frames.append(pd.DataFrame({panel.id_col: np.repeat(np.asarray(panel.ids[i:i + 1], dtype=object), len(t)),
                                    panel.time_col: panel.index(i)[t], "y": vals[i][t],
                                    "mean": point(st, p[:, :, 0]), "model": "lstm"}))
    return pd.concat(frames, ignore_index=True)


def sample_origins(origins: dict, max_rows: int | None) -> dict:
    """At most about max_rows of the origins: every k-th series (evenly spaced) of a panel, the newest
    max_rows of one series; all of them when they are fewer or max_rows is None."""
    total = sum(len(o) for o in origins.values())
    if not max_rows or total <= max_rows:
        return origins
    if len(origins) == 1:
        return {i: o[-int(max_rows):] for i, o in origins.items()}
    keys = sorted(origins)
    k = max(1, round(len(keys) * max_rows / total))
    return {keys[j]: origins[keys[j]] for j in np.unique(np.linspace(0, len(keys) - 1, k).round().astype(int))}


def _assert_finite(df, what: str):
    num = df.select_dtypes("number")
    bad = ~np.isfinite(num.to_numpy(np.float64))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataError(f"{what}: non-finite value in column {num.columns[c]!r} (row {r}); the model or the data "
                        "overflowed: try --transform none or a lower --learning-rate")


__all__ = ["forecast_frame", "forecast_parts", "predict_frame", "point", "conformal_q", "finite_history"]
