"""After a torture run: the FN, the agent's journal and the back office hold the same documents.

Three sets are read the way a person would read them: the emulator's FN through
``kassa emulate journal``, the journal's SQLite file (read-only) and the reference back office
through ``kassa backoffice documents``. Each difference is one of:

- ``lost``: a sale or return the clients asked for (and repeated until it was done) is not on
  the FN, or a fiscalized document never reached the back office or the journal;
- ``doubled``: a request on the FN twice, an FD claimed by two rows, a document twice on the
  back office;
- ``mismatched``: the same document with another FD, fiscal sign, type or total somewhere, a
  document only on one side, a row still pending, the outbox not empty, cash moves or the
  drawer's total that do not add up.

A row the daemon marked as needing a person (``needs_check``) is ``unresolved``, provided the FN
agrees with what the row says: a cash move the register may or may not have made is either
there or not, and the drawer's total says which.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from agent.store import DATABASE_NAME
from agent.store.uri import file_uri
from bench.torture_mix import ITEM_PREFIX, Ledger

FN_TYPES = {"sale": "receipt", "return": "return", "shift_open": "shift_open", "shift_close": "shift_close"}
CASH_TYPES = ("cash_in", "cash_out")
NEEDS_PERSON = "needs_check"
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Verdict:
    docs: int = 0
    unresolved: int = 0
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.lost or self.doubled or self.mismatched)

    def problems(self) -> list[str]:
        return [
            *(f"lost: {p}" for p in self.lost),
            *(f"doubled: {p}" for p in self.doubled),
            *(f"mismatched: {p}" for p in self.mismatched),
        ]


def fn_journal(state: Path) -> list[dict]:
    return json.loads(_kassa("emulate", "journal", "--state", str(state)))


def backoffice_documents(db: Path) -> list[dict]:
    return json.loads(_kassa("backoffice", "documents", "--db", str(db)))


def _kassa(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "agent", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=True,
    )
    return result.stdout


def journal_tables(state_dir: Path) -> tuple[list[dict], list[dict], list[dict]]:
    """(fiscal_document rows, outbox rows, receipt_payment rows), read-only beside the daemon."""
    path = Path(state_dir) / DATABASE_NAME
    with contextlib.closing(sqlite3.connect(file_uri(path, "ro"), uri=True, timeout=30)) as db:
        db.row_factory = sqlite3.Row
        docs = [dict(r) for r in db.execute("SELECT * FROM fiscal_document ORDER BY id")]
        outbox = [dict(r) for r in db.execute("SELECT * FROM outbox ORDER BY id")]
        payments = [dict(r) for r in db.execute("SELECT * FROM receipt_payment ORDER BY id")]
    return docs, outbox, payments


def drawer_effect(docs: list[dict], payments: list[dict]) -> int:
    """What the fiscalized rows moved in and out of the cash drawer, in kopecks."""
    by_doc: dict[int, int] = Counter()
    for payment in payments:
        if payment["kind"] == "cash":
            by_doc[payment["document_id"]] += payment["amount"] - payment["change"]
    total = 0
    for doc in docs:
        if doc["status"] != "fiscalized":
            continue
        sign = {"sale": 1, "return": -1}.get(doc["type"])
        if sign:
            total += sign * by_doc[doc["id"]]
        elif doc["type"] == "cash_in":
            total += doc["total"]
        elif doc["type"] == "cash_out":
            total -= doc["total"]
    return total


def check(
    fn_docs: list[dict], rows: list[dict], outbox: list[dict], payments: list[dict],
    office: list[dict], drawer: int, ledger: Ledger | None = None,
) -> Verdict:  # fmt: skip
    verdict = Verdict()
    _fn_against_journal(fn_docs, rows, verdict)
    _journal_against_office(rows, outbox, office, verdict)
    _cash(fn_docs, rows, payments, drawer, verdict)
    if ledger is not None:
        _requests_on_fn(fn_docs, rows, ledger, verdict)
    verdict.docs = sum(1 for doc in fn_docs if doc.get("fd") is not None) + sum(
        1 for doc in fn_docs if doc["type"] in CASH_TYPES
    )
    return verdict


def _fn_against_journal(fn_docs: list[dict], rows: list[dict], verdict: Verdict) -> None:
    on_fn = {doc["fd"]: doc for doc in fn_docs if doc.get("fd") is not None}
    claimed: dict[int, str] = {}
    for row in rows:
        if row["status"] == "pending":
            verdict.mismatched.append(f"{row['type']} {row['uuid']} is still pending in the journal")
        if row["status"] != "fiscalized" or row["type"] not in FN_TYPES:
            continue
        doc = on_fn.get(row["fd"])
        if doc is None:
            verdict.lost.append(
                f"{row['type']} {row['uuid']}: FD {row['fd']} is in the journal, not on the FN"
            )
            continue
        if doc["type"] != FN_TYPES[row["type"]] or str(doc["fiscal_sign"]) != str(row["fiscal_sign"]):
            verdict.mismatched.append(
                f"{row['uuid']}: FD {row['fd']} is a {doc['type']} signed {doc['fiscal_sign']} on the FN, "
                f"a {row['type']} signed {row['fiscal_sign']} in the journal"
            )
        if row["type"] in ("sale", "return") and doc["total"] != row["total"]:
            verdict.mismatched.append(f"{row['uuid']}: total {row['total']}, the FN has {doc['total']}")
        if row["fd"] in claimed:
            verdict.doubled.append(f"FD {row['fd']} claimed by {claimed[row['fd']]} and {row['uuid']}")
        claimed[row["fd"]] = row["uuid"]
    for fd, doc in on_fn.items():
        if fd not in claimed:
            verdict.lost.append(f"{doc['type']} FD {fd} is on the FN, in no journal row")


def _journal_against_office(
    rows: list[dict], outbox: list[dict], office: list[dict], verdict: Verdict
) -> None:
    accepted: dict[str, dict] = {}
    for entry in office:
        if entry["status"] != "accepted":
            verdict.mismatched.append(f"back office: {entry['uuid']} {entry['status']}: {entry['message']}")
            continue
        if entry["uuid"] in accepted:
            verdict.doubled.append(f"back office holds {entry['uuid']} twice")
        accepted[entry["uuid"]] = entry["document"]
    fiscalized = {row["uuid"]: row for row in rows if row["status"] == "fiscalized"}
    for uuid, row in fiscalized.items():
        sent = accepted.get(uuid)
        if sent is None:
            verdict.lost.append(f"{row['type']} {uuid} (FD {row['fd']}) never reached the back office")
            continue
        for key in ("type", "fd", "fiscal_sign", "total", "fn_serial"):
            if str(sent.get(key)) != str(row[key]):
                verdict.mismatched.append(
                    f"{uuid}: {key} {row[key]} in the journal, {sent.get(key)} on the back office"
                )
    for uuid in accepted.keys() - fiscalized.keys():
        verdict.mismatched.append(f"{uuid} is on the back office but not fiscalized in the journal")
    waiting = [item for item in outbox if item["status"] == "pending"]
    if waiting:
        verdict.mismatched.append(f"{len(waiting)} documents still in the outbox with the network back")


def _cash(fn_docs: list[dict], rows: list[dict], payments: list[dict], drawer: int, verdict: Verdict) -> None:
    """Cash moves have no FD: the FN's sequence of them against the journal's, then the drawer's total.

    The journal's rows (fiscalized, or needing a person) in order must line up with the FN's
    moves: each fiscalized row matched, each ``needs_check`` row matched or skipped.
    """
    on_fn = [(doc["type"], doc["total"]) for doc in fn_docs if doc["type"] in CASH_TYPES]
    ours = sorted(
        (
            row
            for row in rows
            if row["type"] in CASH_TYPES
            and (row["status"] == "fiscalized" or row["error_code"] == NEEDS_PERSON)
        ),
        key=lambda row: (row["created_at"], row["id"]),  # a repeated uuid keeps its row, not its place
    )
    made_unresolved = 0
    position = 0
    for row in ours:
        here = position < len(on_fn) and on_fn[position] == (row["type"], row["total"])
        if row["status"] == "fiscalized":
            if not here:
                verdict.mismatched.append(
                    f"{row['type']} {row['uuid']} of {row['total']} is not the FN's next cash move "
                    f"({on_fn[position] if position < len(on_fn) else 'none left'})"
                )
                return
            position += 1
            continue
        verdict.unresolved += 1
        if here:
            position += 1
            made_unresolved += row["total"] if row["type"] == "cash_in" else -row["total"]
    if position != len(on_fn):
        verdict.doubled.append(
            f"{len(on_fn) - position} cash moves on the FN that no journal row accounts for"
        )
    expected = drawer_effect(rows, payments) + made_unresolved
    if expected != drawer:
        verdict.mismatched.append(f"the drawer holds {drawer} on the register, the journal says {expected}")


def _requests_on_fn(fn_docs: list[dict], rows: list[dict], ledger: Ledger, verdict: Verdict) -> None:
    """Every sale (and return) the clients asked for, on the FN exactly once (uuid in the item name)."""
    receipts: Counter = Counter()
    returns: Counter = Counter()
    for doc in fn_docs:
        for item in doc.get("items") or []:
            name = str(item.get("name", ""))
            if name.startswith(ITEM_PREFIX):
                (receipts if doc["type"] == "receipt" else returns)[name[len(ITEM_PREFIX) :]] += 1
    state = {row["uuid"]: row for row in rows}
    for op in ledger.of("sale"):
        count = receipts[op.uuid]
        if count == 0 and op.outcome == "ok":
            verdict.lost.append(f"sale {op.uuid} answered ok, not on the FN")
        elif count == 0 and op.outcome != "ok" and op.uuid not in state:
            verdict.lost.append(f"sale {op.uuid} ({op.error}) never made it, even when repeated")
        elif count > 1:
            verdict.doubled.append(f"sale {op.uuid} is on the FN {count} times")
    done_returns = Counter(op.sale_uuid for op in ledger.of("return") if op.outcome == "ok")
    for sale_uuid, count in returns.items():
        if count > 1:
            verdict.doubled.append(f"sale {sale_uuid} returned {count} times on the FN")
        if count and not done_returns[sale_uuid]:
            verdict.mismatched.append(f"sale {sale_uuid} returned on the FN, no return answered ok")
    for sale_uuid in done_returns:
        if not returns[sale_uuid]:
            verdict.lost.append(f"the return of sale {sale_uuid} answered ok, not on the FN")
