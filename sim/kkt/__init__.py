"""The Shtrih-M KKT emulator: a fiscal register with an FN on a real pseudo-terminal."""
