"""Ship a pretraining run's checkpoint as the package's weights: npz (no pickle) + a JSON model card.

    python -m lstmcast.pretrain.export --run /work/pretrain-run/run1 --out src/lstmcast/weights \
        --command "..." --machine "..."

The npz holds `lstm_<k>_kernel`, `lstm_<k>_recurrent_kernel`, `lstm_<k>_bias` per layer and `dense_kernel`,
`dense_bias` (engine/model.py's Keras layout); the card (pretrained.json) the network's settings, the
generator version, steps, batch, seed, the last logged losses, the command, wall time and machine, and the
npz's sha256, which loading checks.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
from typing import Any

import jax
import numpy as np

from . import net
from .synth import VERSION
from .train import load_checkpoint, make_step


def flat_params(params) -> dict:
    out = {}
    for k, layer in enumerate(params["lstm"]):
        for name in ("kernel", "recurrent_kernel", "bias"):
            out[f"lstm_{k}_{name}"] = np.asarray(layer[name], np.float32)
    out["dense_kernel"] = np.asarray(params["dense"]["kernel"], np.float32)
    out["dense_bias"] = np.asarray(params["dense"]["bias"], np.float32)
    return out


def export(run: str, out: str, command: str, machine: str) -> dict:
    cfg_run = json.load(open(os.path.join(run, "config.json")))
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in cfg_run["net"].items()}
    cfg = net.NetConfig(**fields)
    params = net.init(jax.random.key(0), cfg)
    opt, _, _ = make_step(cfg)
    params, _, step = load_checkpoint(os.path.join(run, "ckpt.npz"), params, opt.init(params))
    rows = list(csv.DictReader(open(os.path.join(run, "loss.csv"))))
    os.makedirs(out, exist_ok=True)
    npz = os.path.join(out, "pretrained.npz")
    np.savez_compressed(npz, **flat_params(params))
    card = {"name": "lstmcast pretrained LSTM (zero-shot)", "net": cfg.to_dict(),
            "training_data": f"synthetic series only (lstmcast.pretrain.synth, generator {VERSION}); "
                             "no real series", "generator": cfg_run.get("generator", VERSION),
            "steps": step, "batch": cfg_run["batch"], "seed": cfg_run["seed"],
            "series_seen": step * cfg_run["batch"],
            "final_train_pinball": float(rows[-1]["train_loss"]), "final_heldout_pinball": float(rows[-1]["val_loss"]),
            "wall_seconds": round(sum(float(r["seconds"]) for r in rows), 1),
            "loss_curve": [[int(r["step"]), float(r["train_loss"]), float(r["val_loss"])] for r in rows],
            "command": command, "machine": machine,
            "sha256": hashlib.sha256(open(npz, "rb").read()).hexdigest()}
    with open(os.path.join(out, "pretrained.json"), "w") as f:
        json.dump(card, f, indent=1)
    return card


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m lstmcast.pretrain.export", description=__doc__.splitlines()[0])
    p.add_argument("--run", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--command", default="")
    p.add_argument("--machine", default="")
    a = p.parse_args(argv)
    card = export(a.run, a.out, a.command, a.machine)
    print(f"exported step {card['steps']} (held-out pinball {card['final_heldout_pinball']:.4f}) to {a.out}")


if __name__ == "__main__":
    main()
