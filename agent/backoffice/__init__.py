"""The register's side of back-office protocol v1 (docs/backoffice-api.md)."""

from agent.backoffice.client import BackofficeClient, Page, PairResult, RegisterIdentity
from agent.backoffice.errors import BackofficeError

__all__ = ["BackofficeClient", "BackofficeError", "Page", "PairResult", "RegisterIdentity"]
