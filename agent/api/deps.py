"""What a router needs from the request: the daemon's context and the client's language.

The dependencies are ``async def`` although they never wait: FastAPI runs a plain ``def``
dependency in its worker thread, a hop there and back on every request for an attribute lookup.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from agent.api.schemas import MAX_ID
from agent.daemon.context import Context
from agent.i18n import SUPPORTED_LANGUAGES, current_language


async def get_ctx(request: Request) -> Context:
    """FastAPI dependency: ``ctx: Context = Depends(get_ctx)``."""
    return request.app.state.ctx


def request_language(request: Request) -> str:
    """The best supported language of Accept-Language ("ru-RU,ru;q=0.9,en;q=0.8"), else the daemon's."""
    header = request.headers.get("accept-language", "")
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            weight = 0.0
        code = tag.strip().split("-")[0].split("_")[0].lower()
        if code in SUPPORTED_LANGUAGES and weight > 0:
            ranked.append((-weight, position, code))
    return min(ranked)[2] if ranked else current_language()


async def get_language(request: Request) -> str:
    """FastAPI dependency: ``lang: str = Depends(get_language)``."""
    return request_language(request)


CtxDep = Annotated[Context, Depends(get_ctx)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]  # a row id: beyond SQLite's integers is a 422, not a 500
LangDep = Annotated[str, Depends(get_language)]
