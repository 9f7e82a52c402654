"""Exceptions that carry a one-line, user-facing message.

The CLI prints ``str(error)`` for these and exits non-zero without a traceback;
anything else is a bug and is allowed to surface as one.
"""


class ThemeError(Exception):
    """Base class of all expected, user-facing errors."""


class InputError(ThemeError):
    """An input file (report, units or labels) cannot be read or is malformed."""

    def __init__(self, source, problem):
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")


class ModelError(ThemeError):
    """A model directory is missing, corrupt, unsafe or of an unsupported version."""

    def __init__(self, source, problem):
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")


class OutputError(ThemeError):
    """An output cannot be written, or writing it would destroy something that is not ours."""

    def __init__(self, target, problem):
        self.source = str(target)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")
