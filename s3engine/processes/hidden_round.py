"""The hidden simultaneous round: everyone signals at once, and nobody sees a signal before all do.

While a round is open the journal holds only each participant's commitment; the signal itself is
sealed on this computer (see :mod:`s3engine.core.sealed`). As soon as everyone present has
signalled, s3flow reveals the round by itself (:meth:`HiddenRoundMixin.follow_up`): one
``close_round`` event journals every signal with its salt, checked against the commitments.
Silence is never consent: the facilitator marks people who are not here as absent, and the round
is never revealed while someone present has not signalled. A signal the facilitator recorded for
someone without a device is marked as such (``recorded_by``), so it is known not to be private.

Journals of s3flow 0.1 carried signals in clear; they replay as before.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from s3engine.core import sealed
from s3engine.core.credential import SYSTEM, recorded_by
from s3engine.core.process import Process
from s3engine.errors import InvalidField

NO_OBJECTION = "no objection"
POSSIBLE_OBJECTION = "possible objection"
CONCERN = "concern"
SIGNALS = (NO_OBJECTION, POSSIBLE_OBJECTION, CONCERN)
SILENT_ABSENT = "no answer = absent"
SILENT_WAIT = "no answer = keep waiting"
ROUND_STEPS = ("check", "choose", "amend_check", "amend_choose", "nominee_check", "nominee_choose")


class HiddenRoundMixin(Process):
    """Rounds of sealed signals, revealed together (the data lives in ``self.rounds``)."""

    system_actions: ClassVar[tuple[str, ...]] = ("close_round",)
    rounds: list[dict[str, Any]]
    concerns: list[dict[str, Any]]

    @property
    def round(self) -> dict[str, Any] | None:
        """The current (latest) round, or None before the first."""
        return self.rounds[-1] if self.rounds else None

    def open_round(self, about: str, **values: Any) -> None:
        """Start a new hidden round of signals.

        Args:
            about: What the round is about, in English, ``{placeholders}`` filled from ``values``
                (front ends translate ``about_template`` and fill it the same way).
            values: Names and numbers for the placeholders (shown as they are).
        """
        self.rounds.append(
            {
                "no": len(self.rounds) + 1,
                "about": about.format(**values),
                "about_template": about,
                "about_values": {k: str(v) for k, v in values.items()},
                "signals": {},
                "commitments": {},
                "recorded_by": {},
                "absent": [],
                "revealed": False,
                "opened": self.last_time,
            }
        )

    def present(self) -> list[str]:
        """The participants of the current round who are not marked absent."""
        absent = (self.round or {}).get("absent", [])
        return [p for p in self.participants if p not in absent]

    def answered(self) -> list[str]:
        """Who has signalled in the current round (sealed or, in old journals, in clear)."""
        r = self.round or {}
        return [p for p in self.participants if p in r.get("commitments", {}) or p in r["signals"]]

    def validate(self, name: str, actor: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Validate an action; a signal is sealed and only its commitment is journaled.

        A ``signal`` given as ``{"commitment": ...}`` was sealed elsewhere (an imported journal)
        and is checked for form only. ``close_round`` carries the opened answers: given (imported)
        they must match the commitments, otherwise they are opened from the sealed store.
        """
        rnd = self.round
        if getattr(self.ws, "revalidating", False) and rnd is not None and not rnd["commitments"]:
            legacy = self.legacy_validate(name, actor, fields)
            if legacy is not None:
                return legacy
        if name == "signal" and set(fields) == {"commitment"} and rnd is not None:
            super().validate(name, actor, {"signal": NO_OBJECTION})
            committed = fields["commitment"]
            if not (isinstance(committed, str) and len(committed) == 64):
                raise InvalidField("commitment", "is not a commitment", "64 hexadecimal digits")
            return {"commitment": committed, "round": rnd["no"]}
        if name == "close_round" and "revealed" in fields:
            super().validate(name, actor, {})
            problem = self.reveal_problem(fields["revealed"])
            if problem:
                raise self.refuse(name, problem)
            return {"revealed": fields["revealed"]}
        clean = super().validate(name, actor, fields)
        if name == "set_closing_time":
            clean["closes_at"] = self.clean_closing_time(clean["closes_at"])
            return clean
        if name == "close_round" and actor == SYSTEM and rnd is not None:
            late = self.closing_due() or []
            return (
                {"revealed": self.open_answers(), "absent": late}
                if late
                else {"revealed": self.open_answers()}
            )
        if name == "signal" and rnd is not None:
            committed = self.ws.sealed.seal(self.id, rnd["no"], actor, clean["signal"])
            return {"commitment": committed, "round": rnd["no"]}
        if name == "close_round" and rnd is not None:
            return {"revealed": self.open_answers()}
        return clean

    def legacy_validate(
        self, name: str, actor: str, fields: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Judge an event of an s3flow 0.1 journal by the rules it was recorded under.

        0.1 journaled signals in clear and let the facilitator reveal a round early (the silent
        recorded as "no signal"). Used only when an imported journal is checked; None for
        anything else.
        """
        if name == "signal" and set(fields) == {"signal"}:
            return Process.validate(self, name, actor, fields)
        if name == "close_round" and not fields:
            if self.g_round_open({}) is not None:
                raise self.refuse(name, "there is no open round")
            action = self.definition.action_map[name]
            if actor not in (self.people_for(action.role) or ()):
                raise self.refuse(name, f"{actor} may not reveal")
            return {}
        return None

    def open_answers(self) -> dict[str, dict[str, Any]]:
        """Open every sealed answer of the current round from the sealed store.

        Raises:
            ActionNotAllowedNow: An answer is not on this computer (it was given elsewhere).
        """
        rnd = self.round
        assert rnd is not None
        opened: dict[str, dict[str, Any]] = {}
        missing = []
        for person, committed in rnd.get("commitments", {}).items():
            found = self.ws.sealed.open(self.id, rnd["no"], person, committed)
            if found is None:
                missing.append(person)
            else:
                opened[person] = found.as_dict()
        if missing:
            raise self.refuse(
                "close_round",
                f"the hidden signals of {', '.join(missing)} are not on this computer "
                "(ask them to signal again here)",
            )
        return opened

    def reveal_problem(self, revealed: Any) -> str | None:
        """Why ``revealed`` does not open exactly the round's commitments (None when it does)."""
        rnd = self.round
        if rnd is None or not isinstance(revealed, dict):
            return "there is no round to reveal"
        commitments = rnd.get("commitments", {})
        if set(revealed) != set(commitments):
            return "the revealed answers are not exactly those committed in the round"
        for person, committed in commitments.items():
            why = sealed.check(revealed[person], committed, person, self.id, rnd["no"])
            if why:
                return why
            if revealed[person]["value"] not in SIGNALS:
                return f"{revealed[person]['value']!r} is not a signal"
        return None

    def do_signal(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record a signal: its commitment while the round is hidden (in clear in old journals)."""
        assert self.round is not None
        if actor in self.round.get("absent", []):  # arrived after all
            self.round["absent"].remove(actor)
        if "commitment" in data:
            self.round.setdefault("commitments", {})[actor] = data["commitment"]
            self.round.setdefault("recorded_by", {})[actor] = recorded_by(event)
            return
        # s3flow 0.1 journaled the signal itself, and the last one revealed the round.
        self.round["signals"][actor] = data["signal"]
        if all(p in self.round["signals"] for p in self.participants):
            self.reveal()
            self.fire(
                "reveal_objections" if self.g_has_possible_objection(None) else "reveal_clear"
            )

    def do_set_closing_time(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record when the round closes and what the group agreed silence means then."""
        assert self.round is not None
        self.round["closes_at"] = data["closes_at"]
        self.round["when_silent"] = data["when_silent"]

    def clean_closing_time(self, value: str) -> str:
        """``YYYY-MM-DD HH:MM`` (UTC) as ISO 8601, later than now.

        Raises:
            InvalidField: Not such a time, or not in the future.
        """
        try:
            when = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        except ValueError as exc:
            raise InvalidField("closes_at", f"{value!r} is not a time", "YYYY-MM-DD HH:MM") from exc
        text = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        if text <= self.ws.journal.clock()[:19] + "Z":
            raise InvalidField("closes_at", "is not in the future", "a later time")
        return text

    def closing_due(self) -> list[str] | None:
        """Who is recorded absent now because the round's closing time has come (None: not yet)."""
        r = self.round
        if r is None or r["revealed"] or r.get("when_silent") != SILENT_ABSENT:
            return None
        if r.get("closes_at", "9999") > self.ws.journal.clock()[:19] + "Z":
            return None
        return [p for p in self.present() if p not in self.answered()]

    def do_mark_absent(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Record that someone is not here for this round."""
        assert self.round is not None
        self.round.setdefault("absent", []).append(data["person"])

    def do_close_round(self, actor: str, data: dict[str, Any], event: dict[str, Any]) -> None:
        """Reveal the round: every committed answer opened, absent people named as absent."""
        assert self.round is not None
        for person in data.get("absent", []):
            if person not in self.round.setdefault("absent", []):
                self.round["absent"].append(person)
        for person, opened in data.get("revealed", {}).items():
            self.round["signals"][person] = opened["value"]
        for person in self.round.get("absent", []):
            self.round["signals"][person] = "absent"
        self.reveal()
        if "revealed" in data:
            pid, no = self.id, self.round["no"]
            self.ws.after_replay(lambda: self.ws.sealed.discard(pid, no))

    def follow_up(self) -> tuple[str, dict[str, Any]] | None:
        """Reveal the round by itself once everyone present has signalled."""
        r = self.round
        if (
            r is not None
            and not r["revealed"]
            and r.get("commitments")
            and self.state in self.definition.action_map["close_round"].source
            and (self.g_round_complete({}) is None or self.closing_due())
            and self.ws.sealed.usable
        ):
            return ("close_round", {})
        return None

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
        """The round as ``viewer`` may see it: who answered until revealed, then every signal.

        Before the reveal nobody sees anyone's signal; ``viewer`` sees their own (opened from
        the sealed store on this computer).
        """
        r = self.round
        if r is None or self.state not in ROUND_STEPS:
            return None
        answered = self.answered()
        present = self.present()
        view: dict[str, Any] = {
            "no": r["no"],
            "about": r["about"],
            "about_template": r.get("about_template", r["about"]),
            "about_values": dict(r.get("about_values", {})),
            "revealed": r["revealed"],
            "signalled": sorted(answered),
            "waiting_for": [p for p in present if p not in answered],
            "absent": list(r.get("absent", [])),
            "recorded_by": {p: b for p, b in r.get("recorded_by", {}).items() if b},
            "closes_at": r.get("closes_at"),
            "when_silent": r.get("when_silent"),
            "count": len([p for p in answered if p in present]),
            "of": len(present),
        }
        if r["revealed"]:
            view["signals"] = dict(r["signals"])
            view["pending"] = list(r.get("pending", []))
        elif viewer and viewer in answered:
            view["mine"] = self.own_signal(viewer)
        return view

    def own_signal(self, person: str) -> str | None:
        """``person``'s own signal in the open round, when it can be opened on this computer."""
        r = self.round
        if r is None:
            return None
        if person in r["signals"]:
            return str(r["signals"][person])
        committed = r.get("commitments", {}).get(person)
        if committed is None or not self.ws.sealed.usable:
            return None
        try:
            found = self.ws.sealed.open(self.id, r["no"], person, committed)
        except sealed.SealedError:
            return None
        return str(found.value) if found else None

    # -- guards ------------------------------------------------------------------------------------

    def g_round_complete(self, _fields: dict[str, Any]) -> str | None:
        """Guard of ``close_round``: a round is revealed only when everyone present answered."""
        if self.round is None or self.round["revealed"]:
            return "there is no open round"
        waiting = [p for p in self.present() if p not in self.answered()]
        if waiting and self.closing_due() == waiting:
            return None  # the closing time has come: the silent are recorded absent
        if waiting:
            return (
                f"still waiting for {', '.join(waiting)} to signal (silence is never consent: "
                "mark people who are not here as absent)"
            )
        return None

    def g_round_open(self, _fields: dict[str, Any]) -> str | None:
        """Guard: a round is open (not revealed yet)."""
        if self.round is None or self.round["revealed"]:
            return "there is no open round"
        return None

    def g_can_be_absent(self, fields: dict[str, Any]) -> str | None:
        """Guard of ``mark_absent``: only someone present who has not signalled yet."""
        if self.round is None or self.round["revealed"]:
            return "there is no open round"
        who = fields.get("person")
        if who is not None and who in self.answered():
            return f"{who} has already signalled in this round"
        if who is not None and who in self.round.get("absent", []):
            return f"{who} is already marked absent"
        if who is not None and who == self.facilitator:
            return "the facilitator cannot be absent from their own round"
        return None

    def g_has_possible_objection(self, _event: Any) -> bool:
        """Branch condition: the round holds at least one possible objection."""
        r = self.round
        if r is None:
            return False
        if not r["revealed"]:  # close_round checks before the effect has revealed the round
            return any(s == POSSIBLE_OBJECTION for s in r["signals"].values())
        return bool(r.get("pending"))
