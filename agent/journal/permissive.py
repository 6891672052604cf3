"""The permissive mode (разрешительный режим): before marked goods of the groups under it are sold,
the national marking system is asked online whether each unit may be sold (decree No. 1944 of
21.11.2023 lists when it may not: a code unknown, forged, already sold, blocked, expired or not in
circulation). Its answer's request id and time go on each unit's position as the industry
requisite, tag 1260: 1262 "030", 1263 "21.11.2023", 1264 "1944", 1265 "UUID=<reqId>&Time=<ms>".

The whole request has a deadline ([marking] permissive_timeout). When the system does not answer in
time, answers an error or something unreadable, the sale goes on without it (the FN's own check
still runs) and the positions carry no 1260: the system is down, not the goods refused.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx

from agent.config.schema import MarkingSettings
from agent.http_exchange import Broken, DeadlinePassed, TooLarge, exchange
from agent.i18n import N_
from common import outside_json
from common.marking import GS
from drivers.fiscal_register import IndustryRequisite

log = logging.getLogger(__name__)

PERMIT_FOIV = "030"  # 1262
PERMIT_DATE = date(2023, 11, 21)  # 1263: decree No. 1944 of 21.11.2023
PERMIT_NUMBER = "1944"  # 1264
MAX_ANSWER = 1 << 20
REQ_ID = re.compile(r"^[0-9A-Za-z-]{1,64}$")
MIN_TIME, MAX_TIME = 1_600_000_000_000, 4_000_000_000_000  # ms: 2020 .. 2096

REASONS = {
    "not_found": N_("the marking system does not know this code: do not sell the unit; set it aside"),
    "invalid": N_("the marking system finds this code forged: do not sell the unit; set it aside"),
    "sold": N_("the marking system has this unit as sold already: do not sell it; set it aside"),
    "blocked": N_("the marking system has blocked the sale of these goods: do not sell them"),
    "expired": N_("the marking system has these goods as past their expiry date: do not sell them"),
    "not_realizable": N_(
        "the marking system has this unit as not in circulation: do not sell it; set it aside"
    ),
}


@dataclass(frozen=True)
class OnlineAnswer:
    req_id: str
    req_time: int  # ms since the epoch
    records: dict[str, dict]  # the system's record of each code, by the code's identity

    @property
    def requisite(self) -> IndustryRequisite:
        return IndustryRequisite(
            PERMIT_FOIV, PERMIT_DATE, PERMIT_NUMBER, f"UUID={self.req_id}&Time={self.req_time}"
        )


def refusal(record: dict | None, now: datetime) -> str | None:
    """The msgid of why the decree bans this unit's sale, or None when it may be sold."""
    if not record or record.get("found") is False:
        return "not_found"
    if record.get("valid") is False:
        return "invalid"
    if record.get("sold") is True:
        return "sold"
    if record.get("isBlocked") is True:
        return "blocked"
    if record.get("utilised") is False or record.get("realizable") is False:
        return "not_realizable"
    expires = expiry(record.get("expireDate"))
    if expires is not None and expires < now:
        return "expired"
    return None


def expiry(value: object) -> datetime | None:
    """An ``expireDate`` as an aware time (one without a zone, or a bare date, is UTC); None when
    absent or unreadable (``_read`` refuses the answer that carries an unreadable one)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _read(body: bytes, identities: list[str]) -> OnlineAnswer | None:
    try:
        data = outside_json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("code") != 0:
        return None
    req_id, req_time, codes = data.get("reqId"), data.get("reqTimestamp"), data.get("codes")
    if not isinstance(req_id, str) or not REQ_ID.match(req_id):
        return None
    if isinstance(req_time, bool) or not isinstance(req_time, int) or not MIN_TIME <= req_time <= MAX_TIME:
        return None
    if not isinstance(codes, list) or len(codes) != len(identities):
        return None
    records = {}
    for identity, record in zip(identities, codes, strict=True):
        if not isinstance(record, dict):
            return None
        cis = record.get("cis")
        if isinstance(cis, str) and not cis.split(GS)[0].startswith(identity):
            return None  # an answer about another code
        if record.get("expireDate") is not None and expiry(record["expireDate"]) is None:
            return None
        records[identity] = record
    return OnlineAnswer(req_id, req_time, records)


def ask(
    url: str, token: str, timeout: float, codes: list[tuple[str, str]], fn_serial: str | None
) -> OnlineAnswer | None:
    """The system's answer on ``codes`` ((code, identity) pairs), or None when it gave none in time.
    Blocking: run it in a worker thread, never the port's or the event loop's."""
    headers = {"X-API-KEY": token} if token else {}  # the register's key from the system's account
    body = {"codes": [code for code, _identity in codes], "fiscalDriveNumber": fn_serial}
    with httpx.Client(follow_redirects=False) as http:
        request = http.build_request("POST", url, json=body, headers=headers)
        try:
            answer = exchange(http, request, deadline=timeout, max_body=MAX_ANSWER)
        except (DeadlinePassed, TooLarge, Broken, httpx.HTTPError) as exc:
            log.warning("the marking system's online check gave no answer (%s): selling without it", exc)
            return None
    if answer.status != 200:
        log.warning("the marking system's online check answered HTTP %s: selling without it", answer.status)
        return None
    read = _read(answer.body, [identity for _code, identity in codes])
    if read is None:
        log.warning("the marking system's online check answered something unreadable: selling without it")
    return read


async def check_online(
    settings: MarkingSettings,
    codes: list[tuple[str, str]],
    fn_serial: str | None,
    now: Callable[[], datetime],
) -> tuple[OnlineAnswer | None, list[str | None]]:
    """The system's answer on ``codes`` ((code, identity) pairs), asked in a worker thread (the
    network never holds the port or the event loop), and per code the key in ``REASONS`` of why
    the decree bans its sale (None: it may be sold). No answer in time: (None, all None), and the
    sale goes on without tag 1260."""
    answer = await asyncio.to_thread(
        ask, settings.permissive_url, settings.permissive_token, settings.permissive_timeout, codes, fn_serial
    )
    if answer is None:
        return None, [None] * len(codes)
    moment = now()
    return answer, [refusal(answer.records.get(identity), moment) for _code, identity in codes]


def now_utc() -> datetime:
    return datetime.now(UTC)
