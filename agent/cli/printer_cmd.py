"""`kassa printer ...`: tools for the fiscal register and the receipt printer."""

from __future__ import annotations

from agent.cli import LazyGroup
from agent.i18n import _

printer = LazyGroup(
    "printer",
    help=_("Fiscal register and printer tools: detect, status, test, reports."),
    commands={
        "detect": "agent.cli.printer_detect:detect",
        "status": "agent.cli.printer_status:status",
        "test": "agent.cli.printer_status:test",
        "x-report": "agent.cli.report_cmd:x_report",
        "z-report": "agent.cli.report_cmd:z_report",
    },
)
