"""The reference back office: a small server that speaks back-office protocol v1 (docs/backoffice-api.md).

It stands in for the shop's real back office in tests and demos: it issues sync codes, pairs
registers, serves the catalog and employees as change feeds, receives fiscal documents with
permanent per-uuid dedup, relays marketplace orders and records heartbeats.
"""
