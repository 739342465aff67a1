"""Figures (PNG). Each function draws what it is given and writes one file.

    plot_tutorial_framing(series, result, "window.png")

matplotlib is imported here only, through its object API (no pyplot, no global state).
"""
from __future__ import annotations

import numpy as np


def _figure(title: str, ylabel: str):
    from matplotlib.figure import Figure  # matplotlib (~0.5 s): only when a plot is drawn
    fig = Figure(figsize=(10, 4.8))
    fig.subplots_adjust(left=0.08, right=0.98, top=0.91, bottom=0.11)  # fixed margins: a layout engine costs 40%
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.set_xlabel("time")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    return fig, ax


def plot_series(y, path, title: str = "International airline passengers", ylabel: str = "thousands of passengers"):
    """The dataset figure: y is a pd.Series with a DatetimeIndex."""
    fig, ax = _figure(title, ylabel)
    ax.plot(y.index, y.to_numpy(), color="tab:blue", label=y.name or "series")
    ax.legend()
    fig.savefig(path, dpi=110)


def plot_tutorial_framing(y, result, path, seed: int | None = None):
    """The tutorial's figure for one framing: series, train and test predictions at the months they predict."""
    k = result.median_seed if seed is None else seed
    fig, ax = _figure(f"{result.name} (look_back {result.look_back}), model {k + 1} of {len(result.test_rmse)} "
                      f"(median test RMSE): train RMSE {result.train_rmse[k]:.2f}, "
                      f"test RMSE {result.test_rmse[k]:.2f}", "thousands of passengers")
    idx = y.index
    ax.plot(idx, y.to_numpy(), color="tab:blue", label="observed")
    ax.plot(idx[result.train_months], result.train_pred[k], color="tab:green", label="train predictions")
    ax.plot(idx[result.test_months], result.test_pred[k], color="tab:red", label="test predictions")
    ax.axvline(idx[result.test_months[0]], color="grey", ls=":", lw=1)
    ax.legend()
    fig.savefig(path, dpi=110)


def _time_axis(*times):
    """x of each time array: the dates, or decimal years when one lies past matplotlib's years 1..9999."""
    t = [np.asarray(v).astype("datetime64[s]") for v in times]
    flat = np.concatenate(t) if t else np.zeros(0, "datetime64[s]")
    lo, hi = np.datetime64("0001-01-01", "s"), np.datetime64("9999-12-31", "s")
    if not flat.size or (flat.min() >= lo and flat.max() <= hi):
        return times
    year = [v.astype("datetime64[Y]") for v in t]
    return [y.astype(np.int64) + 1970 + (v - y.astype("datetime64[s]")) / np.timedelta64(31_556_952, "s")
            for v, y in zip(t, year)]


def plot_forecast(history, fc, path, title: str = "forecast", levels=()):
    """History (pd.Series) and a forecast frame (ds, mean, lo, hi and optional level bands)."""
    fig, ax = _figure(title, history.name or "value")
    hx, fx = _time_axis(history.index, fc["ds"])
    fc = fc.assign(ds=fx)
    ax.plot(hx, history.to_numpy(), color="tab:blue", label="observed")
    ax.plot(fc["ds"], fc["mean"], color="tab:red", label="forecast (ensemble mean)")
    if "lo" in fc and "hi" in fc:
        ax.fill_between(fc["ds"], fc["lo"], fc["hi"], color="tab:red", alpha=0.15, label="ensemble 10-90%")
    for lv in sorted(levels, reverse=True):
        if f"lo-{lv}" in fc:
            ax.fill_between(fc["ds"], fc[f"lo-{lv}"], fc[f"hi-{lv}"], color="tab:orange", alpha=0.15,
                            label=f"conformal {lv}%")
    ax.legend()
    fig.savefig(path, dpi=110)


def plot_backtest(y, cv, models, path, title: str = "backtest"):
    """The series and each model's forecasts per cut-off (cv: long frame with cutoff, ds and model columns)."""
    fig, ax = _figure(title, y.name or "value")
    yx, cx = _time_axis(y.index, cv["ds"])
    cv = cv.assign(ds=cx)
    ax.plot(yx, y.to_numpy(), color="black", lw=1.2, label="observed")
    colors = ["tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown", "tab:pink"]
    for m, c in zip(models, colors):
        for j, (_, part) in enumerate(cv.groupby("cutoff")):
            ax.plot(part["ds"], part[m], color=c, lw=1, alpha=0.8, label=m if j == 0 else None,
                    marker="." if len(part) == 1 else None, ls="-" if len(part) > 1 else "none")
    ax.legend(ncol=2, fontsize=8)
    fig.savefig(path, dpi=110)


