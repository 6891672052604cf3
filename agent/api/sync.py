"""Sync settings ("Изменить настройки обновления"), "Обновить сейчас" and product-sync confirmations."""

from __future__ import annotations

from fastapi import APIRouter

from agent.api import schemas
from agent.api.deps import CtxDep, LangDep
from agent.api.errors import ApiError, invalid
from agent.api.schemas import ConfirmBody, SettingsBody, SyncBody
from agent.i18n import N_, translate
from agent.sync.settings import BAD_INTERVAL, BAD_SHARE, BAD_ZERO_TOTAL

router = APIRouter(prefix="/v1", tags=["sync"])

# what was wrong with the setting a ValueError names (its name in words: agent/journal/fields.py)
PROBLEMS = {"mass_delete_share": BAD_SHARE, "zero_total_orders": BAD_ZERO_TOTAL}


def _service(ctx):
    service = ctx.services.sync
    if service is None:
        raise ApiError(503, "sync_unavailable", N_("sync is not available: the daemon is starting"))
    return service


def _localize(results: list[dict], lang: str) -> list[dict]:
    for result in results:
        if result.get("message_id"):
            params = {"detail": "", **(result.pop("params", {}) or {})}
            result["error"] = translate(result.pop("message_id"), lang, **params)
        _explain_skipped(result, lang)
    return results


def localize_stream(entry: dict, lang: str | None) -> None:
    """A stream's status in the caller's language: its label, its last error and why records were
    refused (the engine keeps them as msgids with parameters, so any client can read them)."""
    if entry.get("label"):
        entry["label"] = translate(entry["label"], lang)
    error = entry.get("error")
    if isinstance(error, dict) and error.get("message_id"):
        error["text"] = translate(error["message_id"], lang, **{"detail": "", **(error.get("params") or {})})
        entry["last_error"] = error["text"]
    _explain_skipped(entry, lang)


def _explain_skipped(entry: dict, lang: str | None) -> None:
    for record in entry.get("skipped_records") or []:
        record["text"] = translate(record.get("reason") or "", lang, **(record.get("params") or {}))


@router.get("/sync/settings", response_model=schemas.SyncSettings)
def get_settings(ctx: CtxDep) -> dict:
    return _service(ctx).settings()


@router.put("/sync/settings", response_model=schemas.SyncSettings)
def put_settings(body: SettingsBody, ctx: CtxDep) -> dict:
    try:
        return _service(ctx).update_settings(body.model_dump(exclude_none=True))
    except ValueError as exc:
        setting = str(exc)
        raise invalid(setting, PROBLEMS.get(setting, BAD_INTERVAL)) from None


@router.post("/sync", response_model=schemas.SyncResults)
async def sync_now(body: SyncBody, ctx: CtxDep, lang: LangDep) -> dict:
    streams = None if "all" in body.streams else list(body.streams)
    try:
        results = await _service(ctx).sync_now(streams, wait=body.wait)
    except ValueError as exc:
        unknown = N_("there is no sync stream {stream}")
        raise ApiError(422, "unknown_stream", unknown, stream=str(exc)) from None
    return {"results": _localize(results, lang)}


@router.post("/sync/confirm", response_model=schemas.Confirmed)
def confirm(body: ConfirmBody, ctx: CtxDep) -> dict:
    outcome = _service(ctx).confirm(body.accept)
    if outcome["deleted"] is None:
        raise ApiError(409, "nothing_to_confirm", N_("product sync is not waiting for a confirmation"))
    return outcome
