"""The configurations of the network (`ModelConfig`) and of its training loop (`TrainConfig`): plain frozen
dataclasses without JAX, so that recipes, settings and model files can name them before JAX loads (the
networks themselves live in model.py and train.py, which import these)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelConfig:
    n_features: int = 1        # features per time step (the tutorial's "window" framing puts look_back here)
    units: tuple[int, ...] = (4,)  # one LSTM layer per entry; all but the last return sequences
    n_outputs: int = 1         # Dense head width (1 = one-step; h = direct multi-step)
    n_head: int = 0            # the last n_head input features of the last step also feed the Dense head
                               # (future covariates of the forecast steps: a direct linear path)
    n_lead: int = 0            # of those, the last n_lead are zero before the last step (the horizon's future
                               # covariates): training skips them there (`apply`'s n_lead), an exact shortcut

    def __post_init__(self) -> None:
        object.__setattr__(self, "units", tuple(int(u) for u in self.units))


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 100              # the tutorial's value
    batch_size: int = 1            # the tutorial's value: ~9,200 Adam steps for 100 epochs
    shuffle: bool = True           # Keras fit's default; the stateful framings pass False
    stateful: bool = False         # carry LSTM state across batches within an epoch
    learning_rate: float = 1e-3    # Keras Adam default
    patience: int = 0              # >0: early stopping on validation loss, best weights restored
    steps: int = 0                 # >0: a step budget instead of `epochs`: ceil(steps / batches) passes,
                                   # each over a fresh random subset of at most `steps` batches (big panels)
    row_keys: bool = False         # shuffle keys drawn per row (fold_in of the row index): padding rows
                                   # then leave the real rows' order, and so the training, unchanged
