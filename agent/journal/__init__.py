"""The fiscalization journal: sales, returns, shifts and cash moves, crash-safe and never twice.

Every fiscal operation is written ``pending`` (with the FD number the FN should give it) and
committed before the register hears of it; the register's answer, status ``fiscalized`` and
the outbox row are written together afterwards. ``recovery`` settles whatever a crash left
``pending`` by asking the register what really happened.
"""
