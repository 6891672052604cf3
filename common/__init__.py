"""Leaf modules every kassa package may import (drivers, agent, tui, sim): they import nothing of kassa."""
