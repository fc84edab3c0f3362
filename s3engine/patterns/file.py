"""Pattern files: Markdown with a YAML front matter, read into a :class:`Pattern`.

A pattern file (see ``patterns/README.md``) starts with a ``---`` line, the structured fields in
YAML and a closing ``---`` line; the rest is the Markdown body. The front matter is read with
a YAML safe loader only and checked with :mod:`s3engine.patterns.schema`; every problem is a
:class:`~s3engine.errors.PatternError` naming the file, the field and what is expected.

Allowed imports: standard library, ``yaml`` (imported lazily), ``s3engine.errors``,
``s3engine.patterns.model``, ``s3engine.patterns.schema``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from s3engine.errors import PatternError
from s3engine.patterns.model import Pattern
from s3engine.patterns.schema import make_pattern

#: Largest pattern file, in characters.
MAX_FILE = 1_000_000


def split_front_matter(text: str, source: str) -> tuple[str, str]:
    """Split a pattern file into (front matter text, body).

    Args:
        text: The whole file (a byte-order mark and Windows line ends are accepted).
        source: How errors name the file.

    Returns:
        The YAML text between the ``---`` lines and the Markdown body after them.

    Raises:
        PatternError: The text does not start with a ``---`` line or the closing line is missing.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise PatternError(
            source,
            "",
            "the file does not start with a YAML front matter",
            "a first line '---', the fields, then a line '---' before the body",
        )
    end = text.find("\n---\n", 3)
    if end == -1:
        if text.endswith("\n---"):
            end = len(text) - 4
        else:
            raise PatternError(
                source, "", "the front matter is not closed", "a line '---' after the fields"
            )
    return text[4 : end + 1], text[end + 5 :]


def load_yaml(front: str, source: str) -> dict[str, Any]:
    """Read front matter text with a YAML safe loader.

    Args:
        front: The YAML text (see :func:`split_front_matter`).
        source: How errors name the file.

    Returns:
        The fields as parsed, not yet checked.

    Raises:
        PatternError: The text is not valid YAML or not a mapping.
    """
    import yaml

    # libyaml's safe loader when PyYAML has it (ten times faster on non-ASCII text), else
    # PyYAML's own: both build only plain data.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(front, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise PatternError(
            source,
            "",
            f"the front matter is not valid YAML{where}: {exc.problem or exc}",
            "YAML like the other pattern files",
        ) from None
    except Exception as exc:
        raise PatternError(
            source,
            "",
            f"the front matter is not valid YAML: {type(exc).__name__}",
            "YAML like the other pattern files",
        ) from None
    if not isinstance(data, dict):
        raise PatternError(
            source,
            "",
            f"the front matter is {type(data).__name__}, not a mapping",
            "one 'key: value' line per field",
        )
    return data


def parse_text(text: str, source: str, stem: str | None = None, path: str | None = None) -> Pattern:
    """Parse the text of a pattern file.

    Args:
        text: The whole file.
        source: How errors name the file.
        stem: The file name without ``.md``; the id must equal it (None: no check).
        path: Recorded as ``Pattern.path``.

    Returns:
        The checked pattern.

    Raises:
        PatternError: Naming ``source``, the field and what is expected.
    """
    if not isinstance(text, str):
        raise PatternError(source, "", "the file is not text", "UTF-8 Markdown")
    if len(text) > MAX_FILE:
        raise PatternError(
            source, "", f"the file is {len(text)} characters long", f"at most {MAX_FILE}"
        )
    front, body = split_front_matter(text, source)
    data = load_yaml(front, source)
    return make_pattern(data, body, source, stem=stem, path=path)


def parse_file(path: str | Path, source: str | None = None) -> Pattern:
    """Read and parse one pattern file (the id must equal the file name without ``.md``).

    Args:
        path: The ``.md`` file.
        source: How errors name the file (default: the path).

    Returns:
        The checked pattern, with ``path`` set.

    Raises:
        PatternError: The file cannot be read, is not UTF-8 or breaks the schema.
    """
    p = Path(path)
    src = source or str(p)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise PatternError(
            src, "", f"the file cannot be read ({exc.strerror})", "a readable pattern file"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PatternError(src, "", "the file is not UTF-8 text", "UTF-8 Markdown") from None
    return parse_text(text, src, stem=p.stem, path=str(p))
