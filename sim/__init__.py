"""Stand-ins for the outside world: KKT emulator, virtual ESC/POS printer, reference back office.

Production code (agent/, drivers/) never imports this package.
"""
