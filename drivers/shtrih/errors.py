"""Device error codes and link failures as typed errors with operator messages.

Every error keeps the device's numeric ``device_code`` in its params, so a technician can
look it up in the vendor's table, and a stable ``code`` the agent and the UI rely on.
"""

from __future__ import annotations

from drivers.errors import N_, DriverError


class ShtrihError(DriverError):
    """An error the register reported in its answer."""

    code = "kkt_error"
    message = N_("The fiscal register reported error {device_code}: {description}")


class PaperOut(ShtrihError):
    code = "paper_out"
    message = N_("The fiscal register is out of paper: load a new roll, then continue printing.")
    retryable = True


class CoverOpen(ShtrihError):
    code = "cover_open"
    message = N_("The fiscal register's cover is open: close it, then continue printing.")
    retryable = True


class WaitingContinue(ShtrihError):
    code = "waiting_continue"
    message = N_("The fiscal register waits for 'continue printing' after a paper change.")
    retryable = True


class ShiftExpired(ShtrihError):
    code = "shift_expired"
    message = N_("The shift is open for more than 24 hours: close the shift (Z report) before selling.")


class ShiftNotOpen(ShtrihError):
    code = "shift_not_open"
    message = N_("The shift is not open: open a shift first.")


class ShiftAlreadyOpen(ShtrihError):
    code = "shift_already_open"
    message = N_("The shift is already open.")


class ReceiptOpen(ShtrihError):
    code = "receipt_open"
    message = N_("A receipt is already open on the fiscal register: finish or cancel it first.")


class ReceiptNotOpen(ShtrihError):
    code = "receipt_not_open"
    message = N_("No receipt is open on the fiscal register.")


class WrongPassword(ShtrihError):
    code = "wrong_password"
    message = N_("The fiscal register refused the password: check the operator and administrator passwords.")


class NotSupportedInMode(ShtrihError):
    code = "not_supported_in_mode"
    message = N_("The fiscal register cannot do this in its current mode ({mode}).")


class NotSupported(ShtrihError):
    code = "not_supported"
    message = N_("This fiscal register does not support the command: check the firmware profile.")


class BadParameters(ShtrihError):
    code = "bad_parameters"
    message = N_("The fiscal register rejected the data of the command (error {device_code}).")


class NotInProfile(ShtrihError):
    code = "not_in_profile"
    message = N_(
        "The firmware profile {profile} has no {what} '{name}': add it to the profile's [fiscal] section."
    )


class InvalidMarkCode(ShtrihError):
    code = "invalid_mark_code"
    message = N_(
        "The marking code is not a scanned DataMatrix code: it must be 1 to {limit} printable "
        "Latin characters with group separators, and this one has {length}. Scan it again."
    )


class MarkedLineSplit(ShtrihError):
    code = "marked_line_split"
    message = N_(
        "The marked item {name} cannot carry its code: no unit price gives its sum in one position. "
        "Change the discount on this line."
    )


class MarkSequence(ShtrihError):
    code = "mark_sequence"
    message = N_(
        "The fiscal drive refused the marking code (error {device_code}): it was not checked and "
        "accepted before the item, or the item already has it. Scan the item again."
    )


class MarkTableFull(ShtrihError):
    code = "mark_table_full"
    message = N_(
        "The fiscal drive holds as many checked marking codes as it can (error {device_code}): "
        "finish the receipt, which uses them up, then scan again."
    )


class MarkingBlocked(ShtrihError):
    code = "marking_blocked"
    message = N_(
        "The fiscal drive does not take marked goods now (error {device_code}): call the service technician."
    )


class AmountOutOfRange(ShtrihError):
    """A sum the driver will not send: more than the register holds (or less than zero)."""

    code = "amount_out_of_range"
    message = N_(
        "The {what} {amount} kopecks is outside what the fiscal register holds (0 to {limit} kopecks): "
        "nothing was sent to it."
    )
    status = 422


class PaymentShort(ShtrihError):
    code = "payment_short"
    message = N_("The payments are less than the receipt total.")


class NotEnoughCash(ShtrihError):
    code = "not_enough_cash"
    message = N_("There is not enough cash in the drawer for this.")


class TotalMismatch(ShtrihError):
    code = "total_mismatch"
    message = N_(
        "The receipt on the fiscal register totals {device_total} kopecks, not {expected_total}: "
        "it was not closed; cancel it and make the sale again."
    )


class InvalidCashierInn(ShtrihError):
    code = "invalid_cashier_inn"
    message = N_("The cashier's INN {inn} is not 12 digits: a cashier's INN (tag 1203) is a person's.")


class TaxSystemNotRegistered(ShtrihError):
    code = "tax_system_not_registered"
    message = N_(
        "The fiscal drive is not registered for the taxation system {system} (it is for: {registered}); "
        "set the shop's taxation system in the config or the product."
    )


class ZeroTotal(ShtrihError):
    code = "zero_total"
    message = N_("The receipt total is zero.")


class DeviceBusy(ShtrihError):
    code = "device_busy"
    message = N_("The fiscal register is still printing the previous document: try again in a moment.")
    retryable = True


class FnError(ShtrihError):
    code = "fn_error"
    message = N_("Fiscal drive error {device_code}: {description}. Call the service technician.")


class FnExpired(FnError):
    code = "fn_expired"
    message = N_("The fiscal drive has reached the end of its life: it must be replaced.")


class FnArchiveFull(FnError):
    code = "fn_archive_full"
    message = N_("The fiscal drive's archive is full: it must be replaced.")


class OfdBlocked(FnError):
    code = "ofd_blocked"
    message = N_(
        "The fiscal drive holds documents unsent to the OFD for 30 days and blocks sales: "
        "restore the OFD connection."
    )


class FnNoData(FnError):
    code = "fn_no_data"
    message = N_("The fiscal drive has no such data.")


# Link-level failures: the answer did not arrive as it should, so the register is unavailable.


class LinkError(ShtrihError):
    code = "link_error"
    status = 503
    message = N_("The connection to the fiscal register failed: {detail}")


class PortUnavailable(LinkError):
    code = "port_unavailable"
    message = N_("Cannot open the fiscal register's port {port}: {detail}")


class DeviceNotResponding(LinkError):
    code = "device_not_responding"
    message = N_("The fiscal register does not respond on {port}: check the cable and the power.")


class DeviceTimeout(LinkError):
    code = "device_timeout"
    message = N_("The fiscal register did not finish command {command} within {seconds} s.")
    outcome_unknown = True


class AnswerLost(LinkError):
    code = "answer_lost"
    message = N_(
        "The answer of the fiscal register to command {command} was lost: "
        "its result must be checked on the device."
    )
    outcome_unknown = True


# The vendor's error table (DrvFR's texts; codes below 0x30 are the FN's own on FN registers).
DESCRIPTIONS: dict[int, str] = {
    0x01: "unknown command, bad format or unknown parameters",
    0x02: "another FN state",
    0x03: "FN failure",
    0x04: "crypto coprocessor failure",
    0x05: "the FN's service life is over",
    0x06: "FN archive is full",
    0x07: "wrong date or time",
    0x08: "no requested data",
    0x09: "wrong parameter values",
    0x0A: "incorrect command",
    0x0B: "attributes not allowed",
    0x0C: "duplicate data",
    0x0D: "data needed for accounting in the FN is missing",
    0x0E: "too many items in the document",
    0x10: "TLV data too large",
    0x11: "no transport connection",
    0x12: "the FN's keys are exhausted (past their date)",
    0x14: "the FN's storage is exhausted",
    0x15: "OFD wait resource exhausted",
    0x16: "shift longer than 24 hours",
    0x17: "wrong time between two fiscal documents",
    0x18: "incorrect attribute passed to the FN",
    0x19: "attribute does not match the registration",
    0x20: "error processing the OFD answer in the FN",
    0x33: "wrong parameters in the command",
    0x37: "not supported in this implementation",
    0x3D: "shift not open",
    0x45: "payments less than the receipt total",
    0x46: "not enough cash in the drawer",
    0x48: "receipt total overflow",  # "Переполнение итога чека"
    0x49: "not possible in an open receipt of this type",
    0x4A: "receipt open",
    0x4B: "receipt buffer full",
    0x4D: "cashless payments exceed the receipt total",
    0x4E: "shift over 24 hours",
    0x4F: "wrong password",
    0x50: "printing the previous command",
    0x55: "receipt closed",
    0x58: "waiting for the continue-printing command",
    0x5E: "incorrect operation",
    0x5F: "negative receipt total",
    0x60: "overflow in multiplication",  # "Переполнение при умножении"
    0x61: "price out of range",  # "Переполнение диапазона цены"
    0x62: "quantity out of range",
    0x63: "department out of range",
    0x6B: "no receipt paper",
    0x6C: "no journal paper",
    0x71: "cutter failure",
    0x72: "not supported in this submode",
    0x73: "not supported in this mode",
    0x7E: "wrong length field",
    0x7F: "total out of range",  # "Переполнение диапазона итога"
    0x8E: "zero receipt total",
    0xA0: "work with marked goods is forbidden",
    0xA1: "wrong sequence of the marking commands",
    0xA2: "work with marked goods is blocked for now",
    0xA3: "the table of checked marking codes is full",
    0xAA: "the TLV lacks required attributes",
    0xAC: "the marking code was not checked in the FN",
}

ERROR_CLASSES: dict[int, type[ShtrihError]] = {
    0x01: FnError,
    0x02: FnError,
    0x03: FnError,
    0x04: FnError,
    0x05: FnExpired,
    0x06: FnArchiveFull,
    0x07: FnError,
    0x08: FnNoData,
    0x09: BadParameters,
    0x0A: FnError,
    0x0B: BadParameters,
    0x0C: BadParameters,
    0x0D: BadParameters,
    0x0E: BadParameters,
    0x10: BadParameters,
    0x11: FnError,
    0x12: FnExpired,
    0x14: FnArchiveFull,
    0x15: OfdBlocked,
    0x16: ShiftExpired,
    0x17: FnError,
    0x18: BadParameters,
    0x19: BadParameters,
    0x20: FnError,
    0x33: BadParameters,
    0x37: NotSupported,
    0x3D: ShiftNotOpen,
    0x45: PaymentShort,
    0x46: NotEnoughCash,
    0x48: BadParameters,
    0x49: NotSupportedInMode,
    0x4A: ReceiptOpen,
    0x4B: BadParameters,
    0x4D: BadParameters,
    0x4E: ShiftExpired,
    0x4F: WrongPassword,
    0x50: DeviceBusy,
    0x55: ReceiptNotOpen,
    0x58: WaitingContinue,
    0x5E: BadParameters,
    0x5F: BadParameters,
    0x60: BadParameters,
    0x61: BadParameters,
    0x62: BadParameters,
    0x63: BadParameters,
    0x6B: PaperOut,
    0x6C: PaperOut,
    0x72: NotSupportedInMode,
    0x73: NotSupportedInMode,
    0x7E: BadParameters,
    0x7F: BadParameters,
    0x8E: ZeroTotal,
    0xA0: MarkingBlocked,
    0xA1: MarkSequence,
    0xA2: MarkingBlocked,
    0xA3: MarkTableFull,
    0xAA: BadParameters,
    0xAC: MarkSequence,
}


def device_error(device_code: int, *, mode: int | None = None) -> ShtrihError:
    """The typed error for a non-zero error byte of an answer."""
    cls = ERROR_CLASSES.get(device_code, ShtrihError)
    return cls(
        device_code=f"0x{device_code:02X}",
        description=DESCRIPTIONS.get(device_code, "unknown error"),
        mode=mode if mode is not None else "?",
    )
