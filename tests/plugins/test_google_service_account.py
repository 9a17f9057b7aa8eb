"""Google Workspace service-account auth (domain-wide delegation) against the emulator's token
endpoint, which verifies the RS256 signature, the admin ``sub`` and the authorised scopes."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stamina
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError
from stacktrack_google_workspace import testkit
from stacktrack_google_workspace.emulator import GoogleWorkspaceData, GoogleWorkspaceEmulator
from stacktrack_google_workspace.plugin import GoogleWorkspacePlugin
from stacktrack_google_workspace.service_account import ServiceAccountAuth, parse_key
from stacktrack_google_workspace.settings import DEFAULT_SCOPES

from stacktrack.errors import AuthenticationError, PluginError
from stacktrack.http import build_client
from stacktrack.plugin_api import CollectContext, Observation

SOURCE = "workspace"
BASE_URL = "https://admin.googleapis.test"
TOKEN_URI = "https://oauth2.googleapis.test/token"
ACCOUNT = "stacktrack@acme-project.iam.gserviceaccount.com"
ADMIN = testkit.USERS["alice"][1]


@pytest.fixture(autouse=True)
def _no_waits() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture(scope="module")
def key_pair() -> tuple[str, str]:
    """(private key PEM, public key PEM) made for this run."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def _key_json(private_pem: str) -> str:
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "acme-project",
            "private_key_id": "k1",
            "private_key": private_pem,
            "client_email": ACCOUNT,
            "client_id": "1234567890",
            "token_uri": TOKEN_URI,
        }
    )


def _data(public_pem: str, scopes: list[str] | None = None) -> GoogleWorkspaceData:
    data = testkit.sample_data()
    data.service_accounts = {ACCOUNT: public_pem}
    data.delegated_scopes = {ACCOUNT: list(DEFAULT_SCOPES) if scopes is None else scopes}
    return data


def _plugin(**auth: Any) -> GoogleWorkspacePlugin:
    raw = {**testkit.settings("unused"), "base_url": BASE_URL, **auth}
    raw.pop("token")
    return GoogleWorkspacePlugin(SOURCE, GoogleWorkspacePlugin.settings_model.model_validate(raw))


async def _collect(
    emulator: GoogleWorkspaceEmulator, plugin: GoogleWorkspacePlugin, config_dir: Path | None = None
) -> Observation:
    async with build_client(plugin, transport=emulator.transport()) as client:
        ctx = CollectContext(source=SOURCE, now=testkit.NOW, config_dir=config_dir)
        return await plugin.collect(client, ctx)


async def test_key_file_mints_one_token_and_every_call_uses_it(
    key_pair: tuple[str, str], tmp_path: Path
) -> None:
    private_pem, public_pem = key_pair
    (tmp_path / "key.json").write_text(_key_json(private_pem))
    emulator = GoogleWorkspaceEmulator(_data(public_pem), token="not-this-one")
    plugin = _plugin(credentials_file="key.json", subject=ADMIN)
    observation = await _collect(emulator, plugin, config_dir=tmp_path)
    assert observation.apps[0].accounts  # the Directory listing went through
    [claims] = emulator.grants  # one exchange for the whole run (many pages, three listings)
    assert claims["iss"] == ACCOUNT and claims["sub"] == ADMIN and claims["aud"] == TOKEN_URI
    assert claims["scope"].split() == list(DEFAULT_SCOPES)
    assert claims["exp"] - claims["iat"] == 3600
    assert list(emulator.issued) == ["ya29.emulated-1"]
    token_posts = [p for verb, p in emulator.log if verb == "POST"]
    assert token_posts == ["/token"]


async def test_key_from_an_environment_reference(key_pair: tuple[str, str]) -> None:
    private_pem, public_pem = key_pair
    emulator = GoogleWorkspaceEmulator(_data(public_pem))
    plugin = _plugin(credentials=_key_json(private_pem), subject=ADMIN)
    observation = await _collect(emulator, plugin)
    assert observation.apps[0].accounts
    assert len(emulator.grants) == 1


async def test_scope_not_authorised_says_where_to_fix_it_and_shows_no_key(
    key_pair: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    private_pem, public_pem = key_pair
    data = _data(public_pem, scopes=[DEFAULT_SCOPES[0]])
    plugin = _plugin(credentials=_key_json(private_pem), subject=ADMIN)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationError) as caught:
        await _collect(GoogleWorkspaceEmulator(data), plugin)
    message = caught.value.message
    assert "unauthorized_client" in message and "Domain-wide delegation" in message
    body = private_pem.splitlines()[1]
    assert body not in str(caught.value) and body not in caplog.text
    assert private_pem in plugin.secrets()  # the core redacts it from anything it logs


async def test_subject_who_is_not_an_admin_is_refused(key_pair: tuple[str, str]) -> None:
    private_pem, public_pem = key_pair
    plugin = _plugin(credentials=_key_json(private_pem), subject=testkit.USERS["bob"][1])
    with pytest.raises(AuthenticationError) as caught:
        await _collect(GoogleWorkspaceEmulator(_data(public_pem)), plugin)
    assert "invalid_grant" in caught.value.message and "subject" in caught.value.message


async def test_a_key_the_tenant_does_not_know_is_refused(key_pair: tuple[str, str]) -> None:
    private_pem, _ = key_pair
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_public = (
        other.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    plugin = _plugin(credentials=_key_json(private_pem), subject=ADMIN)
    with pytest.raises(AuthenticationError) as caught:  # signature does not verify
        await _collect(GoogleWorkspaceEmulator(_data(other_public)), plugin)
    assert "invalid_grant" in caught.value.message


async def test_missing_key_file_names_the_file(tmp_path: Path) -> None:
    plugin = _plugin(credentials_file="absent.json", subject=ADMIN)
    with pytest.raises(PluginError) as caught:
        await _collect(GoogleWorkspaceEmulator(testkit.sample_data()), plugin, config_dir=tmp_path)
    assert "absent.json" in caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
        json.dumps({"client_email": ACCOUNT}),
        json.dumps({"client_email": ACCOUNT, "private_key": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"}),
        json.dumps([1, 2]),
    ],
)
async def test_bad_key_content_is_a_clear_error_that_never_quotes_it(text: str) -> None:
    plugin = _plugin(credentials=text, subject=ADMIN)
    with pytest.raises(PluginError) as caught:
        await _collect(GoogleWorkspaceEmulator(testkit.sample_data()), plugin)
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" not in str(caught.value)
    assert "credentials" in caught.value.message or "service-account key" in caught.value.message


async def test_token_is_minted_again_before_it_expires(key_pair: tuple[str, str]) -> None:
    private_pem, public_pem = key_pair
    emulator = GoogleWorkspaceEmulator(_data(public_pem))
    now = [0.0]
    key = parse_key(_key_json(private_pem), source=SOURCE, where="test key")
    auth = ServiceAccountAuth(
        SOURCE, lambda: key, subject=ADMIN, scopes=list(DEFAULT_SCOPES), clock=lambda: now[0]
    )
    # The emulator checks exp against the real clock: the first token is minted as if 3400 s ago,
    # so it is still valid but inside the refresh margin once the clock reads the real time.
    real = time.time()
    now[0] = real - 3400
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url=BASE_URL, auth=auth
    ) as client:
        params = {"customer": "my_customer"}
        assert (await client.get("/admin/directory/v1/users", params=params)).status_code == 200
        assert (await client.get("/admin/directory/v1/users", params=params)).status_code == 200
        assert auth.exchanges == 1
        now[0] = real  # 199 s left: inside the five-minute margin
        assert (await client.get("/admin/directory/v1/users", params=params)).status_code == 200
    assert auth.exchanges == 2


@pytest.mark.parametrize(
    "auth, wrong",
    [
        ({}, "exactly one"),
        ({"token": "t", "credentials": "{}", "subject": ADMIN}, "exactly one"),
        ({"credentials_file": "key.json"}, "subject"),
        ({"credentials_file": "key.json", "subject": "not-an-email"}, "subject"),
        ({"credentials_file": "key.json", "subject": ADMIN, "scopes": []}, "scopes"),
    ],
)
def test_settings_need_one_way_to_authenticate(auth: dict[str, Any], wrong: str) -> None:
    raw = {"plugin": "google_workspace", **auth}
    with pytest.raises(ValidationError) as caught:
        GoogleWorkspacePlugin.settings_model.model_validate(raw)
    assert wrong in str(caught.value)


def test_key_content_never_appears_in_the_settings_repr(key_pair: tuple[str, str]) -> None:
    private_pem, _ = key_pair
    settings = GoogleWorkspacePlugin.settings_model.model_validate(
        {"plugin": "google_workspace", "credentials": _key_json(private_pem), "subject": ADMIN}
    )
    assert private_pem.splitlines()[1] not in repr(settings)
