"""Exceptions that carry a one-line, user-facing message.

The CLI prints ``str(error)`` for these and exits non-zero without a traceback;
anything else is a bug and is allowed to surface as one.
"""

import os
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def readable(text):
    """``text`` as a printable, UTF-8-encodable string.

    A file name whose bytes are not UTF-8 (a GBK name from a Windows zip) reaches Python with
    surrogate escapes; it is decoded as GB18030 when that reads, else undecodable bytes are
    shown as ``\\xNN``. Control characters (terminal escape sequences) are shown as ``\\xNN``.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Part by part: a GBK file name in a folder with a UTF-8 name keeps the folder's name.
        text = "/".join(map(_readable_part, text.split("/")))
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _readable_part(part):
    try:
        part.encode("utf-8")
        return part
    except UnicodeEncodeError:
        pass
    try:
        raw = os.fsencode(part)
    except UnicodeEncodeError:  # a lone surrogate that is no file-name byte
        return part.encode("utf-8", "backslashreplace").decode("ascii")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def short_repr(value, limit=60):
    """``repr`` of a value from a file, cut to fit a one-line message."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


class ThemeError(Exception):
    """Base class of all expected, user-facing errors."""


class InputError(ThemeError):
    """An input file (report, units or labels) cannot be read or is malformed."""

    #: Whether the input was lost (exit code 1); a notice (:class:`InputNotice`) is not.
    lost = True

    def __init__(self, source, problem):
        self.source = readable(str(source))
        self.problem = problem
        super().__init__(f"{self.source}: {readable(str(problem))}")


class InputNotice(InputError):
    """Something in the inputs was passed over without losing a report (e.g. a symlink loop)."""

    lost = False


class ModelError(ThemeError):
    """A model directory is missing, corrupt, unsafe or of an unsupported version."""

    def __init__(self, source, problem):
        self.source = readable(str(source))
        self.problem = problem
        super().__init__(f"{self.source}: {readable(str(problem))}")


class ClusterError(ThemeError):
    """A Dask cluster cannot be used (not installed, or its scheduler cannot be reached)."""

    def __init__(self, address, problem):
        self.source = readable(str(address))
        self.problem = problem
        super().__init__(f"{self.source}: {readable(str(problem))}")


class OutputError(ThemeError):
    """An output cannot be written, or writing it would destroy something that is not ours."""

    def __init__(self, target, problem):
        self.source = readable(str(target))
        self.problem = problem
        super().__init__(f"{self.source}: {readable(str(problem))}")
