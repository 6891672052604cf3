"""The back office's tables, on a MetaData of their own.

Kept apart from ``SQLModel.metadata`` so the agent's migrations never see them. Plain SQLAlchemy
Core types only, so the same schema runs on SQLite and PostgreSQL. Catalog, employee and order
rows carry ``seq``: the global change sequence number of their last change (the feed cursor).
"""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime stored naive (SQLite keeps no zone); naive values are refused.

    The same rule as the agent's column type, kept here so the back office does not load the
    register's store (and its models) just to stamp times.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


state = Table(
    "bo_state",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

organization = Table(
    "bo_organization",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False),
    Column("inn", String(12), nullable=False),
)

store = Table(
    "bo_store",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("address", String(500), nullable=False),
)

sync_code = Table(
    "bo_sync_code",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
    Column("register_id", String(64)),
)

register = Table(
    "bo_register",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kkt_serial", String(64), nullable=False, unique=True),
    Column("kkt_model", String(255), nullable=False),
    Column("fn_serial", String(64), nullable=False),
    Column("inn", String(12), nullable=False),
    Column("agent_version", String(64), nullable=False),
    Column("token_hash", String(64), unique=True),
    Column("paired_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime),
    Column("heartbeat", JSON),
)

product_group = Table(
    "bo_group",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("parent_id", String(64)),
    Column("seq", BigInteger, nullable=False, index=True),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

product = Table(
    "bo_product",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("code", String(64), nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("price", BigInteger, nullable=False),
    Column("unit", String(16), nullable=False),
    Column("tax", String(16), nullable=False),
    Column("payment_object", String(32), nullable=False),
    Column("weighted", Boolean, nullable=False),
    Column("marked", Boolean, nullable=False, default=False, server_default="0"),
    Column("marking_group", String(32)),
    Column("group_id", String(64)),
    Column("barcodes", JSON, nullable=False),
    Column("seq", BigInteger, nullable=False, index=True),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

employee = Table(
    "bo_employee",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("role", String(32), nullable=False),
    Column("inn", String(12)),
    Column("pin_hash", String(255), nullable=False),
    Column("seq", BigInteger, nullable=False, index=True),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

marketplace_order = Table(
    "bo_order",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("marketplace", String(64), nullable=False),
    Column("external_id", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("buyer", JSON, nullable=False),
    Column("lines", JSON, nullable=False),
    Column("receipt_uuid", String(64)),
    Column("reason", Text),
    Column("register_id", String(64)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("seq", BigInteger, nullable=False, index=True),
)

document = Table(
    "bo_document",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), nullable=False, unique=True),
    Column("register_id", String(64), nullable=False),
    Column("type", String(32), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("duplicates", Integer, nullable=False, default=0),
)

# the order an accepted document settles, as its source knows it (a table of its own, so a database
# made before documents carried the link gains it by create_all)
document_order = Table(
    "bo_document_order",
    metadata,
    Column("uuid", String(64), primary_key=True),
    Column("source", String(32), nullable=False),
    Column("account", String(64)),
    Column("external_id", String(128), nullable=False, index=True),
)

document_issue = Table(
    "bo_document_issue",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(64), index=True),
    Column("register_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
)
