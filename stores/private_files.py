"""Folders and files that hold conversations or secrets, readable by their owner only.

``var/`` holds the conversation database, the API token, the staff app's secret and the servers'
logs; under the usual umask (022) each of them would be readable by every local user. The folder
is kept at 0700 and the files at 0600 from the moment they exist: a SQLite database file is created
here before SQLite opens it, because SQLite gives its ``-wal`` and ``-shm`` files the database
file's mode.
"""

from __future__ import annotations

import os
from pathlib import Path

VAR = Path(__file__).resolve().parent.parent / "var"
DIR_MODE = 0o700
FILE_MODE = 0o600


def _ours(path: Path) -> bool:
    return path.stat().st_uid == os.getuid()


def private_dir(path: Path) -> Path:
    """Create ``path`` (0700) when missing; ``var/`` and the folders in it on the way to ``path``
    are set to 0700 anyway (other existing folders are left as they are)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    resolved = path.resolve()
    for folder in (resolved, *resolved.parents):
        if folder != VAR and VAR not in folder.parents:
            break
        if _ours(folder):
            folder.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty (0600) when missing, else set it to 0600 when it is ours."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        if _ours(path):
            path.chmod(FILE_MODE)
    return path


def write_private(path: Path, text: str) -> None:
    """Write a new file that nobody but its owner may ever read, not even for a moment."""
    private_dir(Path(path).parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def private_sqlite(database: Path) -> None:
    """The database file (created now when missing) and any ``-wal``/``-shm`` beside it: 0600."""
    database = Path(database).expanduser()
    private_dir(database.parent)
    private_file(database)
    for suffix in ("-wal", "-shm", "-journal"):
        companion = database.with_name(database.name + suffix)
        if companion.exists():
            private_file(companion)
