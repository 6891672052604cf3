"""A fake Allegro REST API for tests and ``kassa demo`` (``kassa emulate allegro --port P``)."""
