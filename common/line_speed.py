"""Serial line speeds: the standard ones (termios B1200 ... B921600), what a fiscal register's or a
receipt printer's UART is set to. A number outside them in the config, a profile or on the command
line is a typo: one past a C int made pyserial raise OverflowError out of the open, which nothing
took for a port error (a traceback at every poll of the device)."""

from __future__ import annotations

SPEEDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)


def is_speed(baud: object) -> bool:
    return type(baud) is int and baud in SPEEDS


def check_speed(baud: int) -> int:
    """``baud`` when it is one of ``SPEEDS``; ``ValueError`` naming them when not."""
    if not is_speed(baud):
        raise ValueError(f"{baud} is not a serial line speed: one of {', '.join(map(str, SPEEDS))}")
    return baud
