"""Firmware profiles: every shipped profile loads; a bad one is refused naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.profile import PROFILE_DIR, ProfileError, load_directory, load_profile

SHTRIH = """
name = "{name}"
vendor = "Shtrih-M"
model = "Test"
protocol = "shtrih"
[fiscal]
taxes = {{ vat20 = 1 }}
payment_types = {{ cash = 1 }}
"""


def test_every_shipped_profile_is_valid():
    profiles, errors = load_directory(PROFILE_DIR)
    assert errors == []
    for name, profile in profiles.items():
        assert profile.name == name


def test_error_names_file_and_field(tmp_path: Path):
    path = tmp_path / "bad-one.toml"
    path.write_text(SHTRIH.format(name="bad-one") + "[serial]\nbaud = -5\nflow = 'hardware'\n")
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    assert str(path) in error.value.text
    assert "[serial] baud" in error.value.text
    assert "[serial] flow" in error.value.text


def test_name_must_match_file(tmp_path: Path):
    path = tmp_path / "one.toml"
    path.write_text(SHTRIH.format(name="other"))
    with pytest.raises(ProfileError, match="must equal the file name"):
        load_profile(path)


def test_a_bad_file_does_not_hide_the_good_ones(tmp_path: Path):
    (tmp_path / "good.toml").write_text(SHTRIH.format(name="good"))
    (tmp_path / "broken.toml").write_text("name = ")
    profiles, errors = load_directory(tmp_path)
    assert list(profiles) == ["good"]
    assert len(errors) == 1 and "broken.toml" in errors[0].text
