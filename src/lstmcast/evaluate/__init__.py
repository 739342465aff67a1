"""Honest evaluation: rolling-origin backtests beside baselines, and the metrics."""
from . import metrics
from .backtest import MODELS, backtest, cutoffs, per_series_scores, summarise

__all__ = ["MODELS", "backtest", "cutoffs", "metrics", "per_series_scores", "summarise"]
