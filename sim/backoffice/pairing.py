"""Sync codes and registers: issuing a one-time code, pairing a register with it, bearer tokens.

Codes and tokens are stored only as SHA-256 hashes. A code is good once and for ten minutes; a
register reporting another INN than the organization's is refused. Pairing the same KKT again
keeps its register id and replaces its token (the old token stops working).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import Connection

from agent import sync_code
from agent.i18n import N_
from sim.backoffice import tables as t
from sim.backoffice.clock import Clock, system_clock
from sim.backoffice.errors import ApiError

CODE_LIFETIME = timedelta(minutes=10)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_code(engine: Engine, clock: Clock = system_clock) -> str:
    """A new one-time sync code (display form ``XXXX-XXXXX``), valid for ten minutes from now."""
    code = sync_code.generate()
    now = clock()
    with engine.begin() as conn:
        conn.execute(
            insert(t.sync_code).values(code_hash=digest(code), created_at=now, expires_at=now + CODE_LIFETIME)
        )
    return sync_code.display(code)


def organization(conn: Connection) -> dict:
    org = conn.execute(select(t.organization)).mappings().first()
    shop = conn.execute(select(t.store)).mappings().first()
    return {
        "organization": {"name": org["name"], "inn": org["inn"]},
        "store": {"id": shop["id"], "name": shop["name"], "address": shop["address"]},
    }


def pair(conn: Connection, code: str, register: dict, clock: Clock = system_clock) -> dict:
    """Redeem ``code`` for ``register``; raises ApiError for unknown, used, expired or wrong-INN cases."""
    canonical = sync_code.normalize(code)
    if not sync_code.is_valid(canonical):
        raise ApiError(404, "code_unknown", N_("the sync code is unknown or was already used"))
    row = conn.execute(select(t.sync_code).where(t.sync_code.c.code_hash == digest(canonical))).first()
    if row is None or row.used_at is not None:
        raise ApiError(404, "code_unknown", N_("the sync code is unknown or was already used"))
    now = clock()
    if now >= row.expires_at:
        raise ApiError(410, "code_expired", N_("the sync code has expired; ask for a new one"))
    answer = organization(conn)
    org_inn = answer["organization"]["inn"]
    if register["inn"] != org_inn:
        raise ApiError(
            409,
            "inn_mismatch",
            N_("the register's INN {register_inn} does not match the organization's INN {organization_inn}"),
            register_inn=register["inn"],
            organization_inn=org_inn,
        )
    token = secrets.token_urlsafe(32)
    values = {
        "kkt_model": register["kkt_model"],
        "fn_serial": register["fn_serial"],
        "inn": register["inn"],
        "agent_version": register["agent_version"],
        "token_hash": digest(token),
        "paired_at": now,
        "last_seen_at": now,
    }
    existing = conn.execute(
        select(t.register.c.id).where(t.register.c.kkt_serial == register["kkt_serial"])
    ).scalar_one_or_none()
    if existing:
        register_id = existing
        conn.execute(update(t.register).where(t.register.c.id == register_id).values(**values))
    else:
        register_id = "reg-" + secrets.token_hex(8)
        conn.execute(insert(t.register).values(id=register_id, kkt_serial=register["kkt_serial"], **values))
    # The row may have been taken by a concurrent pairing with the same code: only one wins.
    claimed = conn.execute(
        update(t.sync_code)
        .where(t.sync_code.c.id == row.id, t.sync_code.c.used_at.is_(None))
        .values(used_at=now, register_id=register_id)
    )
    if claimed.rowcount != 1:
        raise ApiError(404, "code_unknown", N_("the sync code is unknown or was already used"))
    return {"register_id": register_id, "token": token, **answer}


def authenticate(conn: Connection, token: str, clock: Clock = system_clock) -> str | None:
    """The register id owning ``token`` (and note that it was seen), or None."""
    register_id = conn.execute(
        select(t.register.c.id).where(t.register.c.token_hash == digest(token))
    ).scalar_one_or_none()
    if register_id is not None:
        conn.execute(update(t.register).where(t.register.c.id == register_id).values(last_seen_at=clock()))
    return register_id
