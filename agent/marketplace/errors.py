"""Every way talking to a marketplace can fail, each with a stable code and a message for a person.

A message is an English gettext msgid with ``{placeholders}``; whoever shows it translates it
(``translate(err.message, lang, **err.params)``). Secrets never go into a message.
"""

from __future__ import annotations

from agent.i18n import N_
from common.errors import KassaError


class MarketplaceError(KassaError):
    code = "marketplace_error"
    message = N_("the marketplace answered with an error: {detail}")
    status = 502  # the local API's HTTP status for it

    def __init__(self, message: str | None = None, /, **params: object):
        params.setdefault("detail", "")
        super().__init__(message, **params)


class NotConfigured(MarketplaceError):
    code = "marketplace_not_configured"
    message = N_(
        "[marketplaces.{marketplace}] client_id and client_secret are not set: "
        "register the application with the marketplace and put them in the config"
    )
    status = 409


class Unreachable(MarketplaceError):
    code = "marketplace_unreachable"
    message = N_("{marketplace} at {url} is unreachable ({detail}): check the network")
    status = 503
    retryable = True


class Busy(MarketplaceError):
    code = "marketplace_busy"
    message = N_("{marketplace} asked to slow down or is failing (HTTP {http}); the import retries later")
    status = 503
    retryable = True


class Deadline(MarketplaceError):
    code = "marketplace_deadline"
    message = N_("{marketplace} did not answer within {seconds} s; the import retries later")
    status = 504
    retryable = True


class Refused(MarketplaceError):
    code = "marketplace_refused"
    message = N_("{marketplace} refused the request (HTTP {http}): {detail}")


class ReconnectNeeded(MarketplaceError):
    code = "marketplace_reconnect"
    message = N_("the {marketplace} account {name} must be connected again: {reason}")
    status = 409


class DeviceDenied(MarketplaceError):
    code = "device_denied"
    message = N_("the seller refused access on the marketplace's page")
    status = 403


class DeviceExpired(MarketplaceError):
    code = "device_expired"
    message = N_("the code expired before it was approved: start again")
    status = 410
