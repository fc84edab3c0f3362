"""Worker programs for the reliability tests (run as real OS processes).

python tests/workers.py append DIR COUNT TAG   append COUNT events, print each acked seq
python tests/workers.py read DIR SECONDS        keep reading new tails; print counts and errors
python tests/workers.py consent DIR             run consent decisions forever, print acked seqs
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s3engine.core.workspace import Workspace, open_journal, resolve_path


def append(folder: str, count: int, tag: str) -> None:
    ws = Workspace(folder)  # a folder or a postgresql:// URL
    for i in range(count):
        ev = ws.write(tag, "", "test.tick", {"tag": tag, "i": i, "pad": "x" * (i % 50)})
        print(ev["seq"], flush=True)


def read(folder: str, seconds: float) -> None:
    j = open_journal(resolve_path(folder))
    end = time.monotonic() + seconds
    seen = 0
    while time.monotonic() < end:
        seen += len(j.read_new())  # raises on any inconsistency
    print(seen, j.last_seq, flush=True)


def consent(folder: str) -> None:
    ws = Workspace(folder)
    people = ["Ana", "Bo", "Cy"]
    while True:
        p = ws.start(
            "consent",
            "Ana",
            title="t",
            facilitator="Ana",
            participants=people,
            driver="d",
            requirement="r",
            proposal="p",
            review_date="2030-01-01",
        )
        print(ws.journal.last_seq, flush=True)
        for action, actor, fields in [
            ("consent_driver", "Ana", {}),
            ("present_proposal", "Ana", {}),
            ("start_responses", "Ana", {}),
            ("check_objections", "Ana", {}),
            ("signal", "Ana", {"signal": "no objection"}),
            ("signal", "Bo", {"signal": "no objection"}),
            ("signal", "Cy", {"signal": "no objection"}),
            ("celebrate", "Ana", {}),
            ("record_agreement", "Ana", {}),
        ]:
            ev = p.act(action, actor, **fields)
            print(ev["seq"], flush=True)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "append":
        append(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "read":
        read(sys.argv[2], float(sys.argv[3]))
    elif cmd == "consent":
        consent(sys.argv[2])
