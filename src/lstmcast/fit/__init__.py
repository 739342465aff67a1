"""The orchestration of a fit: settings, series selection, scope, differencing, weights, backtests."""
