"""The "check for possible objections -> test one -> resolve it -> check again" loop.

Consent Decision-Making (steps 5-7), Resolve Objections (steps 3-5) and Role Selection (steps 7-8)
share this loop, so it lives here once as a mixin. The check is a hidden simultaneous round: every
participant's signal is journaled, but views show only how many have signalled until the round is
revealed, automatically when the last participant signals or when the facilitator closes the round.

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
from s3engine.processes.objection_test import ObjectionTest

if TYPE_CHECKING:  # pragma: no cover
    from s3engine.processes.resolution import Resolution

NO_OBJECTION = "no objection"
POSSIBLE_OBJECTION = "possible objection"
CONCERN = "concern"
SIGNALS = (NO_OBJECTION, POSSIBLE_OBJECTION, CONCERN)


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
            "Reveal the round now, even if some people have not signalled "
            "(they are recorded as giving no signal).",
            guard="g_round_open",
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


class ObjectionCheckMixin(Process):
    """Shared behaviour of processes with a hidden objection round and objection children."""

    #: Step the process returns to after an objection was handled, by subject.
    return_steps: ClassVar[dict[str, str]] = {}

    def setup_check(self) -> None:
        """Initialise the data the loop needs."""
        self.rounds: list[dict[str, Any]] = []
        self.objections: list[dict[str, Any]] = []
        self.concerns: list[dict[str, Any]] = []
        self.subject = "proposal"

    # -- the hidden round ---------------------------------------------------------------------

    @property
    def round(self) -> dict[str, Any] | None:
        """The current (latest) round, or None before the first."""
        return self.rounds[-1] if self.rounds else None

    def open_round(self, about: str) -> None:
        """Start a new hidden round of signals."""
        self.rounds.append(
            {
                "no": len(self.rounds) + 1,
                "about": about,
                "signals": {},
                "revealed": False,
                "opened": self.last_time,
            }
        )

    def do_signal(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record a signal; the last participant's signal reveals the round and moves on."""
        assert self.round is not None
        self.round["signals"][actor] = data["signal"]
        if len(self.round["signals"]) >= len(self.participants) and all(
            p in self.round["signals"] for p in self.participants
        ):
            self.reveal()
            self.fire(
                "reveal_objections" if self.g_has_possible_objection(None) else "reveal_clear"
            )

    def do_close_round(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Reveal the round before everyone has signalled."""
        self.reveal()

    def reveal(self) -> None:
        """Reveal the current round; record concerns signalled in it."""
        assert self.round is not None
        self.round["revealed"] = True
        for p in self.participants:
            self.round["signals"].setdefault(p, "no signal")
        for p, s in self.round["signals"].items():
            if s == CONCERN and not any(
                c["by"] == p and c["source"] == "signal" and c.get("round") == self.round["no"]
                for c in self.concerns
            ):
                self.concerns.append(
                    {
                        "by": p,
                        "text": "",
                        "source": "signal",
                        "round": self.round["no"],
                        "time": self.last_time,
                    }
                )
        self.round["pending"] = [
            p for p, s in self.round["signals"].items() if s == POSSIBLE_OBJECTION
        ]

    def round_view(self, viewer: str | None = None) -> dict[str, Any] | None:
        """The round as ``viewer`` may see it: counts until revealed, then every signal."""
        r = self.round
        if r is None or self.state not in (
            "check",
            "choose",
            "amend_check",
            "amend_choose",
            "nominee_check",
            "nominee_choose",
        ):
            return None
        view: dict[str, Any] = {
            "no": r["no"],
            "about": r["about"],
            "revealed": r["revealed"],
            "signalled": sorted(r["signals"]),
            "waiting_for": [p for p in self.participants if p not in r["signals"]],
            "count": len(r["signals"]),
            "of": len(self.participants),
        }
        if r["revealed"]:
            view["signals"] = dict(r["signals"])
            view["pending"] = list(r.get("pending", []))
        elif viewer and viewer in r["signals"]:
            view["mine"] = r["signals"][viewer]
        return view

    # -- guards ------------------------------------------------------------------------------------

    def g_has_possible_objection(self, _event: Any) -> bool:
        """Branch condition: the round holds at least one possible objection."""
        r = self.round
        if r is None:
            return False
        if not r["revealed"]:  # close_round checks before the effect has revealed the round
            return any(s == POSSIBLE_OBJECTION for s in r["signals"].values())
        return bool(r.get("pending"))

    def g_round_open(self, _fields: dict[str, Any]) -> str | None:
        """Guard of ``close_round``: refuse when no round is open."""
        if self.round is None or self.round["revealed"]:
            return "there is no open round"
        return None

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
