"""Who the emulated register says it is; the reference back office seeds the same INN."""

from __future__ import annotations

EMULATOR_MODEL = "ШТРИХ-М-01Ф"
EMULATOR_SERIAL = "0012345678"
EMULATOR_FN_SERIAL = "9960440300123456"
EMULATOR_INN = "7701234560"
EMULATOR_ORGANIZATION = "ООО «Ромашка»"
EMULATOR_REGISTRATION_NUMBER = "0000000001012345"
EMULATOR_FIRMWARE = "A4"
EMULATOR_FIRMWARE_BUILD = 45678

EMULATOR_FN_EXPIRES = (2027, 7, 15)  # FF03: the FN's key validity ends on this date (YY MM DD)

# The answer of command 0xFC (device type): type 0 (ККТ), subtype 0, protocol 1.14,
# model 250, language 0 (Russian) -- the ШТРИХ-М-01Ф row of the vendor's table (protocol v1.17).
DEVICE_TYPE = (0, 0, 1, 14, 250, 0)
