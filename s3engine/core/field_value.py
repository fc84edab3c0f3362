"""Field values: type-check and normalise one value an action or a start form was given.

Limits, so that no event grows without bound: a text at most ``MAX_TEXT`` characters, a line at
most ``MAX_LINE``, a list at most ``MAX_ITEMS`` items of at most ``MAX_LINE`` characters each, a
mapping at most ``MAX_ITEMS`` entries.

Allowed imports: standard library, ``s3engine.core.definition``, ``s3engine.errors``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from s3engine.core.definition import MAX_TEXT, Field
from s3engine.errors import InvalidField, InvalidFields
from s3engine.languages import Phrase

MAX_LINE = 2_000
MAX_ITEMS = 5_000  # a regional assembly can have a thousand participants


def _long(n: int) -> str:
    return Phrase("is {n} characters long", n=n)


def _not_number(value: object) -> str:
    return Phrase("{value} is not a number", value=repr(value))


def clean(
    f: Field,
    value: Any,
    participants: Sequence[str],
    check_patterns: Callable[[list[str], str], None],
) -> Any:
    """Return ``value`` checked and normalised for field ``f``.

    Args:
        f: The field.
        value: What was given.
        participants: Who takes part (for ``person`` and ``people`` fields).
        check_patterns: Checks pattern ids (for ``patterns`` fields).

    Raises:
        InvalidField: The value does not fit the field; the message names the field and the fix.
    """
    t = f.type
    if t in ("text", "line"):
        if not isinstance(value, str):
            raise InvalidField(f.name, f"{type(value).__name__} given", "text")
        value = value.strip()
        if t == "line" and "\n" in value:
            raise InvalidField(f.name, "must be a single line", "one line of text")
        if t == "line" and len(value) > MAX_LINE:
            raise InvalidField(f.name, _long(len(value)), Phrase("at most {n}", n=MAX_LINE))
        if len(value) > MAX_TEXT:
            raise InvalidField(f.name, _long(len(value)), Phrase("at most {n}", n=MAX_TEXT))
        if not value:
            raise InvalidField(f.name, "is empty", f.help or "some text")
        return value
    if t == "person":
        if not isinstance(value, str) or value not in participants:
            raise InvalidField(
                f.name,
                Phrase("{value} is not a participant", value=repr(value)),
                Phrase("one of {names}", names=", ".join(participants)),
            )
        return value
    if t == "people":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or any(v not in participants for v in value):
            raise InvalidField(
                f.name,
                "names someone who is not a participant",
                Phrase("names from {names}", names=", ".join(participants)),
            )
        return list(dict.fromkeys(value))
    if t == "date":
        if isinstance(value, date):
            value = value.isoformat()
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            raise InvalidField(
                f.name, Phrase("{value} is not a date", value=repr(value)), "YYYY-MM-DD"
            ) from exc
    if t == "choice":
        if value not in f.choices:
            raise InvalidField(
                f.name,
                Phrase("{value} is not one of the options", value=repr(value)),
                " | ".join(f.choices),
            )
        return value
    if t == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("yes", "true", "1", "no", "false", "0"):
            return value.lower() in ("yes", "true", "1")
        raise InvalidField(f.name, Phrase("{value} is not yes/no", value=repr(value)), "yes or no")
    if t in ("int", "number"):
        try:
            num = int(value) if t == "int" else float(value)
        except (TypeError, ValueError) as exc:
            raise InvalidField(f.name, _not_number(value), t) from exc
        if isinstance(value, bool) or num != num or num in (float("inf"), float("-inf")):
            raise InvalidField(f.name, _not_number(value), t)
        return num
    if t in ("list", "patterns"):
        if isinstance(value, str):
            value = [v.strip() for v in value.split("\n" if t == "list" else ",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidField(f.name, "must be a list of texts", "one item per line")
        if len(value) > MAX_ITEMS or any(len(v) > MAX_LINE for v in value):
            raise InvalidField(
                f.name, "is too long", f"at most {MAX_ITEMS} items of at most {MAX_LINE} characters"
            )
        if t == "patterns":
            check_patterns(value, f.name)
        return [v.strip() for v in value if v.strip()]
    if t == "mapping":
        if not isinstance(value, dict):
            raise InvalidField(f.name, "must be a mapping", "name: value pairs")
        if len(value) > MAX_ITEMS:
            raise InvalidField(f.name, "has too many entries", f"at most {MAX_ITEMS}")
        return value
    if t == "rows":
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            raise InvalidField(f.name, "must be a list of rows", "one row per entry")
        if len(value) > MAX_ITEMS:
            raise InvalidField(f.name, "has too many rows", f"at most {MAX_ITEMS}")
        rows = []
        for n, row in enumerate(value, 1):
            try:
                rows.append(
                    clean_all(
                        f.columns, row, lambda c, v: clean(c, v, participants, check_patterns)
                    )
                )
            except InvalidField as err:
                problem = f"row {n}: {err.message.rstrip('.')}"
                raise InvalidField(f.name, problem, err.expected) from None
        return rows
    raise InvalidField(f.name, f"unknown field type {t}")  # pragma: no cover


def clean_all(
    specs: Iterable[Field], given: dict[str, Any], clean_one: Callable[[Field, Any], Any]
) -> dict[str, Any]:
    """Check every given value against its field; report every wrong or missing field at once.

    Args:
        specs: The fields of the action (or of the start form).
        given: What was given, by field name.
        clean_one: Checks one value (``Process.clean_value``).

    Returns:
        The clean values (empty optional fields left out).

    Raises:
        InvalidField: One field is wrong or missing, or a field is unknown.
        InvalidFields: Several are (each one in ``errors``, named by its label).
    """
    specs = list(specs)
    known = {f.name for f in specs}
    errors: list[InvalidField] = [
        InvalidField(key, "this action has no such field", ", ".join(sorted(known)) or "no fields")
        for key in given
        if key not in known
    ]
    out: dict[str, Any] = {}
    for f in specs:
        value = given.get(f.name)
        try:
            if value is None or value == "" or value == []:
                if f.required:
                    raise InvalidField(f.name, "is required", f.help or f.type)
                continue
            out[f.name] = clean_one(f, value)
        except InvalidField as err:
            errors.append(with_label(err, f))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InvalidFields(errors)
    return out


def needed(names: Sequence[str], specs: Iterable[Field], title: str) -> InvalidField:
    """The error for fields a guard found missing (:class:`~s3engine.core.definition.Missing`).

    Args:
        names: The fields that supply what is missing.
        specs: The action's fields (for their labels).
        title: The action's title.

    Returns:
        One error per field, each named by its label (several: an ``InvalidFields``).
    """
    by_name = {f.name: f for f in specs}
    errors = [
        with_label(InvalidField(n, f"is needed for “{title}”", by_name[n].help), by_name[n])
        for n in names
        if n in by_name
    ]
    return errors[0] if len(errors) == 1 else InvalidFields(errors)


def with_label(err: InvalidField, f: Field) -> InvalidField:
    """``err`` naming field ``f`` by its label, as forms show it."""
    label = f.label or f.name.replace("_", " ").capitalize()
    if err.field == f.name and err.label != label and not isinstance(err, InvalidFields):
        return InvalidField(f.name, err.problem, err.expected, label)
    return err


# -- starting ----------------------------------------------------------------------------------
