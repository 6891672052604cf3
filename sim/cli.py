"""`kassa emulate ...`: the emulated devices, each subcommand living with its emulator."""

from __future__ import annotations

from agent.cli import LazyGroup
from agent.i18n import _

emulate = LazyGroup(
    "emulate",
    help=_("Emulated devices: KKT, ESC/POS printer, faults."),
    commands={
        "kkt": "sim.kkt.cli:kkt",
        "journal": "sim.kkt.cli:journal",
        "marks": "sim.kkt.cli:marks_command",
        "fault": "sim.control:fault",
        "escpos": "sim.escpos.cli:escpos",
        "allegro": "sim.allegro.cli:allegro",
        "marking-api": "sim.marking_api.cli:marking_api",
    },
)
