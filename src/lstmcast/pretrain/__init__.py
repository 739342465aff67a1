"""Pretraining the zero-shot LSTM on synthetic series (synth.py), its network (net.py) and loop (train.py)."""
