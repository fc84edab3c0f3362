"""The "check for possible objections -> test one -> resolve it -> check again" loop.

Consent Decision-Making (steps 5-7), Resolve Objections (steps 3-5) and Role Selection (steps 7-8)
share this loop, so it lives here once as a mixin. The check is a hidden simultaneous round: while
it is open the journal holds only each participant's commitment (the signal itself is sealed, see
:mod:`s3engine.core.sealed`); it is revealed — every signal journaled and checked against its
commitment — by s3flow itself as soon as everyone present has signalled. Silence is never consent:
the facilitator marks people who are not here as absent, and nobody else's signal is assumed.

The loop's children are the objection test and Resolve Objections. Resolve Objections is itself
built on this loop (objections to an amendment), so this module cannot import it: every process
using the loop names it in :meth:`ObjectionCheckMixin.resolution_type`.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.processes.objection_test``;
``s3engine.processes.resolution`` for type checking only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from s3engine.core.definition import FACILITATOR, PARTICIPANT, Action, Field
from s3engine.core.process import Process
from s3engine.processes.hidden_round import (
    SIGNALS,
    SILENT_ABSENT,
    SILENT_WAIT,
    HiddenRoundMixin,
)
from s3engine.processes.objection_test import ObjectionTest

if TYPE_CHECKING:  # pragma: no cover
    from s3engine.processes.resolution import Resolution


def check_actions(
    check: str = "check",
    choose: str = "choose",
    testing: str = "testing",
    clear: str = "celebrate",
    what: str = "the proposal",
) -> tuple[Action, ...]:
    """The actions of the check/choose steps, parametrised by step names.

    Args:
        check: The step of the hidden round.
        choose: The step in which one possible objection is chosen.
        testing: The step that waits for the objection test.
        clear: Where the round leads when nobody has a possible objection.
        what: What the round is about, for the guidance ("the proposal").

    Returns:
        The ``signal``, ``close_round`` and ``test_objection`` actions.
    """
    return (
        Action(
            "signal",
            "Give my signal",
            (check,),
            None,
            PARTICIPANT,
            (
                Field(
                    "signal",
                    "choice",
                    choices=SIGNALS,
                    help="Your own signal; nobody sees it until the round is revealed.",
                ),
            ),
            f"Ask: does anyone have a possible objection or a concern about {what}? Everyone "
            "signals at the same time; arguments are not heard yet. When in doubt, signal a "
            "possible objection.",
        ),
        Action(
            "close_round",
            "Reveal the signals",
            (check,),
            ((choose, "g_has_possible_objection"), (clear, None)),
            FACILITATOR,
            (),
            "The round is revealed by itself when everyone present has signalled; reveal it by "
            "hand only if that did not happen (e.g. after a power cut). Silence is never "
            "consent: mark people who are not here as absent.",
            guard="g_round_complete",
            confirm="Everyone will see every signal, and nobody can change theirs afterwards.",
        ),
        Action(
            "set_closing_time",
            "Keep the round open until a closing time",
            (check,),
            None,
            FACILITATOR,
            (
                Field(
                    "closes_at",
                    "line",
                    help="When the round closes, as YYYY-MM-DD HH:MM (UTC).",
                ),
                Field(
                    "when_silent",
                    "choice",
                    choices=(SILENT_ABSENT, SILENT_WAIT),
                    help="What the group agreed happens to those who have not answered by then.",
                ),
            ),
            "Between meetings, people answer from their personal links. At the closing time the "
            "round closes by the rule the group agreed: nobody's silence counts as consent.",
            guard="g_round_open",
        ),
        Action(
            "mark_absent",
            "Mark someone absent",
            (check,),
            None,
            FACILITATOR,
            (
                Field(
                    "person",
                    "person",
                    help="Who is not here for this round (recorded in the minutes).",
                ),
            ),
            "Someone who is not here and gives no signal is marked absent, so the round can be "
            "revealed without them. Nobody's silence counts as consent.",
            guard="g_can_be_absent",
        ),
        Action(
            "test_objection",
            "Test one possible objection",
            (choose,),
            testing,
            FACILITATOR,
            (
                Field("objector", "person", help="Whose possible objection is tested now."),
                Field("argument", "text", help="The argument as the objector states it."),
            ),
            "Take one possible objection at a time. Anyone whose objection may be more useful "
            "to hear first can ask to go first.",
            guard="g_objector_pending",
        ),
    )


def check_transitions(clear: str = "celebrate") -> tuple[tuple[str, tuple[str, ...], str], ...]:
    """The internal transitions of the loop (fired by the mixin, not by users).

    Args:
        clear: Where a revealed round without possible objections leads.

    Returns:
        ``(trigger, sources, dest)`` triples for :attr:`ProcessDef.internal`.
    """
    return (
        ("reveal_clear", ("check",), clear),
        ("reveal_objections", ("check",), "choose"),
        ("qualified", ("testing",), "resolving"),
        ("back_to_check", ("testing", "resolving"), "check"),
    )


class ObjectionCheckMixin(HiddenRoundMixin):
    """Shared behaviour of processes with a hidden objection round and objection children."""

    #: Step the process returns to after an objection was handled, by subject.
    return_steps: ClassVar[dict[str, str]] = {}

    def setup_check(self) -> None:
        """Initialise the data the loop needs."""
        self.rounds: list[dict[str, Any]] = []
        self.objections: list[dict[str, Any]] = []
        self.concerns: list[dict[str, Any]] = []
        self.subject = "proposal"

    # -- guards ------------------------------------------------------------------------------------

    def g_objector_pending(self, fields: dict[str, Any]) -> str | None:
        """Guard of ``test_objection``: the objector has a possible objection not yet tested."""
        pending = (self.round or {}).get("pending", [])
        if not pending:
            return "nobody has a possible objection left to test"
        who = fields.get("objector")
        if who is not None and who not in pending:
            return (
                f"{who} did not signal a possible objection in this round "
                f"(possible objections: {', '.join(pending)})"
            )
        return None

    def fields_for(self, action: Action) -> tuple[Field, ...]:
        """The fields of ``action``; the objector to test is a choice among the pending ones."""
        if action.name == "test_objection" and self.round:
            pending = tuple(self.round.get("pending", []))
            return (
                Field(
                    "objector",
                    "choice",
                    choices=pending,
                    help="Whose possible objection is tested now.",
                ),
                *action.fields[1:],
            )
        return action.fields

    def clean_value(self, f: Field, value: Any) -> Any:
        """Clean one value; an objector outside the choices is checked as a person."""
        if f.name == "objector" and f.type == "choice":
            if value not in self.participants:
                return super().clean_value(Field("objector", "person"), value)
            return value
        return super().clean_value(f, value)

    # -- children ------------------------------------------------------------------------------

    def do_test_objection(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Take one possible objection out of the pending ones and record it."""
        assert self.round is not None
        self.round["pending"].remove(data["objector"])
        self.objections.append(
            {
                "objector": data["objector"],
                "argument": data["argument"],
                "subject": self.subject,
                "round": self.round["no"],
                "verdict": None,
                "resolution": None,
                "test": None,
                "time": self.last_time,
            }
        )

    def resolution_type(self) -> type[Resolution]:
        """The process that resolves a qualified objection (Resolve Objections).

        Raises:
            NotImplementedError: The process using the loop does not name it.
        """
        raise NotImplementedError(f"{type(self).__name__} does not name its resolution process")

    def start_test(self) -> None:
        """Spawn the objection test for the latest objection."""
        obj = self.objections[-1]
        child = self.spawn(
            ObjectionTest,
            {"objector": obj["objector"], "argument": obj["argument"], "subject": self.subject},
        )
        obj["test"] = child.id

    def start_resolution(self) -> None:
        """Spawn Resolve Objections for the latest (qualified) objection."""
        obj = self.objections[-1]
        child = self.spawn(
            self.resolution_type(),
            {
                "objector": obj["objector"],
                "objection": obj["argument"],
                "subject": self.subject,
                "subject_text": self.subject_text(),
            },
        )
        obj["resolution_process"] = child.id

    def subject_text(self) -> str:
        """The text an amendment would change (proposal, requirement, amendment ...)."""
        return ""

    def child_done(self, child: Process) -> None:
        """Take in a finished objection test or resolution and move the loop on."""
        obj = self.objections[-1]
        back = self.return_steps.get(self.subject, "check")
        if isinstance(child, ObjectionTest):
            obj["verdict"] = "objection" if child.outcome == "objection" else "not an objection"
            obj["argument"] = child.data["argument"]
            obj["test_record"] = child.record()
            if child.outcome == "objection":
                self.fire("qualified")
            else:
                if child.data.get("keep_as_concern"):
                    self.concerns.append(
                        {
                            "by": obj["objector"],
                            "text": child.data.get("concern") or obj["argument"],
                            "source": "objection test",
                            "time": self.last_time,
                        }
                    )
                self.fire(f"back_to_{back}")
        elif isinstance(child, self.resolution_type()):
            obj["resolution"] = child.record()
            self.apply_amendment(child)
            self.fire(f"back_to_{back}")

    def apply_amendment(self, resolution: Resolution) -> None:
        """Integrate an agreed amendment (subclasses decide what it changes)."""

    def enter_testing(self, _event: Any) -> None:
        """Entering the testing step spawns the objection test."""
        self.start_test()

    def enter_resolving(self, _event: Any) -> None:
        """Entering the resolving step spawns Resolve Objections."""
        self.start_resolution()
