"""``POST/DELETE /v1/pairing``: pair with a sync code ("Подключить ККТ"), re-pair, unpair."""

from __future__ import annotations

from fastapi import APIRouter

from agent.api.deps import CtxDep
from agent.api.errors import ApiError
from agent.api.schemas import PairBody, Paired, Unpaired
from agent.i18n import N_

router = APIRouter(prefix="/v1", tags=["pairing"])


def _service(ctx):
    service = ctx.services.pairing
    if service is None:
        raise ApiError(503, "pairing_unavailable", N_("pairing is not available: the daemon is starting"))
    return service


@router.post("/pairing", response_model=Paired)
async def pair(body: PairBody, ctx: CtxDep) -> dict:
    service = _service(ctx)
    info = await service.pair_async(body.code, body.backoffice_url)
    return {"paired": True, "pairing": info.as_dict()}


@router.delete("/pairing", response_model=Unpaired)
async def unpair(ctx: CtxDep) -> dict:
    was_paired = await _service(ctx).unpair_async()
    return {"paired": False, "was_paired": was_paired}
