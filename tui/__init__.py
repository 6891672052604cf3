"""The cashier's Textual UI: a client of the daemon's local API, nothing more."""
