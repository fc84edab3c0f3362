"""The pattern folder: finding the pattern files and parsing only those that changed.

A pattern folder holds one sub-folder per kind (``s3/``, ``toolbox/``) with ``<id>.md`` files.
:class:`PatternFolder` stamps every file with ``(mtime_ns, size)`` and parses a file again only when
its stamp changed. Parse results are shared by every folder reader in the program (a cache keyed by
file path), and a pattern database can fill that cache from its query-side rows
(:meth:`PatternFolder.adopt`) so a new program parses only files changed since.

Allowed imports: standard library, ``s3engine.errors``, ``s3engine.patterns.model``,
``s3engine.patterns.file``, ``s3engine.patterns.row``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from s3engine.errors import PatternError
from s3engine.patterns.file import parse_file
from s3engine.patterns.model import Pattern
from s3engine.patterns.row import SCHEMA, shipped_from_row

#: ``(mtime_ns, size)`` of a file.
Stamp = tuple[int, int]
#: What reading one file gave: its stamp, and the pattern or the problem.
Parsed = tuple[Stamp, Pattern | PatternError]

#: Parsed pattern files shared by every folder reader in this program: path -> (stamp, result).
_FILE_CACHE: dict[str, Parsed] = {}


def _file_stamp(path: str) -> Stamp:
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size)


class PatternFolder:
    """The pattern files of one folder, read incrementally.

    Args:
        root: The pattern folder (holding ``s3/``, ``toolbox/`` ...).

    Attributes:
        root: The pattern folder.
        files: Path -> (stamp, pattern or problem) for every file found by the last :meth:`read`,
            in path order.
        parsed: How many files the last :meth:`read` parsed.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, Parsed] = {}
        self.parsed = 0

    def source_name(self, path: str | Path) -> str:
        """How errors name a file: relative to the folder holding ``patterns/`` when possible.

        Args:
            path: A file in (or outside) the folder.

        Returns:
            The POSIX path relative to the folder's parent, else the path as given.
        """
        p = Path(path)
        try:
            return p.relative_to(self.root.parent).as_posix()
        except ValueError:
            return str(p)

    def scan(self) -> dict[str, Stamp]:
        """Every pattern file of the folder with its stamp, in path order.

        Sub-folders and files whose names start with ``.`` (and sub-folders starting with ``_``)
        are skipped.

        Returns:
            Path -> stamp.

        Raises:
            PatternError: The folder does not exist.
        """
        if not self.root.is_dir():
            raise PatternError(
                str(self.root),
                "",
                "the pattern folder does not exist",
                "a folder with s3/ and toolbox/ holding <id>.md files",
            )
        found: dict[str, Stamp] = {}
        for sub in sorted(self.root.iterdir()):
            if not sub.is_dir() or sub.name.startswith((".", "_")):
                continue
            with os.scandir(sub) as it:
                for entry in it:
                    if entry.name.endswith(".md") and not entry.name.startswith("."):
                        st = entry.stat()
                        found[entry.path] = (st.st_mtime_ns, st.st_size)
        return dict(sorted(found.items()))

    def read(self) -> bool:
        """Parse new and changed files and forget removed ones (updates ``files`` and ``parsed``).

        A file whose stamp equals the one of its last parse, here or in the shared cache, is not
        parsed again. A file that breaks the schema gives its :class:`PatternError` as result.

        Returns:
            Whether anything changed since the last read: a file was parsed, added or removed.

        Raises:
            PatternError: The folder does not exist.
        """
        stamps = self.scan()
        parsed = 0
        files: dict[str, Parsed] = {}
        for path, stamp in stamps.items():
            old = self.files.get(path) or _FILE_CACHE.get(path)
            if old is not None and old[0] == stamp:
                files[path] = old
                continue
            try:
                result: Pattern | PatternError = parse_file(path, self.source_name(path))
            except PatternError as exc:
                result = exc
            files[path] = _FILE_CACHE[path] = (stamp, result)
            parsed += 1
        changed = parsed > 0 or files.keys() != self.files.keys()
        self.files = files
        self.parsed = parsed
        return changed

    def stamp(self, path: str) -> Stamp:
        """The stamp a file had when last read (``(0, 0)`` for a file not read)."""
        found = self.files.get(path)
        return found[0] if found is not None else (0, 0)

    def adopt(self, saved: Any) -> Pattern | None:
        """Take a query-side row as the parse of its file, when that file is unchanged.

        The row must be a shipped pattern in the current row layout (:data:`SCHEMA`), for a file
        of this folder that no reader of this program has parsed yet, and the file's stamp must
        equal the row's. The pattern is checked against the schema again.

        Args:
            saved: A row of the query-side table ``patterns`` as read from disk (anything).

        Returns:
            The pattern, now in the shared cache, or None when the row cannot be used.
        """
        try:
            if saved.get("schema") != SCHEMA or saved.get("origin") != "shipped":
                return None
            fpath = saved["path"]
            if Path(fpath).parent.parent != self.root or fpath in _FILE_CACHE:
                return None
            stamp = _file_stamp(fpath)
            if [stamp[0], stamp[1]] != saved["stamp"]:
                return None
            p = shipped_from_row(saved, self.source_name(fpath), fpath)
        except (OSError, KeyError, TypeError, AttributeError, PatternError):
            return None
        _FILE_CACHE[fpath] = (stamp, p)
        return p
