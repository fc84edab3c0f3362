"""The preparation rule of a MiTS process: which local actors must commit before it can go on.

The default rule asks for at least 3 distinct actors, one of them the local administration and at
least one civil-society organisation. A community may relax it when it starts the process (rule
``recommended``, or ``min_actors`` / ``local_administration`` / ``civil_society`` set one by one);
the relaxed rule is recorded with what was relaxed and why. This module holds the actor types, the
start fields that state the rule, how those fields fold into one recorded rule, how an actor is
read from ``NAME | TYPE | REPRESENTATIVE`` and what a list of actors lacks under a rule. Nothing
here keeps state.

Allowed imports: standard library, ``s3engine.core.definition``, ``s3engine.errors``,
``s3engine.languages``.
"""

from __future__ import annotations

from typing import Any

from s3engine.core.definition import NAME_RE, Field
from s3engine.errors import InvalidField, MitsRuleError
from s3engine.languages import Phrase

LOCAL_ADMINISTRATION = "local administration"
CIVIL_SOCIETY = "civil-society organisation"
ACTOR_TYPES = (
    LOCAL_ADMINISTRATION,
    CIVIL_SOCIETY,
    "business",
    "informal group",
    "citizen",
    "other",
)
ACTOR_ALIASES = {
    "municipality": LOCAL_ADMINISTRATION,
    "local government": LOCAL_ADMINISTRATION,
    "council": LOCAL_ADMINISTRATION,
    "local authority": LOCAL_ADMINISTRATION,
    "la": LOCAL_ADMINISTRATION,
    "civil society": CIVIL_SOCIETY,
    "civil-society organization": CIVIL_SOCIETY,
    "civil society organisation": CIVIL_SOCIETY,
    "civil society organization": CIVIL_SOCIETY,
    "cso": CIVIL_SOCIETY,
    "ngo": CIVIL_SOCIETY,
    "association": CIVIL_SOCIETY,
    "company": "business",
    "enterprise": "business",
    "informal": "informal group",
    "group": "informal group",
    "resident": "citizen",
}
LEVELS = ("required", "recommended", "optional")
RULES: dict[str, dict[str, Any]] = {
    "default": {"min_actors": 3, "local_administration": "required", "civil_society": "required"},
    "recommended": {
        "min_actors": 3,
        "local_administration": "recommended",
        "civil_society": "required",
    },
}
RULE_KEYS = ("min_actors", "local_administration", "civil_society")

ACTORS_FIELD = Field(
    "actors",
    "rows",
    help="The local actors who commit to the process: one row each, with its type and who "
    "represents it.",
    label="Local actors",
    columns=(
        Field("name", "line", label="Actor", help="The organisation, group or person."),
        Field("type", "choice", choices=ACTOR_TYPES, label="Type"),
        Field("representative", "line", required=False, label="Representative"),
    ),
)
RULE_FIELDS = (
    Field(
        "rule",
        "choice",
        required=False,
        choices=tuple(RULES),
        help="Leave empty for the MiTS rule: at least 3 local actors, among them the local "
        "administration and at least one civil-society organisation. 'recommended': the local "
        "administration is only recommended.",
        label="Preparation rule",
    ),
    Field(
        "min_actors",
        "int",
        required=False,
        help="Leave empty for 3. Fewer relaxes the rule.",
        label="Fewest local actors",
    ),
    Field(
        "local_administration",
        "choice",
        required=False,
        choices=LEVELS,
        help="Leave empty for required. Whether the local administration must take part.",
        label="Local administration",
    ),
    Field(
        "civil_society",
        "choice",
        required=False,
        choices=LEVELS,
        help="Leave empty for required. Whether a civil-society organisation must take part.",
        label="Civil-society organisation",
    ),
    Field(
        "relax_rule",
        "bool",
        required=False,
        help="Tick only if the community agreed to a rule less strict than the MiTS rule.",
        label="We agree to relax the preparation rule",
    ),
    Field(
        "rule_reason",
        "text",
        required=False,
        help="Why the community relaxed the rule.",
        label="Why the rule is relaxed",
    ),
)


def normalise_actor_type(value: str) -> str:
    """The actor type meant by ``value``, accepting common synonyms.

    Args:
        value: A type as typed by someone (``municipality``, ``NGO``, ``informal_group`` ...).

    Returns:
        One of :data:`ACTOR_TYPES`.

    Raises:
        InvalidField: ``value`` is no actor type.
    """
    key = " ".join(str(value).lower().replace("_", " ").split())
    if key in ACTOR_TYPES:
        return key
    if key in ACTOR_ALIASES:
        return ACTOR_ALIASES[key]
    raise InvalidField("type", f"{value!r} is not an actor type", " | ".join(ACTOR_TYPES))


def rule_missing(actors: list[dict[str, Any]], rule: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Check committed actors against a preparation rule.

    Args:
        actors: The committed actors (each with ``name`` and ``type``).
        rule: A recorded rule, as :func:`resolve_rule` returns it.

    Returns:
        What the actors lack of the rule's required parts, and warnings for the parts the rule
        only recommends.
    """
    missing: list[str] = []
    warnings: list[str] = []
    n = len({a["name"].casefold() for a in actors})
    if n < rule["min_actors"]:
        missing.append(
            f"at least {rule['min_actors']} distinct actors ({n} committed, "
            f"{rule['min_actors'] - n} more needed)"
        )
    for key, type_, label in (
        ("local_administration", LOCAL_ADMINISTRATION, "a local administration"),
        ("civil_society", CIVIL_SOCIETY, "a civil-society organisation"),
    ):
        if any(a["type"] == type_ for a in actors):
            continue
        if rule[key] == "required":
            missing.append(f"{label} (an actor of type '{type_}')")
        elif rule[key] == "recommended":
            warnings.append(
                f"no {label.split(' ', 1)[1]} among the actors "
                f"(recommended, not required under the {rule['name']} rule)"
            )
    return missing, warnings


def rule_error(missing: list[str], rule: dict[str, Any], doing: str) -> MitsRuleError:
    """The error for a preparation rule that would not be met.

    Args:
        missing: What is lacking, as :func:`rule_missing` lists it.
        rule: The recorded rule.
        doing: What was attempted, the start of the message ("Withdrawing Town hall").

    Returns:
        The error to raise; it says how to add the missing actors or relax the rule.
    """
    return MitsRuleError(
        f"{doing} would break the {rule['name']} preparation rule: missing "
        + "; ".join(missing)
        + ".",
        missing,
        "Add the missing actors, or, if the community agreed to a less strict rule, change the "
        "rule fields and tick 'We agree to relax the preparation rule'. Nothing was written.",
    )


def resolve_rule(data: dict[str, Any]) -> dict[str, Any]:
    """Fold the rule fields of the start data into one recorded rule.

    Args:
        data: The cleaned start data; the rule fields (:data:`RULE_FIELDS`) are removed from it.

    Returns:
        The rule: its name (``default``, ``recommended`` or ``custom`` when a field changed it),
        ``min_actors``, ``local_administration``, ``civil_society``, whether it is ``relaxed``
        compared with the default rule, the ``relaxations`` in words and the ``reason``.

    Raises:
        InvalidField: ``min_actors`` is below 1.
    """
    confirmed = bool(data.pop("relax_rule", False))
    name = data.pop("rule", None) or "default"
    rule = {"name": name, **RULES[name]}
    overrides: dict[str, Any] = {k: data.pop(k) for k in RULE_KEYS if k in data}
    reason = data.pop("rule_reason", "")
    if overrides:
        if overrides.get("min_actors", 3) < 1:
            raise InvalidField(
                "min_actors",
                f"{overrides['min_actors']} is below 1",
                "a whole number of at least 1",
            )
        changed = {k: v for k, v in overrides.items() if rule[k] != v}
        rule.update(overrides)
        if changed:
            rule["name"] = "custom"
    base = RULES["default"]
    relaxations = []
    if rule["min_actors"] < base["min_actors"]:
        relaxations.append(f"at least {rule['min_actors']} actors instead of {base['min_actors']}")
    for key, label in (
        ("local_administration", "local administration"),
        ("civil_society", "civil-society organisation"),
    ):
        if rule[key] != "required":
            relaxations.append(f"a {label} is {rule[key]}, not required")
    rule.update(relaxed=bool(relaxations), relaxations=relaxations, reason=reason)
    if relaxations and not confirmed:  # a typed number never relaxes the rule silently
        raise InvalidField(
            "relax_rule",
            "is not confirmed: " + "; ".join(relaxations),
            "tick 'We agree to relax the preparation rule', or keep the MiTS rule",
            "The relaxed rule",
        )
    return rule


def rule_sentence(rule: dict[str, Any]) -> str:
    """The preparation rule in one plain sentence.

    Args:
        rule: A recorded rule (:func:`resolve_rule`).

    Returns:
        E.g. "At least 3 local actors commit: the local administration and at least one
        civil-society organisation must be among them."
    """
    labels = {
        "local_administration": Phrase("the local administration"),
        "civil_society": Phrase("at least one civil-society organisation"),
    }
    parts: dict[str, list[str]] = {"required": [], "recommended": []}
    for key, label in labels.items():
        if rule[key] in parts:
            parts[rule[key]].append(label)

    def both(names: list[str]) -> str:
        return names[0] if len(names) == 1 else Phrase("{a} and {b}", a=names[0], b=names[1])

    n = rule["min_actors"]
    need, may = parts["required"], parts["recommended"]
    if need and may:
        out: str = Phrase(
            "At least {n} local actors commit: {required} must be among them; {recommended} "
            "should be among them.",
            n=n,
            required=both(need),
            recommended=both(may),
        )
    elif need:
        out = Phrase(
            "At least {n} local actors commit: {required} must be among them.",
            n=n,
            required=both(need),
        )
    elif may:
        out = Phrase(
            "At least {n} local actors commit: {recommended} should be among them.",
            n=n,
            recommended=both(may),
        )
    else:
        out = Phrase("At least {n} local actors commit.", n=n)
    if rule.get("relaxed"):
        relaxed = "; ".join(rule["relaxations"])
        out = (
            Phrase(
                "{rule} The community relaxed the MiTS rule ({relaxations}): {reason}.",
                rule=out,
                relaxations=relaxed,
                reason=rule["reason"],
            )
            if rule.get("reason")
            else Phrase(
                "{rule} The community relaxed the MiTS rule ({relaxations}).",
                rule=out,
                relaxations=relaxed,
            )
        )
    return out


def parse_actor(value: Any, where: str = "actors") -> dict[str, Any]:
    """Read one actor.

    Args:
        value: A mapping (name, type, representative, commitment) or a text
            ``NAME | TYPE | REPRESENTATIVE``.
        where: The field named in errors.

    Returns:
        ``{"name", "type", "representative"}`` (and ``commitment`` when given), the type
        normalised.

    Raises:
        InvalidField: The actor has no usable name or type, or unknown keys.
    """
    if isinstance(value, str):
        parts = [p.strip() for p in value.split("|")]
        if len(parts) < 2:
            raise InvalidField(
                where,
                f"{value!r} has no actor type",
                "NAME | TYPE | REPRESENTATIVE, e.g. 'Town hall | local administration | Marta'",
            )
        value = {
            "name": parts[0],
            "type": parts[1],
            "representative": parts[2] if len(parts) > 2 else "",
        }
    if not isinstance(value, dict):
        raise InvalidField(
            where,
            f"{value!r} is not an actor",
            "NAME | TYPE | REPRESENTATIVE, or a mapping with name and type",
        )
    unknown = set(value) - {"name", "type", "representative", "commitment"}
    if unknown:
        raise InvalidField(
            where, f"unknown actor keys {sorted(unknown)}", "name, type, representative, commitment"
        )
    name = str(value.get("name") or "").strip()
    if not NAME_RE.match(name):
        raise InvalidField(
            where, f"{name!r} is not a usable actor name", "a name of 1 to 80 characters"
        )
    rep = str(value.get("representative") or "").strip()
    if rep and not NAME_RE.match(rep):
        raise InvalidField(
            where,
            f"{rep!r} is not a usable name for a representative",
            "a name of 1 to 80 characters",
        )
    try:
        type_ = normalise_actor_type(str(value.get("type") or ""))
    except InvalidField as exc:
        raise InvalidField(where, f"{name}: {exc.problem}", exc.expected) from None
    out = {"name": name, "type": type_, "representative": rep}
    if value.get("commitment"):
        out["commitment"] = str(value["commitment"]).strip()
    return out


def parse_actors(value: Any) -> list[dict[str, Any]]:
    """Read the ``actors`` start field.

    Args:
        value: A list of actors (see :func:`parse_actor`) or a text with one actor a line.

    Returns:
        The actors, each read by :func:`parse_actor`.

    Raises:
        InvalidField: ``value`` is not a list of actors, or one of them is bad.
    """
    if isinstance(value, str):
        value = [v for v in value.split("\n") if v.strip()]
    if not isinstance(value, list):
        raise InvalidField(
            "actors",
            "must be a list of actors",
            "one actor a line: NAME | TYPE | REPRESENTATIVE",
        )
    return [parse_actor(v) for v in value]
