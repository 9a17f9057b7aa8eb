"""The ``mailchimp`` plugin against its emulator: the authorized apps become integrations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stamina
from pydantic import ValidationError
from stacktrack_mailchimp import testkit
from stacktrack_mailchimp.emulator import MailchimpEmulator
from stacktrack_mailchimp.plugin import MailchimpPlugin, MailchimpSettings

from stacktrack.http import build_client
from stacktrack.plugin_api import CollectContext, Observation

SOURCE = "mailchimp"
KEY = "0123456789abcdef0123456789abcdef-us6"


@pytest.fixture(autouse=True)
def no_backoff_sleeps() -> Iterator[None]:
    with stamina.set_testing(True, attempts=5):
        yield


@pytest.fixture
def emulator() -> MailchimpEmulator:
    return MailchimpEmulator(testkit.sample_data(), token=KEY, prefix="/mailchimp")


async def collect(emulator: MailchimpEmulator, **extra: Any) -> Observation:
    table = {
        "plugin": "mailchimp",
        "token": KEY,
        "base_url": "https://sandbox.test/mailchimp",
        **extra,
    }
    plugin = MailchimpPlugin(SOURCE, MailchimpSettings.model_validate(table))
    async with build_client(plugin, transport=emulator.transport()) as client:
        return await plugin.collect(client, CollectContext(source=SOURCE, now=testkit.NOW))


async def test_authorized_apps_are_integrations_and_no_accounts(
    emulator: MailchimpEmulator,
) -> None:
    (app,) = (await collect(emulator)).apps
    assert app.accounts is None  # Mailchimp lists no users: unknown, not zero
    found = {i.app: i for i in app.integrations or []}
    assert list(found) == ["Zapier", "HubSpot", "Shopify", "Canva", "Salesforce"]
    assert found["HubSpot"].active_users == 2
    assert found["Canva"].active_users is None
    assert all(i.last_used is None for i in found.values())
    assert sum(1 for _, path in emulator.log if "authorized-apps" in path) == 3


async def test_oauth_token_as_bearer(emulator: MailchimpEmulator) -> None:
    emulator.token = "oauth-token-without-suffix"
    (app,) = (await collect(emulator, token="oauth-token-without-suffix", auth="oauth")).apps
    assert len(app.integrations or []) == 5


def test_data_center_from_the_key_or_required() -> None:
    settings = MailchimpSettings.model_validate({"plugin": "mailchimp", "token": KEY})
    assert settings.base_url == "https://us6.api.mailchimp.com/3.0"
    with pytest.raises(ValidationError, match="server_prefix"):
        MailchimpSettings.model_validate({"plugin": "mailchimp", "token": "tok", "auth": "oauth"})


def test_emulator_caps_count_at_1000(emulator: MailchimpEmulator) -> None:
    request = httpx.Request(
        "GET",
        "https://x.test/mailchimp/authorized-apps?count=1001",
        headers={"Authorization": f"Bearer {KEY}"},
    )
    response = emulator.handle(request)
    assert response.status_code == 400 and response.json()["title"] == "Invalid Resource"
