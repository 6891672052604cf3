"""What can go wrong with a receipt printer, as one clear line for the operator."""

from __future__ import annotations

from drivers.errors import N_, DriverError


class PrinterError(DriverError):
    code = "printer_error"
    message = N_("receipt printer error")


class PrinterNotFound(PrinterError):
    code = "printer_not_found"
    status = 503
    message = N_("receipt printer not found at {port}: {reason}; check the cable and the port in the config")


class PrinterAddressError(PrinterError):
    code = "printer_address"
    message = N_(
        "the receipt printer's address {port} has no TCP port from 1 to 65535: write it as tcp://HOST:9100"
    )


class PrinterBusy(PrinterError):
    code = "printer_busy"
    status = 503
    message = N_(
        "the receipt printer port {port} is in use by another program (is the kassa daemon running?)"
    )


class PrinterBlocked(PrinterError):
    code = "printer_blocked"
    status = 503
    message = N_(
        "the receipt printer at {port} accepted no data for {seconds} s (flow control holds the line); "
        "check paper, cover and cable"
    )


class PrinterIOError(PrinterError):
    code = "printer_io"
    status = 503
    message = N_("lost the connection to the receipt printer at {port}: {reason}")


class PrinterProfileError(PrinterError):
    code = "printer_profile"
    message = N_("profile {profile} cannot drive an ESC/POS printer: {reason}")


class PrinterNoDrawer(PrinterError):
    code = "printer_no_drawer"
    message = N_("the printer of profile {profile} has no cash drawer port")
