"""lstmcast's errors: each message is one line for the user; the CLI prints it and exits 2."""


class LstmcastError(ValueError):
    """Base of the errors the CLI reports as `lstmcast: error: <message>`."""


class DataError(LstmcastError):
    """Bad input: a file, a column, a value, a model directory, a parameter."""


class UsageError(LstmcastError):
    """A bad combination of command-line arguments."""
