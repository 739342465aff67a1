"""Fine-tuning a fitted model on newer data (`Forecaster.update(df)`, `lstmcast fit --init MODEL_DIR`).

    panel, init = update_inputs(state, df)           # the stored series continued by df; the network to start from
    new_state = fit_panel(state.settings, panel, init=init)

The stored series are continued by df's observations after their ends (df may hold the whole history or
only the newer rows; rows at or before a stored end are ignored, the stored values stay), checked as
`forecast(df=...)` checks them: the same frequency, each series continuing right after its end, no new
series. The fit then runs again with the model's settings: the fine-tuned pretrained LSTM
(`pretrained-ft`) starts from the model's fine-tuned weights (warm start; early stopping as in a first
fit), the statistical members refit on the longer series, and an LSTM trained on the data trains again
from its initializer (its networks are not warm-started). A model without a fine-tuned pretrained LSTM
has nothing to start from: that is an error naming the model's members.
"""
from __future__ import annotations

import dataclasses

from ..data.panel import as_panel
from ..errors import DataError
from .predicting import extended_values
from .state import FittedState

NAME = "pretrained-ft"      # the member whose weights a new fit starts from (models/pretrained_ft.py)


def update_inputs(st: FittedState, df, where: str = "the model"):
    """(the panel to fit on, the Tuned network to start from) for `st` updated with df; one-line errors."""
    chosen = st.cov is not None and st.cov.builtin_only and not st.cov.holidays and st.settings.calendar == "auto"
    if st.cov is not None and not st.cov.empty and not chosen:      # calendar="auto"'s are chosen again
        raise DataError(f"{where}: was fitted with covariates; updating it on newer data is not supported, fit "
                        "it again on the whole data")
    tuned = st.stat_fits.get(NAME) or {}
    init = next(iter(tuned.values())).tuned if tuned else None   # the network all its series share
    if init is None:
        raise DataError(f"{where}: has no fine-tuned pretrained LSTM to start from (members "
                        f"{'+'.join(st.members)}); fit it with --combination including {NAME} (e.g. "
                        f"'lstm+{NAME}+ets+arima'), or fit again without --init")
    panel = st.panel
    new = as_panel(df, id_col=panel.id_col, time_col=panel.time_col, target_col=panel.target_col, where="new data")
    if new.freq != panel.freq:
        raise DataError(f"new data: frequency {new.freq!r} differs from {where}'s {panel.freq!r}; give data of the "
                        "same frequency, or fit again without --init")
    grown = dataclasses.replace(panel, values=list(extended_values(panel, new).values()), source="new data")
    return as_panel(grown.to_frame(), id_col=panel.id_col, time_col=panel.time_col, target_col=panel.target_col,
                    freq=panel.freq, where="new data"), init
