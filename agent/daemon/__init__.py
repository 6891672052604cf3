"""The daemon (`kassa run`): start order, devices, reload, systemd notify, shutdown."""
