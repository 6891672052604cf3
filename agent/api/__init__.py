"""The local API (docs/architecture.md). The app is built in ``agent.api.app``; this package itself
stays empty so that ``agent.api.schemas`` (the contract) can be imported by clients such as the TUI
without the daemon."""
