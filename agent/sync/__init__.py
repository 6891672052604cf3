"""Sync with the back office and marketplaces: streams behind one protocol (``agent.sync.stream``)."""
