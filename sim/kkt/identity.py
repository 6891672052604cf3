"""Who the emulated register says it is; the reference back office seeds the same INN."""

from __future__ import annotations

EMULATOR_MODEL = "ШТРИХ-М-01Ф"
EMULATOR_PROFILE = "shtrih-m-01f"
EMULATOR_SERIAL = "0012345678"
EMULATOR_FN_SERIAL = "9960440300123456"
EMULATOR_INN = "7701234560"
EMULATOR_ORGANIZATION = "ООО «Ромашка»"
EMULATOR_REGISTRATION_NUMBER = "0000000001012345"
EMULATOR_FIRMWARE = "A4"
EMULATOR_FIRMWARE_BUILD = 45678

# The answer of command 0xFC (device type): type, subtype, protocol version, protocol
# subversion, model number, code page (0 = Russian).
DEVICE_TYPE = (0, 0, 1, 17, 250, 0)
