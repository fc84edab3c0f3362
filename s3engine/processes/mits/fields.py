"""The fields of a MiTS process that several actions share: the start form and the action picker.

Allowed imports: ``s3engine.core.definition``, ``s3engine.processes.mits.rules``.
"""

from __future__ import annotations

from s3engine.core.definition import Field
from s3engine.processes.mits.rules import ACTORS_FIELD, RULE_FIELDS

START_FIELDS = (
    Field("community", "line", help="The community: municipality, district or neighbourhood."),
    Field("facilitator", "line", help="Who coordinates the process and hosts the LIT."),
    ACTORS_FIELD,
    Field("tutor", "line", required=False, help="The tutor assigned to the community."),
    Field(
        "commitment",
        "text",
        required=False,
        help="What the actors commit to (for example: run the process locally for one year).",
    ),
    *RULE_FIELDS,
    Field(
        "participants",
        "list",
        required=False,
        help="Others taking part (the facilitator, tutor and representatives are added).",
    ),
    Field("title", "line", required=False, help="A title for the process."),
)

ACTION_FIELD = Field(
    "action_id",
    "line",
    help="The co-designed action.",
    label="Action",
    choices_from="cycle_actions",
)
