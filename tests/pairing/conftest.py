"""Pairing tests use the sync tests' register and reference back office."""

from __future__ import annotations

from tests.sync.conftest import bo, paired, reg

__all__ = ["bo", "paired", "reg"]
