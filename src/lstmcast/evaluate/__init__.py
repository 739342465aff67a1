"""Honest evaluation: rolling-origin backtests beside baselines, and the metrics."""
from . import metrics
from .backtest import BASELINES, MODELS, backtest, cutoffs, score

__all__ = ["BASELINES", "MODELS", "backtest", "cutoffs", "metrics", "score"]
