"""The compiled core: the Keras-layout LSTM, the jitted training loop, prediction, program cache."""
