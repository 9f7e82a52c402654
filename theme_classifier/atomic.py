"""Write outputs so that nothing is lost: files and folders are built beside their target and
swapped in by renames, never written into a folder we did not create, never over an input.

- A file is written to ``.NAME.PID.tmp`` in the same folder and ``os.replace``-d over the target.
  A symbolic link is followed (the file it points to is replaced, the link stays); a FIFO or a
  device (``/dev/null``, ``/dev/stdout``) is written through, never replaced.
- A folder (a model, word vectors, a report) is built as ``.NAME.PID.RANDOM.tmp``; the old folder,
  if any, is renamed aside and deleted only after the new one is in place. A non-empty folder
  that is not one of ours is refused, so ``-o .`` cannot empty a working directory.
- Temporary files left by a killed run (their process is gone) are removed by the next write.
"""

import contextlib
import errno
import json
import os
import secrets
import shutil
import stat
from pathlib import Path

from .errors import OutputError


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale(parent, name):
    """Remove ``.NAME.PID[.RANDOM].tmp`` files and folders whose process no longer runs."""
    prefix = f".{name}."
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        pid = entry.name[len(prefix):-4].split(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)


def _os_problem(exc):
    return exc.strerror or str(exc)


def atomic_write(path, write, mode="w"):
    """Fill file ``path`` with ``write(fh)`` atomically; returns what ``write`` returns.

    A crash or error part-way leaves any previous file intact and no partial file behind.

    Raises
    ------
    OutputError
        If ``path`` is a directory or its folder cannot be written.
    """
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()  # replace the file the link points to, keep the link
    opener = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
    try:
        info = path.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError(path, f"cannot write ({_os_problem(exc)})") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(path, "is a directory; give a file name")
    if info is not None and not stat.S_ISREG(info.st_mode):
        # A FIFO or a device: write through it, never replace it.
        with open(path, mode, **opener) as fh:
            return write(fh)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(path.parent, f"cannot create the folder ({_os_problem(exc)})") from None
    _clean_stale(path.parent, path.name)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        try:
            fh = open(tmp, mode, **opener)
        except OSError as exc:
            raise OutputError(path, f"cannot write ({_os_problem(exc)})") from None
        with fh:
            result = write(fh)
        if info is not None:
            os.chmod(tmp, stat.S_IMODE(info.st_mode))  # keep the replaced file's permissions
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return result


def has_meta(path, formats):
    """Whether folder ``path`` has a ``meta.json`` whose ``format`` is one of ``formats``."""
    try:
        meta = json.loads((Path(path) / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("format") in formats


@contextlib.contextmanager
def atomic_directory(path, ours, kind):
    """Build folder ``path`` atomically: yields a temporary folder beside it that replaces
    ``path`` when the block ends without error; on error nothing is left behind.

    Parameters
    ----------
    path : str or Path
    ours : callable
        ``ours(path)`` tells whether an existing folder is one we wrote (and may replace);
        a non-empty folder that is not is refused.
    kind : str
        What the folder is, for the error message.

    Raises
    ------
    OutputError
        If ``path`` is a file, a symbolic link, or a non-empty folder that is not ours.
    """
    path = Path(path)
    check_replaceable(path, ours, kind)
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(parent, path.name)
        tmp = parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        tmp.mkdir()
    except OSError as exc:
        raise OutputError(parent, f"cannot write ({_os_problem(exc)})") from None
    try:
        yield tmp
        tmp.chmod(0o755)  # models and vectors are meant to be shared
        _swap_in(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def check_replaceable(path, ours, kind):
    """Raise :class:`OutputError` unless folder ``path`` is absent, empty or ``ours(path)``."""
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise OutputError(path, f"exists and is not a folder; give a new or empty folder for the {kind}")
    try:
        occupied = path.is_dir() and any(path.iterdir())
    except OSError as exc:
        raise OutputError(path, f"cannot read the folder ({_os_problem(exc)})") from None
    if occupied and not ours(path):
        raise OutputError(path, f"is a folder that is not empty and not a {kind} of ours; refusing to "
                                "replace it (give a new or empty folder)")


def _exchange(a, b):
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system cannot."""
    import ctypes
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _swap_in(new, path):
    """Put folder ``new`` in place of ``path``, then delete the old folder.

    Where the system can, the two folders are exchanged in one atomic step, so a reader never
    finds ``path`` missing; elsewhere the old folder is first renamed aside. Concurrent writers
    each swap out whatever is in place, so the last one to finish wins and none fails.
    """
    if path.is_dir() and _exchange(new, path):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old folder
        return
    aside = []
    try:
        while True:
            try:
                os.rename(new, path)  # replaces an empty folder, fails on a non-empty one
                break
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
            old = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.old.tmp")
            try:
                os.rename(path, old)
            except FileNotFoundError:
                continue  # another writer moved it aside first
            aside.append(old)
    finally:
        for old in aside:
            shutil.rmtree(old, ignore_errors=True)


def refuse_input_as_output(output, inputs):
    """Raise :class:`OutputError` if file ``output`` is one of the ``inputs`` (paths)."""
    if output is None or str(output) == "-":
        return
    output = Path(output)
    if not output.exists():
        return
    for item in inputs:
        if str(item) == "-":
            continue
        with contextlib.suppress(OSError):
            if os.path.samefile(output, item):
                raise OutputError(output, "is also an input; writing it would destroy the input "
                                          "(choose another output file)")
