"""The register's employees as synced from the back office, and cashier login."""
