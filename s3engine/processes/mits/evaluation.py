"""Evaluation and diagnosis in a MiTS process (phase C, and again in the review, phase F).

An instrument is chosen once and embedded in the journal; every later evaluation uses it. Every
LIT member scores it: drafts are saved and resumed, then submitted (blanks allowed). Completing the
evaluation aggregates the submitted scores (drafts not submitted are left out); the first
completed evaluation is the baseline, every later one is compared with the baseline and with the
previous cycle. Ongoing projects are mapped onto the instrument's sections (continue / invest more
/ stop), which tells the weakest sections lacking action, proposed as critical areas.

Allowed imports: standard library, ``s3engine.errors``, ``s3engine.processes.mits.aggregation``,
``s3engine.processes.mits.instrument``, ``s3engine.processes.mits.record``.
"""

from __future__ import annotations

from typing import Any

from s3engine.errors import InvalidField
from s3engine.processes.mits import aggregation
from s3engine.processes.mits import instrument as instruments
from s3engine.processes.mits.record import MitsRecord


def parse_scores(value: Any) -> dict[str, Any]:
    """Read the ``scores`` field.

    Args:
        value: A mapping of item ids to scores, or a text ``item=3, item2=, item3=5`` (pairs
            separated by commas, semicolons or lines; ``:`` also works; blank means no answer).

    Returns:
        ``{item_id: score or None}``; the scores are checked against the instrument later.

    Raises:
        InvalidField: A part is not ``item=score``, or ``value`` is neither text nor mapping.
    """
    if isinstance(value, str):
        out: dict[str, Any] = {}
        for part in value.replace(";", ",").replace("\n", ",").split(","):
            if not part.strip():
                continue
            key, sep, score = part.replace(":", "=", 1).partition("=")
            if not sep:
                raise InvalidField(
                    "scores",
                    f"{part.strip()!r} is not item=score",
                    "item=score pairs separated by commas",
                )
            out[key.strip()] = score.strip() or None
        return out
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    raise InvalidField("scores", "must be a mapping", "item: score pairs")


class EvaluationMixin(MitsRecord):
    """Checks, guards and effects of choosing the instrument, scoring and mapping projects."""

    # -- checks -----------------------------------------------------------------------------------

    def check_choose_instrument(self, actor: str, d: dict[str, Any]) -> None:
        """Load the instrument and add its definition, origin and digest to the fields, in place.

        Args:
            actor: Who acts.
            d: The cleaned fields (``instrument``: an id or the path of a YAML file).

        Raises:
            InstrumentError: No such instrument, or its file is bad.
        """
        inst = instruments.find(d["instrument"], self.ws.path)
        d.update(
            instrument=inst.id, definition=inst.as_dict(), origin=inst.origin, digest=inst.digest
        )

    def _check_scores(self, name: str, actor: str, d: dict[str, Any]) -> None:
        if any(e["status"] == "complete" for e in self._visit_evaluations()):
            raise self._refuse(name, "the evaluation of this phase is complete")
        ev = self.open_evaluation()
        if ev and ev["responses"].get(actor, {}).get("submitted"):
            raise self._refuse(name, f"{actor} has already submitted scores for this evaluation")
        scores = d.get("scores") or {}
        clean: dict[str, Any] = {}
        for item, value in scores.items():
            try:
                clean[item] = self.inst.check_score(item, value)
            except ValueError as exc:
                sample = ", ".join(i.id for i in self.inst.items[:3])
                raise InvalidField(
                    "scores",
                    str(exc),
                    f"item ids of {self.inst.name} (such as {sample}) with "
                    f"whole scores from {self.inst.scale_min} to "
                    f"{self.inst.scale_max}, or blank",
                ) from None
        if scores or name == "save_scores":
            if not scores:
                raise InvalidField("scores", "no scores given", "item=score pairs")
            d["scores"] = clean

    def check_save_scores(self, actor: str, d: dict[str, Any]) -> None:
        """Check a draft's scores against the instrument (at least one is needed).

        Args:
            actor: The LIT member scoring.
            d: The cleaned fields (``scores``, ``note``); the scores are normalised in place.

        Raises:
            InvalidField: An unknown item or a score off the scale, or no scores.
            ActionNotAllowedNow: The evaluation is complete, or ``actor`` has submitted already.
        """
        self._check_scores("save_scores", actor, d)

    def check_submit_scores(self, actor: str, d: dict[str, Any]) -> None:
        """Check the last scores given with a submission (none are needed).

        Args:
            actor: The LIT member scoring.
            d: The cleaned fields (``scores``, ``note``); the scores are normalised in place.

        Raises:
            InvalidField: An unknown item or a score off the scale.
            ActionNotAllowedNow: The evaluation is complete, or ``actor`` has submitted already.
        """
        self._check_scores("submit_scores", actor, d)

    def check_map_project(self, actor: str, d: dict[str, Any]) -> None:
        """Check that the project's sections are sections of the instrument.

        Args:
            actor: Who acts.
            d: The cleaned fields (``project``, ``sections``, ``decision``, ``note``).

        Raises:
            InvalidField: A section the instrument does not have.
        """
        self._check_sections("sections", d["sections"])

    # -- guards -----------------------------------------------------------------------------------

    def g_instrument_open(self, f: dict[str, Any]) -> str | None:
        """Refuse changing the instrument once scoring started.

        Args:
            f: The action's fields (not used).

        Returns:
            Why not, or None.
        """
        if self.evaluations:
            return (
                f"the instrument is fixed once scoring started: every evaluation of this "
                f"process uses {self.inst.name}"
            )
        return None

    def g_has_instrument(self, f: dict[str, Any]) -> str | None:
        """Refuse mapping projects before the instrument is chosen.

        Args:
            f: The action's fields (not used).

        Returns:
            Why not, or None.
        """
        return (
            None
            if self.instrument
            else "choose the instrument first (“Choose the evaluation instrument”)"
        )

    def g_scoring(self, f: dict[str, Any]) -> str | None:
        """Refuse scoring without an instrument or once this phase's evaluation is complete.

        Args:
            f: The action's fields (not used).

        Returns:
            Why not, or None.
        """
        if not self.instrument:
            return "choose the instrument first (“Choose the evaluation instrument”)"
        if any(e["status"] == "complete" for e in self._visit_evaluations()):
            return "the evaluation of this phase is complete"
        return None

    def g_can_complete(self, f: dict[str, Any]) -> str | None:
        """Refuse completing an evaluation nobody has submitted scores to.

        Args:
            f: The action's fields (not used).

        Returns:
            Why not, or None.
        """
        ev = self.open_evaluation()
        if ev is None:
            return "no evaluation is under way in this phase (LIT members save scores first)"
        if not any(r["submitted"] for r in ev["responses"].values()):
            return "nobody has submitted scores yet"
        return None

    # -- effects ----------------------------------------------------------------------------------

    def do_choose_instrument(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Embed the chosen instrument's definition and record which one it is."""
        self.instrument = data["definition"]
        self._inst = None
        self.data["instrument"] = {
            "id": data["instrument"],
            "origin": data.get("origin", ""),
            "digest": data.get("digest", ""),
            "name": data["definition"]["name"],
            "version": data["definition"]["version"],
        }

    def _evaluation_for_scoring(self) -> dict[str, Any]:
        ev = self.open_evaluation()
        if ev is None:
            n = len(self.evaluations) + 1
            ev = {
                "id": f"{self.id}/e{n}",
                "number": n,
                "cycle": self.cycle,
                "phase": "diagnosis" if self.state == "evaluation" else "review",
                "visit": self._visit(),
                "instrument": self.inst.id,
                "instrument_version": self.inst.version,
                "status": "open",
                "opened": self.last_time,
                "completed": None,
                "responses": {},
                "aggregate": None,
                "baseline": False,
                "comparison": None,
                "note": "",
            }
            self.evaluations.append(ev)
        return ev

    def _save(self, actor: str, data: dict[str, Any], submit: bool) -> None:
        ev = self._evaluation_for_scoring()
        resp = ev["responses"].setdefault(
            actor, {"scores": {}, "submitted": False, "saves": 0, "notes": []}
        )
        resp["scores"].update(data.get("scores") or {})
        resp["saves"] += 1
        resp["saved"] = self.last_time
        if data.get("note"):
            resp["notes"].append(data["note"])
        if submit:
            resp["submitted"] = True
            resp["submitted_at"] = self.last_time

    def do_save_scores(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Keep the member's scores as a draft (the evaluation opens with the first scores)."""
        self._save(actor, data, submit=False)

    def do_submit_scores(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Add the last scores and submit the member's response."""
        self._save(actor, data, submit=True)

    def do_complete_evaluation(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Aggregate the submitted responses; mark the baseline or compare with it."""
        ev = self.open_evaluation()
        assert ev is not None
        submitted = {p: r["scores"] for p, r in ev["responses"].items() if r["submitted"]}
        ev["aggregate"] = aggregation.aggregate(self.inst, submitted)
        ev["not_submitted"] = sorted(p for p, r in ev["responses"].items() if not r["submitted"])
        ev["status"] = "complete"
        ev["completed"] = self.last_time
        ev["note"] = data.get("note", "")
        base = self.baseline()
        if base is ev:
            ev["baseline"] = True
            self.data["baseline"] = ev["id"]
        else:
            assert base is not None
            prev = self.previous_cycle_evaluation(ev)
            ev["comparison"] = aggregation.compare(
                self.inst, ev["aggregate"], base["aggregate"], prev["aggregate"] if prev else None
            )
            ev["compared_with"] = {"baseline": base["id"], "previous": prev["id"] if prev else None}

    def do_map_project(self, actor: str, data: dict[str, Any], event: Any) -> None:
        """Place an ongoing project on the instrument's sections, with its decision."""
        self.projects.append(
            {
                "project": data["project"],
                "sections": list(data["sections"]),
                "decision": data["decision"],
                "note": data.get("note", ""),
                "cycle": self.cycle,
                "by": actor,
                "time": self.last_time,
            }
        )
