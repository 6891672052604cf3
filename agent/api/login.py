"""Sessions: ``POST /v1/login`` (a PIN, checked offline) → a bearer token; ``POST /v1/logout``;
``GET /v1/session`` (who is calling, and which routes they may call); ``GET /v1/employees``."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import APIRouter, Request
from sqlmodel import select

from agent.api.access import Caller, CallerDep, allowed_routes, bearer, role_of, sessions_of
from agent.api.deps import CtxDep
from agent.api.schemas import Employees, LoginAnswer, LoginBody, LogoutAnswer, Session
from agent.staff.login import login
from agent.store.models import Employee

router = APIRouter(prefix="/v1", tags=["login"])


def session_view(caller: Caller, ctx) -> dict:
    return {
        "role": caller.role,
        "employee": caller.employee.as_dict() if caller.employee else None,
        "allowed": allowed_routes(caller.role),
        "idle_seconds": int(ctx.settings.config.access.session_idle_hours * 3600),
        "expires_at": caller.ends.isoformat() if caller.ends else None,
    }


@router.post(
    "/login",
    response_model=LoginAnswer,
    responses={423: {"description": "employee_locked / pin_login_locked: too many wrong PINs, until a time"}},
)
async def post_login(body: LoginBody, ctx: CtxDep, request: Request) -> dict:
    """A PIN's owner and a new session token: send it back as ``Authorization: Bearer <token>``."""
    employee = await asyncio.to_thread(login, ctx.store, body.pin, ctx.clock, body.employee_id)
    now = ctx.clock()
    token = sessions_of(request).open(employee, now)
    ends = now + timedelta(hours=ctx.settings.config.access.session_max_hours)
    return {"token": token, **session_view(Caller(role_of(employee.role), employee, token, ends), ctx)}


@router.post("/logout", response_model=LogoutAnswer)
def post_logout(request: Request) -> dict:
    token = bearer(request)
    return {"logged_out": bool(token) and sessions_of(request).close(token)}


@router.get("/session", response_model=Session)
def get_session(caller: CallerDep, ctx: CtxDep) -> dict:
    return session_view(caller, ctx)


@router.get("/employees", response_model=Employees)
def employees(ctx: CtxDep) -> dict:
    now = ctx.clock()
    with ctx.store.read() as session:
        rows = session.exec(select(Employee).order_by(Employee.name)).all()
        return {
            "items": [
                {
                    "id": e.id,
                    "name": e.name,
                    "role": e.role,
                    "locked": bool(e.locked_until and e.locked_until > now),
                }
                for e in rows
            ]
        }
