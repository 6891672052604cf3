"""Marketplace orders at the register: one connector per order source, one order model, one settling path.

A connector (``agent.marketplace.connector.Connector``) pulls new orders since a cursor, fetches one,
and reports what became of an order. The back-office relay (``relay``) and Allegro (``allegro``) are
connectors; the importer stores what they bring (deduplicated by source, account and external id)
and ``settle`` fiscalizes an order through the journal like any sale. See docs/architecture.md.
"""
