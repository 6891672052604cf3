"""Write a new migration for the current models (developers): ``python -m agent.store.new_migration``."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from alembic import command

from agent.store import Store
from agent.store.migrate import alembic_config, head_revision, upgrade


def autogenerate(message: str, rev_id: str) -> None:
    """Write a new revision holding the difference between the models and the schema at head."""
    with tempfile.TemporaryDirectory() as scratch:
        store = Store(Path(scratch) / "scratch.db")
        if head_revision() is not None:
            upgrade(store)
        command.revision(alembic_config(store), message=message, autogenerate=True, rev_id=rev_id)
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a migration for the current models (developers).")
    parser.add_argument("message")
    parser.add_argument("--rev-id", required=True, help="e.g. 0002")
    args = parser.parse_args()
    autogenerate(args.message, args.rev_id)


if __name__ == "__main__":
    main()
