"""Config validation against hostile or sloppy input (issue 11, items 7, 10, 11 and 13); the one-file-
per-failure corpus is in tests/fixtures/bad_configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacktrack.config import load_config, load_config_text
from stacktrack.errors import ConfigError


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes('\ufeff[stacktrack]\ncurrency = "EUR"\n'.encode())
    assert load_config(path).file.stacktrack.currency == "EUR"


@pytest.mark.parametrize("ending", ["\n", "\r\n", " \r\n", "\t"])
def test_a_token_read_from_the_environment_loses_its_line_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: str
) -> None:
    monkeypatch.setenv("PASTED_TOKEN", "tok-pasted-0123456789" + ending)
    loaded = load_config_text(
        '[sources.m]\nplugin = "manual"\ntoken = { env = "PASTED_TOKEN" }\n',
        path=tmp_path / "c.toml",
    )
    token = loaded.sources["m"].token
    assert token is not None and token.get_secret_value() == "tok-pasted-0123456789"


@pytest.mark.parametrize("quote", ['"', "'"])
def test_readable_config_warning_catches_either_quoting(tmp_path: Path, quote: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[sources.m]\nplugin = "manual"\ntoken = {quote}literal-token-value{quote}\n')
    path.chmod(0o644)
    warnings = load_config(path).warnings
    assert any("readable by other users" in w for w in warnings)
    assert all("literal-token-value" not in w for w in warnings)


def test_an_env_reference_in_a_readable_config_does_not_warn(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[sources.m]\nplugin = "manual"\ntoken = { env = "STACKTRACK_TEST_TOKEN" }\n')
    path.chmod(0o644)
    assert not any("readable by other users" in w for w in load_config(path).warnings)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8765/okta", "http://localhost:9000", "http://[::1]:81/x"]
)
def test_plain_http_to_loopback_is_allowed(tmp_path: Path, url: str) -> None:
    text = f'[sources.m]\nplugin = "manual"\nbase_url = "{url}"\n'
    assert load_config_text(text, path=tmp_path / "c.toml").sources["m"].base_url == url


def test_plain_http_to_a_remote_host_needs_allow_insecure_http(tmp_path: Path) -> None:
    text = '[sources.m]\nplugin = "manual"\nbase_url = "http://proxy.corp.example:3128"\n'
    with pytest.raises(ConfigError, match=r"sources\.m: base_url uses plain http://"):
        load_config_text(text, path=tmp_path / "c.toml")
    allowed = load_config_text(text + "allow_insecure_http = true\n", path=tmp_path / "c.toml")
    assert allowed.sources["m"].allow_insecure_http is True


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ("seats = 4722366482869645213696", "tools[0].contract.seats"),  # 2**72: not even TOML
        ("seats = 9007199254740993", "tools[0].contract.seats"),  # 2**53 + 1
        ("seats = -9007199254740993", "tools[0].contract.seats"),
    ],
)
def test_integers_beyond_2_53_are_refused_naming_the_key(
    tmp_path: Path, line: str, where: str
) -> None:
    text = f'[[tools]]\nid = "t"\nname = "T"\n[tools.contract]\nannual_cost = 1\n{line}\n'
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, path=tmp_path / "c.toml")
    assert where in str(caught.value) or "not valid TOML" in str(caught.value)
