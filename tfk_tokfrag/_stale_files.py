"""Temporary names that say which process owns them, and the sweep of dead owners'.

A write that must never leave a half-written artifact at its target (an export, a
`.keras` save) goes to a temporary file or folder beside the target and is renamed
into place when complete. A process killed mid-write (SIGKILL, power loss) cannot
clean up, so its temporary entry stays. Each such entry is named
`.{target}.{kind}-{pid}-{random}`: the next write to the same target removes the
entries whose process is gone, and leaves those of a live process (a concurrent
writer) alone.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile


def temp_prefix(target: str, kind: str = "tmp") -> str:
    """`.{basename}.{kind}-{pid}-`: the prefix of this process' temporary entries."""
    return f".{os.path.basename(os.path.abspath(target))}.{kind}-{os.getpid()}-"


def make_temp_dir(target: str, kind: str = "tmp") -> str:
    """A new empty folder beside `target`, named for this process (see module)."""
    parent = os.path.dirname(os.path.abspath(target))
    return tempfile.mkdtemp(prefix=temp_prefix(target, kind), dir=parent)


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError as error:
        return error.errno != errno.ESRCH  # EPERM: alive, another user's
    return True


def remove_stale(target: str, kinds: tuple[str, ...] = ("tmp", "old")) -> list[str]:
    """Removes the temporary entries of `target` left by processes that are gone.

    Returns the paths removed. Entries of live processes, and anything not named by
    `temp_prefix`, are left alone; an entry that cannot be removed is skipped.
    """
    parent = os.path.dirname(os.path.abspath(target))
    base = re.escape(os.path.basename(os.path.abspath(target)))
    pattern = re.compile(rf"\.{base}\.(?:{'|'.join(map(re.escape, kinds))})-(\d+)-")
    removed = []
    try:
        names = os.listdir(parent)
    except OSError:
        return removed
    for name in names:
        match = pattern.match(name)
        if match is None or _process_alive(int(match.group(1))):
            continue
        stale = os.path.join(parent, name)
        try:
            if os.path.isdir(stale) and not os.path.islink(stale):
                shutil.rmtree(stale)
            else:
                os.remove(stale)
        except OSError:
            continue
        removed.append(stale)
    return removed
