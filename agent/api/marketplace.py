"""``/v1/marketplace``: connect accounts by the device flow, list and change them, import now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from starlette.concurrency import run_in_threadpool

from agent.api import schemas
from agent.api.deps import CtxDep, IdPath, LangDep
from agent.api.errors import ApiError
from agent.api.schemas import AccountChanges, ConnectBody, ImportBody
from agent.i18n import N_
from agent.marketplace import errors

router = APIRouter(prefix="/v1/marketplace", tags=["marketplace"])
FlowId = Annotated[str, Path(min_length=1, max_length=64)]


def service_of(ctx):
    service = ctx.services.marketplace
    if service is None:
        raise ApiError(503, "marketplace_unavailable", N_("marketplaces are not running in this daemon"))
    return service


@router.get("/accounts", response_model=schemas.MarketplaceAccounts)
def list_accounts(ctx: CtxDep, lang: LangDep) -> dict:
    return {"items": service_of(ctx).list_accounts(lang)}


@router.post("/accounts", status_code=202, response_model=schemas.ConnectFlow)
async def connect(body: ConnectBody, ctx: CtxDep, lang: LangDep) -> dict:
    """Start the device flow: the answer carries the link, the user code and a QR; poll the flow."""
    service = service_of(ctx)
    return await run_in_threadpool(service.start_connect, body.marketplace, body.name)


@router.get("/connect/{flow_id}", response_model=schemas.ConnectFlow)
def connect_state(flow_id: FlowId, ctx: CtxDep, lang: LangDep) -> dict:
    try:
        return service_of(ctx).flow_view(flow_id, lang)
    except errors.MarketplaceError as exc:
        raise ApiError(404, "connect_not_found", exc.message, **exc.params) from None


@router.delete("/connect/{flow_id}", status_code=204)
def connect_cancel(flow_id: FlowId, ctx: CtxDep) -> Response:
    service_of(ctx).cancel_connect(flow_id)
    return Response(status_code=204)


@router.patch("/accounts/{account_id}", response_model=schemas.MarketplaceAccount)
def change_account(account_id: IdPath, body: AccountChanges, ctx: CtxDep, lang: LangDep) -> dict:
    changes = body.model_dump(exclude_unset=True)
    try:
        return service_of(ctx).update_account(account_id, changes, lang)
    except LookupError:
        raise ApiError(404, "account_not_found", N_("no marketplace account {id}"), id=account_id) from None
    except ValueError as exc:
        raise ApiError(422, "bad_setting", N_("bad value for {key}"), key=str(exc)) from None


@router.delete("/accounts/{account_id}", status_code=204)
def remove_account(account_id: IdPath, ctx: CtxDep) -> Response:
    if not service_of(ctx).remove_account(account_id):
        raise ApiError(404, "account_not_found", N_("no marketplace account {id}"), id=account_id)
    return Response(status_code=204)


@router.post("/import", response_model=schemas.ImportResults)
async def import_now(body: ImportBody, ctx: CtxDep) -> dict:
    """«Обновить сейчас» for marketplace accounts: imports, then settles what is due."""
    service = service_of(ctx)
    return {"results": await service.import_now(body.accounts)}
