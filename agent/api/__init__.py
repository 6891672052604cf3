"""The local API (DESIGN.md section 5). The app is built in ``agent.api.app``; this package itself
stays empty so that ``agent.api.schemas`` (the contract) can be imported by clients such as the TUI
without the daemon."""
