"""What the agent puts on an ESC/POS printer's paper: receipt copies and the test page.

Paper is printed in Russian whatever the operator's locale: it is a Russian register's receipt.
"""

from __future__ import annotations

from agent.i18n import translate

PAPER_LANGUAGE = "ru"


def paper(message: str, **params: object) -> str:
    """A message as it goes on paper."""
    return translate(message, PAPER_LANGUAGE, **params)
