"""Phase gates of a MiTS process: what each phase still lacks, signing, going back, the decision.

The tutor signs the gate of a phase once nothing is missing (:meth:`GateMixin.gate_missing`);
phases are never skipped. Going back to an earlier phase is allowed with a recorded reason, and an
evaluation left open is then kept as abandoned. In the review the LIT decides between the next
cycle (back to the evaluation with the cycle number + 1) and closing; that decision tells where
the review's gate leads.

Allowed imports: standard library, ``s3engine.languages``, ``s3engine.processes.mits.definition``,
``s3engine.processes.mits.record``, ``s3engine.processes.mits.rules``.
"""

from __future__ import annotations

from typing import Any

from s3engine.languages import Phrase
from s3engine.processes.mits.definition import NEXT, PHASES
from s3engine.processes.mits.record import MitsRecord
from s3engine.processes.mits.rules import rule_missing, rule_sentence


class GateMixin(MitsRecord):
    """Checks, guards and effects of moving between phases (actions sign_gate, go_back, decide)."""

    # -- what is missing --------------------------------------------------------------------------

    def gate_missing(self) -> list[str]:
        """What the current phase still lacks before the tutor can sign its gate.

        Returns:
            The unticked sentences of :meth:`gate_checklist`; empty when the gate can be signed.
        """
        return [item["text"] for item in self.gate_checklist() if not item["done"]]

    def gate_checklist(self) -> list[dict[str, Any]]:
        """What the tutor checks before signing the current phase's gate, in plain sentences.

        Returns:
            ``{"text", "done"}`` items, each saying what is needed and which button provides it.
        """
        s = self.state
        out: list[tuple[str, bool]] = []
        if s == "preparation":
            out.append(
                (Phrase("A tutor is assigned (“Assign the tutor”)."), bool(self.data.get("tutor")))
            )
            missing, _ = rule_missing(self.active_actors(), self.data["rule"])
            if missing:
                out += [
                    (
                        Phrase("Still needed: {what} (“Record an actor's commitment”).", what=m),
                        False,
                    )
                    for m in missing
                ]
            else:
                out.append((rule_sentence(self.data["rule"]), True))
        elif s == "lit":
            out.append(
                (
                    Phrase("The Local Implementation Team has members (“Add a LIT member”)."),
                    bool(self.lit),
                )
            )
            represented = {m["actor"] for m in self.lit}
            lacking = [a["name"] for a in self.active_actors() if a["name"] not in represented]
            out.append(
                (
                    Phrase(
                        "Every local actor has someone in the LIT (nobody yet for {names}).",
                        names=", ".join(lacking),
                    )
                    if lacking
                    else Phrase("Every local actor has someone in the LIT."),
                    not lacking,
                )
            )
            gov = self.governance
            row = self.ws.projection.get("agreements", gov["agreement"]) if gov else None
            title = f" “{row.get('title')}”" if row and row.get("title") else ""
            if gov is not None and (row or {}).get("status") != "active":
                text = Phrase(
                    "The LIT's governance agreement{title} is no longer active: agree a new one.",
                    title=title,
                )
            else:
                text = Phrase(
                    "The LIT's governance is agreed{title}: a consent decision for this cycle "
                    "(its “MiTS cycle” field), linked here with “Link an agreement to the cycle”, "
                    "for “LIT governance”.",
                    title=title,
                )
            out.append((text, gov is not None and (row or {}).get("status") == "active"))
        elif s == "evaluation":
            out.append(
                (
                    Phrase(
                        "The evaluation instrument is chosen (“Choose the evaluation instrument”)."
                    ),
                    self.instrument is not None,
                )
            )
            out.append(
                (
                    Phrase(
                        "The first evaluation, the baseline, is completed: every LIT member "
                        "scores, then “Complete the evaluation”."
                    ),
                    self.baseline() is not None,
                )
            )
            if self.open_evaluation() is not None and self.baseline() is not None:
                out.append((Phrase("The evaluation started in this phase is completed."), False))
        elif s == "co_design":
            out.append(
                (
                    Phrase("A critical area is chosen (“Choose a critical area”)."),
                    bool(self.critical_areas()),
                )
            )
            out.append(
                (
                    Phrase(
                        "An action is designed (“Design an action”) and adopted by a consent "
                        "decision for this cycle, linked with “Link an agreement to the cycle”."
                    ),
                    any(a["cycle"] == self.cycle and a["agreement"] for a in self.actions),
                )
            )
        elif s == "co_implementation":
            mine = [a for a in self.actions if a["cycle"] == self.cycle and a["agreement"]]
            no_owner = [a["title"] for a in mine if not a["owner"]]
            out.append(
                (
                    Phrase(
                        "Every adopted action has an owning role (“Assign the owning role”): "
                        "not yet {names}.",
                        names=", ".join(no_owner),
                    )
                    if no_owner
                    else Phrase(
                        "Every adopted action has an owning role (“Assign the owning role”)."
                    ),
                    not no_owner,
                )
            )
            silent = [a["title"] for a in mine if not a["reports"]]
            out.append(
                (
                    Phrase(
                        "Every adopted action has reported progress (“Report progress”): "
                        "not yet {names}.",
                        names=", ".join(silent),
                    )
                    if silent
                    else Phrase("Every adopted action has reported progress (“Report progress”)."),
                    not silent,
                )
            )
        elif s == "review":
            out.append(
                (
                    Phrase(
                        "The review evaluation with the same instrument is completed "
                        "(“Complete the evaluation”)."
                    ),
                    self._review_evaluated(),
                )
            )
            if self.open_evaluation() is not None and self._review_evaluated():
                out.append((Phrase("The evaluation started in this phase is completed."), False))
            out.append(
                (
                    "The LIT decided: the next cycle or closing (“Record the LIT's decision”).",
                    self.decision() is not None,
                )
            )
        return [{"text": text, "done": done} for text, done in out]

    def _review_evaluated(self) -> bool:
        return any(
            e["status"] == "complete" and e["phase"] == "review" and e["cycle"] == self.cycle
            for e in self.evaluations
        )

    def next_phase(self) -> str:
        """The phase the gate of the current one leads to (``closed`` after a decision to close)."""
        if self.state == "review":
            dec = self.decision()
            return "closed" if dec and dec["decision"] == "close" else "evaluation"
        return NEXT[self.state]

    def decision(self, cycle: int | None = None) -> dict[str, Any] | None:
        """The LIT's latest decision in a cycle (default: the current one), or None."""
        c = self.cycle if cycle is None else cycle
        found = [d for d in self.decisions if d["cycle"] == c]
        return found[-1] if found else None

    # -- guards -----------------------------------------------------------------------------------

    def g_gate(self, f: dict[str, Any]) -> str | None:
        """Refuse the gate while the phase lacks something, or when ``to`` would skip a phase.

        Args:
            f: The action's fields (``to`` optional).

        Returns:
            Why the gate cannot be signed now, or None.
        """
        missing = self.gate_missing()
        if missing:
            listed = missing[0]
            for more in missing[1:]:  # each item stays a phrase, so that it is translated
                listed = Phrase("{a}; {b}", a=listed, b=more)
            return Phrase("the phase is not done yet; missing: {missing}", missing=listed)
        to = f.get("to")
        if to and to != self.next_phase():
            return (
                f"phases are not skipped: after {self.step.title} comes "
                f"{self.definition.step_map[self.next_phase()].title}"
            )
        return None

    def g_go_back(self, f: dict[str, Any]) -> str | None:
        """Refuse going back to a phase that is not earlier than the current one.

        Args:
            f: The action's fields (``phase``).

        Returns:
            Why not, or None.
        """
        phase = f.get("phase")
        if phase and PHASES.index(phase) >= PHASES.index(self.state):
            return f"'{phase}' is not earlier than {self.step.title}"
        return None

    def g_can_decide(self, f: dict[str, Any]) -> str | None:
        """Refuse the LIT's decision before the review evaluation is complete.

        Args:
            f: The action's fields (not used).

        Returns:
            Why not, or None.
        """
        if not self._review_evaluated():
            return "complete the review evaluation first"
        return None

    # -- effects ----------------------------------------------------------------------------------

    def _enter(self, via: str, reason: str = "") -> None:
        self.phase_log.append(
            {
                "phase": self.state,
                "cycle": self.cycle,
                "entered": self.last_time,
                "via": via,
                "by": self.last_actor,
                **({"reason": reason} if reason else {}),
            }
        )

    def do_sign_gate(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Record the signed gate and enter the next phase (or the next cycle, or close)."""
        frm = self.state
        to = self.next_phase()
        gate = {
            "from": frm,
            "to": to,
            "cycle": self.cycle,
            "signed_by": actor,
            "note": data.get("note", ""),
            "time": self.last_time,
        }
        if frm == "evaluation":
            gate["proposed_critical_areas"] = self.proposed_critical_areas()
        self.gates.append(gate)
        if frm == "review":
            if to == "closed":
                self.fire("close")
                self._enter("gate")
                return
            self.data["cycle"] = self.cycle + 1
            self.fire("next_cycle")
        else:
            self.fire(f"advance_{frm}")
        self._enter("gate")

    def do_go_back(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Go back to an earlier phase with the reason; an open evaluation is kept as abandoned."""
        ev = self.open_evaluation()
        if ev is not None:  # drafts of an evaluation left unfinished stay in the record
            ev.update(status="abandoned", note=f"left unfinished: {data['reason']}")
        self.fire(f"back_to_{data['phase']}")
        self._enter("back", data["reason"])

    def do_decide(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Record the LIT's decision for the current cycle: next cycle or close."""
        self.decisions.append(
            {
                "cycle": self.cycle,
                "decision": data["decision"],
                "reason": data["reason"],
                "agreement": data.get("agreement"),
                "by": actor,
                "time": self.last_time,
            }
        )

    def enter_closed(self, _e: Any) -> None:
        """Finish the process with the outcome ``closed``."""
        self.finish("closed")
