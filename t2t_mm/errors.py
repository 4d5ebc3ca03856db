"""Errors the command-line programs print as a one-paragraph 'error: ...' instead of a traceback."""


class UserError(Exception):
    """A mistake the user can fix; the message says what was wrong and how to fix it."""


class RegistryError(UserError, KeyError):
    """Unknown or duplicate registry name."""

    def __str__(self):  # KeyError would wrap the message in quotes
        return str(self.args[0])


class HParamsError(UserError, ValueError):
    """Unknown hparams key, wrong type, or malformed override string."""


class PluginError(UserError, ImportError):
    """A user directory or an entry-point plugin failed to import."""
