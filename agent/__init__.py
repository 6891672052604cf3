"""kassa agent: the daemon that owns the register's journal, devices and back-office sync."""

__version__ = "0.1.0"
