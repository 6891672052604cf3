"""Sync with the back office: receipts up (continuous), products, employees and orders down (intervals)."""

STREAMS = ("receipts", "products", "employees", "orders")
PULLED = ("products", "employees", "orders")
