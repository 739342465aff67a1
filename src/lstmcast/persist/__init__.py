"""Model directories: writing, reading and checking them (config.json + weights.npz, no pickle)."""
