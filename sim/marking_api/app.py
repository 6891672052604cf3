"""A fake of the national marking system's online check (Честный ЗНАК, True API ``codes/check``),
which the permissive mode asks before each sale of marked goods.

It answers per code as the public API does: ``found``, ``valid`` (the crypto tail is the one the
operator issued: the KKT emulator's issuer, ``sim.kkt.marks``), ``sold``, ``isBlocked``,
``realizable``, ``utilised``, ``expireDate``, with the request's ``reqId`` (a UUID) and
``reqTimestamp`` (ms). ``/_fake/...`` is this fake's own control: answer slowly, be down (503), or
know a code as sold or a GTIN as blocked.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from common.marking import MarkingCodeError, parse
from sim.kkt import marks

CHECK_PATH = "/api/v4/true-api/codes/check"


@dataclass
class FakeMarkingSystem:
    delay: float = 0.0  # seconds before each answer
    down: bool = False  # answer 503
    sold: set[str] = field(default_factory=set)  # identities (01 GTIN 21 serial) sold already
    blocked: set[str] = field(default_factory=set)  # GTINs whose sale is stopped
    expire_date: str = "2099-12-31T00:00:00.000Z"  # every code's ``expireDate``, as the system writes it
    requests: int = 0
    api_key: str | None = None  # when set, a request must carry it in X-API-KEY (else 401)

    def answer(self, code: str) -> dict:
        try:
            parsed = parse(code)
        except MarkingCodeError:
            return {"cis": code, "found": False, "valid": False, "errorCode": 1}
        issued = marks.parse(parsed.code)
        genuine = issued is not None and marks.genuine(issued)
        return {
            "cis": parsed.identity,
            "gtin": parsed.gtin,
            "found": True,
            "valid": genuine,
            "verified": genuine,
            "utilised": True,
            "realizable": True,
            "sold": parsed.identity in self.sold,
            "isBlocked": parsed.gtin in self.blocked,
            "expireDate": self.expire_date,
            "errorCode": 0,
        }


def create_app(fake: FakeMarkingSystem) -> FastAPI:
    app = FastAPI(title="fake marking system", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post(CHECK_PATH)
    async def check(request: Request) -> JSONResponse:
        fake.requests += 1
        if fake.api_key is not None and request.headers.get("X-API-KEY") != fake.api_key:
            return JSONResponse({"code": 401, "description": "X-API-KEY: unknown key"}, status_code=401)
        if fake.delay:
            await asyncio.sleep(fake.delay)
        if fake.down:
            return JSONResponse({"code": 503, "description": "service unavailable"}, status_code=503)
        body = await request.json()
        codes = body.get("codes") if isinstance(body, dict) else None
        if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
            return JSONResponse({"code": 400, "description": "codes: a list of strings"}, status_code=400)
        return JSONResponse(
            {
                "code": 0,
                "description": "ok",
                "codes": [fake.answer(code) for code in codes],
                "reqId": str(uuid.uuid4()),
                "reqTimestamp": int(time.time() * 1000),
            }
        )

    @app.post("/_fake/state")
    async def state(request: Request) -> dict:
        """{"delay": seconds, "down": bool, "sold": [codes], "blocked": [gtins]}, each optional."""
        body = await request.json()
        if "delay" in body:
            fake.delay = float(body["delay"])
        if "down" in body:
            fake.down = bool(body["down"])
        fake.sold.update(parse(code).identity for code in body.get("sold", []))
        fake.blocked.update(body.get("blocked", []))
        return {"delay": fake.delay, "down": fake.down, "sold": len(fake.sold), "requests": fake.requests}

    return app
