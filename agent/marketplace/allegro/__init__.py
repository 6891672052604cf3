"""Allegro as an order source: OAuth device flow, rotating tokens, events, checkout forms, fulfillment."""
