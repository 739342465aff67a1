"""Where the pretrained LSTM's weights live and what their model card says, without loading JAX.

    weights_dir()          # $LSTMCAST_PRETRAINED_DIR, else the weights shipped inside the package
    card_sha256()          # the card's sha256 of pretrained.npz (models/pretrained.py checks the file against it)

A saved model records the sha256 of the weights its zero-shot member used (persist/modelfile.py), so that a
model read under other weights (a newer lstmcast, another $LSTMCAST_PRETRAINED_DIR) says that its forecasts
are no longer those of the fit.
"""
from __future__ import annotations

import json
import os

WEIGHTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "weights")


def weights_dir() -> str:
    """$LSTMCAST_PRETRAINED_DIR (other weights: pretrained.npz + pretrained.json), else the shipped ones."""
    return os.environ.get("LSTMCAST_PRETRAINED_DIR") or WEIGHTS


def card_sha256(directory: str | None = None) -> str | None:
    """The sha256 the model card in `directory` (default weights_dir()) gives its npz; None when unreadable
    (models/pretrained.py refuses such weights with a one-line error where they are used)."""
    try:
        with open(os.path.join(directory or weights_dir(), "pretrained.json")) as f:
            sha = json.load(f).get("sha256")
    except (OSError, ValueError, AttributeError):
        return None
    return sha if isinstance(sha, str) else None


def changed_note(path, fitted_sha: str | None) -> str | None:
    """The note for a model directory whose zero-shot member was fitted under other weights than today's."""
    now = card_sha256()
    if fitted_sha is None or now is None or fitted_sha == now:
        return None
    return (f"{path}: fitted with pretrained weights {fitted_sha[:12]}, this lstmcast has {now[:12]}: the "
            "pretrained member now forecasts differently from when it was fitted; refit the model to align them")
