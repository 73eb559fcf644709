"""A bad profile is a ConfigError naming the file, the key path, the value and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from peakready.errors import ConfigError, ContentError
from peakready.seeding import generate_catalog


def _write(folder: Path, text: str, name: str = "bad") -> Path:
    path = folder / "profiles" / f"{name}.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "fragments"), [
    ("products: {count: -5}\ncustomers: {count: 1}\n",
     ["products.count", "-5", "greater than or equal to 1"]),
    ("products: {count: 5, colour: red}\ncustomers: {count: 1}\n",
     ["products.colour", "'red'", "unknown key"]),
    ("products: {count: 5}\n",
     ["customers", "required key is missing"]),
    ("products: {count: 5, price: {min: 9, max: 1}}\ncustomers: {count: 1}\n",
     ["products.price", "swap them"]),
    ("products: {count: many}\ncustomers: {count: 1}\n",
     ["products.count", "'many'", "integer"]),
    ("products: {count: 5, sku_prefix: 'pr x'}\ncustomers: {count: 1}\n",
     ["products.sku_prefix", "'pr x'"]),
])
def test_invalid_values_name_file_key_and_value(fixtures_copy: Path, text: str,
                                                fragments: list[str]) -> None:
    path = _write(fixtures_copy, text)
    with pytest.raises(ConfigError) as info:
        generate_catalog("bad", fixtures_dir=fixtures_copy)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_not_yaml(fixtures_copy: Path) -> None:
    path = _write(fixtures_copy, "products: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML") as info:
        generate_catalog("bad", fixtures_dir=fixtures_copy)
    assert str(path) in str(info.value)


def test_not_a_mapping(fixtures_copy: Path) -> None:
    _write(fixtures_copy, "- 1\n- 2\n")
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        generate_catalog("bad", fixtures_dir=fixtures_copy)


def test_unknown_profile_lists_available(fixtures_copy: Path, good_profile_text: str) -> None:
    _write(fixtures_copy, good_profile_text, name="custom")
    with pytest.raises(ConfigError, match=r"does not exist; available profiles: custom"):
        generate_catalog("large", fixtures_dir=fixtures_copy)


def test_profile_name_cannot_escape_the_folder(fixtures_copy: Path) -> None:
    with pytest.raises(ConfigError, match="not a profile name"):
        generate_catalog("../../etc/passwd", fixtures_dir=fixtures_copy)


def test_missing_fixtures_dir_is_a_content_error(tmp_path: Path) -> None:
    with pytest.raises(ContentError):
        generate_catalog("small", fixtures_dir=tmp_path / "nowhere")


def test_path_to_a_yaml_file_is_accepted(tmp_path: Path, good_profile_text: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(good_profile_text)
    catalog = generate_catalog(str(path))
    assert catalog.profile == "custom" and len(catalog.customers) == 3


def test_a_misspelt_key_gets_the_closest_known_one(fixtures_copy: Path) -> None:
    # The profile is read by the one config mechanism (peakready.configmodel), whose hint
    # names the key the user most likely meant.
    path = _write(fixtures_copy, "products: {count: 5, sku_prefx: PR}\ncustomers: {count: 1}\n")
    with pytest.raises(ConfigError) as info:
        generate_catalog("bad", fixtures_dir=fixtures_copy)
    assert str(info.value) == (f"{path}: invalid fixture profile: products.sku_prefx = 'PR': "
                               "unknown key; did you mean 'sku_prefix'?")
