"""Models built on the engine: LSTM ensembles (local and global) and statistical baselines."""
