"""The tutorial's figures drawn in a second process, started early so that importing pandas and
matplotlib overlaps with the training in the first (on a 2-core machine the figures cost no wall time).

    w = FigureWorker.start(out)        # at the start of the command
    w.finish(results)                  # at the end: send the results, wait for the PNGs

The results travel as JSON on the worker's stdin (no pickle). If the worker cannot start or fails,
`finish` draws in this process instead, so the figures are always written.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from .. import datasets
from . import plot

_CODE = "import sys; sys.path.insert(0, sys.argv[1]); from lstmcast.report.plot_worker import serve; serve()"


def _payload(results) -> dict:
    return {"framings": [{"name": r.name, "look_back": r.look_back, "seed": r.median_seed,
                          "train_months": r.train_months.tolist(), "test_months": r.test_months.tolist(),
                          "train_pred": r.train_pred.tolist(), "test_pred": r.test_pred.tolist(),
                          "train_rmse": r.train_rmse.tolist(), "test_rmse": r.test_rmse.tolist()}
                         for r in results]}


def draw(doc: dict, out: Path) -> None:
    """Write dataset.png and <framing>.png under `out` from a payload (see `_payload`)."""
    y = datasets.airline()
    plot.plot_series(y, out / "dataset.png")
    for f in doc["framings"]:
        r = SimpleNamespace(**{k: np.asarray(v) if isinstance(v, list) else v for k, v in f.items()})
        plot.plot_tutorial_framing(y, r, out / f"{f['name']}.png", seed=f["seed"])


def serve() -> None:
    """The worker: load the libraries now, then draw what arrives on stdin."""
    import matplotlib.figure  # noqa: F401  (the slow imports, while the parent trains)

    datasets.airline()
    msg = json.loads(sys.stdin.read() or "null")
    if msg is None:   # the parent stopped early: nothing to draw
        return
    draw(msg["doc"], Path(msg["out"]))


class FigureWorker:
    def __init__(self, out: Path, proc):
        self.out, self.proc = Path(out), proc

    @classmethod
    def start(cls, out) -> "FigureWorker":
        try:
            proc = subprocess.Popen([sys.executable, "-c", _CODE, str(Path(__file__).resolve().parents[2])],
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError:
            proc = None
        return cls(out, proc)

    def finish(self, results) -> None:
        doc = _payload(results)
        if self.proc is not None:
            try:
                self.proc.communicate(json.dumps({"doc": doc, "out": str(self.out)}).encode(), timeout=120)
                if self.proc.returncode == 0:
                    return
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        draw(doc, self.out)   # the worker failed: draw here

    def cancel(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.communicate(b"null", timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
