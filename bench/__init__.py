"""Speed and memory targets, measured against a baseline taken in the same run (never timed unit tests)."""
