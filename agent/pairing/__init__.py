"""Pairing this register with a back office by a one-time sync code ("Подключить ККТ")."""
