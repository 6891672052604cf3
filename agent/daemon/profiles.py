"""The firmware profiles in force, reloaded when their directory changes.

A profile file that stops validating keeps its last good version in force (a half-saved edit
must not take a working printer down); the error is logged naming the file and the field.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from drivers.profile import Profile, load_directory

log = logging.getLogger("kassa.profiles")


class ProfileRegistry:
    """Valid profiles by name. ``reload()`` returns the names whose profile changed."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._profiles: dict[str, Profile] = {}
        self.errors: dict[str, str] = {}  # file name -> the problem, for status and logs
        self._lock = threading.Lock()

    def load_directory(self) -> set[str]:
        return self.reload()

    def reload(self) -> set[str]:
        found, errors = load_directory(self.directory)
        with self._lock:
            old = dict(self._profiles)
            current = dict(found)
            self.errors = {}
            for error in errors:
                file = Path(str(error.params.get("file", ""))).name
                name = Path(file).stem
                self.errors[file] = error.text
                if name in old:
                    current[name] = old[name]
                    log.error("%s; the previous version of profile %s stays in force", error.text, name)
                else:
                    log.error("%s", error.text)
            self._profiles = current
        changed = {name for name in set(old) | set(current) if old.get(name) != current.get(name)}
        if changed and old:
            log.info("profiles reloaded from %s: %s changed", self.directory, ", ".join(sorted(changed)))
        return changed

    def get(self, name: str) -> Profile | None:
        with self._lock:
            return self._profiles.get(name)

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    @property
    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._profiles)
