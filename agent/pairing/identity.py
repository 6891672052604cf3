"""Who this register is, as the fiscal device itself reports it (what the back office checks the INN of)."""

from __future__ import annotations

from agent.backoffice import RegisterIdentity, errors
from agent.daemon.devices import DeviceManager
from drivers.fiscal_register import DeviceInfo


def identity_from_device_info(info: DeviceInfo) -> RegisterIdentity:
    return RegisterIdentity(
        kkt_serial=str(info.serial),
        kkt_model=str(info.model),
        fn_serial=str(info.fn_serial),
        inn=str(info.inn),
    )


async def read_identity(devices: DeviceManager) -> RegisterIdentity:
    """Ask the daemon's fiscal-register handle; RegisterUnavailable when there is none or it fails."""
    handle = devices.fiscal_register
    if handle is None:
        raise errors.RegisterUnavailable(detail="[printer] port is not configured")
    try:
        info = await handle.call(lambda device: device.device_info())
    except Exception as exc:  # DriverError, DeviceUnavailable: the operator reads the reason
        raise errors.RegisterUnavailable(
            detail=getattr(exc, "text", None) or str(exc) or type(exc).__name__
        ) from None
    return identity_from_device_info(info)
