"""`lstmcast tutorial`: the Keras tutorial's five framings, many seeds, beside the baselines."""
from __future__ import annotations

import json
import time
from pathlib import Path

from .. import datasets
from ..engine.plan import check_fits, estimate
from ..errors import UsageError
from ..report.plot_worker import FigureWorker
from ..tutorial import PRESETS, run_framing, to_json, warm_framings
from .argtypes import _positive_int
from .common import Console, add_resource_flags


def cmd_tutorial(a) -> int:
    con = Console(a.quiet or a.json)
    names = a.framing or list(PRESETS)
    out = Path(a.out)
    marker = out / ".lstmcast-tutorial"
    if out.exists() and not marker.exists() and any(out.iterdir()) and not a.force:
        raise UsageError(f"{out}: folder exists and was not written by `lstmcast tutorial`; "
                         "choose another --out or pass --force")
    worker = FigureWorker.start(out)   # draws the figures in parallel; pandas/matplotlib load there
    try:
        y = datasets.airline_values()
        for name in names:   # the resource plan of the largest framing run (96 training months, batch 1)
            lb, framing, units, _ = PRESETS[name]
            check_fits(estimate(96, a.seeds, lb, 1, units, 1, 1, epochs=a.epochs, framing=framing),
                       what=f"the tutorial's {name} framing with {a.seeds} seeds x {a.epochs} epochs",
                       chunkable=False)
        mode = "faithful" if a.faithful else "default"
        con.note(f"lstmcast tutorial: {len(names)} framing(s) x {a.seeds} seeds x {a.epochs} epochs, {mode} mode "
                 f"(train months: 96, test months: 48)")
        # compile (or load) all framings' programs first, several at once; the framings' seconds are
        # then their own work (data, training, prediction), and this set-up is reported on its own
        con.note("loading or compiling the framings' programs ...")
        t0 = time.perf_counter()
        warm_framings(y, names, seeds=a.seeds, epochs=a.epochs, faithful=a.faithful, seed0=a.seed)
        setup = time.perf_counter() - t0
        results = []
        for i, name in enumerate(names, 1):
            con.note(f"[{i}/{len(names)}] {name}: training {a.seeds} models ...")
            r = run_framing(y, name, seeds=a.seeds, epochs=a.epochs, faithful=a.faithful, seed0=a.seed)
            con.note(f"[{i}/{len(names)}] {name}: {len(r.train_months)} train / {len(r.test_months)} test targets, "
                     f"test RMSE {r.test_rmse.mean():.2f} ± {r.test_rmse.std(ddof=1) if a.seeds > 1 else 0:.2f}, "
                     f"{r.seconds:.1f} s")
            results.append(r)
        out.mkdir(parents=True, exist_ok=True)
        marker.write_text("files here are written by `lstmcast tutorial` and replaced when it runs again\n")
    except BaseException:
        worker.cancel()
        raise
    worker.finish(results)
    doc = to_json(results, a.seeds, a.epochs, a.faithful)
    doc["program_seconds"] = setup
    if a.json:
        print(json.dumps(doc, indent=2))
    else:
        print(format_tutorial_table(doc))
        print(f"programs loaded or compiled before the framings ran: {setup:.2f} s (not in the sec column)")
        print(f"\nfigures: {out}/dataset.png and {out}/<framing>.png (the median seed's predictions)")
    return 0


def format_tutorial_table(doc: dict) -> str:
    def stat(s):
        return f"{s['mean']:6.2f} ± {s['std']:5.2f} [{s['min']:.1f}–{s['max']:.1f}]"
    head = (f"{'framing':<11} {'tutorial train/test':>19}   {'lstmcast train RMSE':<27} {'lstmcast test RMSE':<28} "
            f"{'persist.':>8} {'s-naive':>8} {'sec':>5}")
    lines = [f"mode: {doc['mode']}, {doc['seeds']} seeds, {doc['epochs']} epochs; RMSE in thousands of "
             "passengers, one-step predictions", head, "-" * len(head)]
    for f in doc["framings"]:
        rep = f"{f['reported']['train_rmse']:.2f} / {f['reported']['test_rmse']:.2f}"
        lines.append(f"{f['name']:<11} {rep:>19}   {stat(f['train_rmse']):<27} {stat(f['test_rmse']):<28} "
                     f"{f['persistence_test_rmse']:8.2f} {f['seasonal_naive_test_rmse']:8.2f} {f['seconds']:5.1f}")
    return "\n".join(lines)


def register(sub):
    t = sub.add_parser("tutorial", help="rerun the Keras tutorial's five framings with many seeds")
    t.add_argument("--framing", nargs="+", choices=list(PRESETS), default=None)
    t.add_argument("--seeds", type=_positive_int("--seeds"), default=10)
    t.add_argument("--epochs", type=_positive_int("--epochs"), default=100)
    t.add_argument("--seed", type=int, default=7, help="first seed (the tutorial uses 7)")
    t.add_argument("--faithful", action="store_true", help="the tutorial's leaks included, as written")
    t.add_argument("--out", default="tutorial-output", help="folder for the PNG figures")
    t.add_argument("--force", action="store_true", help="write into an --out folder that exists")
    t.add_argument("--json", action="store_true", help="print one JSON document and nothing else")
    t.add_argument("--quiet", action="store_true")
    add_resource_flags(t)
    t.set_defaults(func=cmd_tutorial)
