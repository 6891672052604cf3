"""``POST /v1/login``: a cashier's PIN, checked offline; ``GET /v1/employees``: who can log in."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import select

from agent.api.deps import CtxDep
from agent.api.errors import ApiError
from agent.staff.login import LoginError, login
from agent.store.models import Employee

router = APIRouter(prefix="/v1", tags=["login"])


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pin: str = Field(min_length=1, max_length=32)
    employee_id: int | None = Field(
        None, description="the employee picked on screen; wrong PINs lock only them"
    )


@router.post("/login")
async def post_login(body: LoginBody, ctx: CtxDep) -> dict:
    try:
        employee = await asyncio.to_thread(login, ctx.store, body.pin, ctx.clock, body.employee_id)
    except LoginError as exc:
        raise ApiError(exc.status, exc.code, exc.message, **exc.params) from None
    return {"employee": employee.as_dict()}


@router.get("/employees")
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
