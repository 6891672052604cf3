"""Column types that keep the house rules in the database: no floats, UTC inside."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, Integer
from sqlalchemy.types import TypeDecorator

QUANTITY_SCALE = 1000  # quantities carry three decimal places


class Quantity(TypeDecorator):
    """A Decimal with three places, stored exactly as an integer number of thousandths."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value) * QUANTITY_SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"quantity {value} has more than three decimal places")
        return int(scaled)

    def process_result_value(self, value, dialect):
        return None if value is None else (Decimal(value) / QUANTITY_SCALE).quantize(Decimal("0.001"))


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime; SQLite keeps no zone, so naive values are refused on the way in."""

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


def utcnow() -> datetime:
    return datetime.now(UTC)
