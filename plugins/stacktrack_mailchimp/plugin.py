"""The ``mailchimp`` plugin: which applications are connected to a Mailchimp account.

Mailchimp's Marketing API lists no users or seats (docs/plugins/mailchimp.md explains how the tool is
observed instead: SSO sign-ins, OAuth grants, ``integrates_with``). What it does list is the
account's authorized applications, ``GET /3.0/authorized-apps`` (``count`` up to 1000, ``offset``,
``total_items``), reported here as integrations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import httpx

from stacktrack.plugin_api import (
    AppUsage,
    BadResponse,
    Capability,
    CollectContext,
    Integration,
    Observation,
    Plugin,
    PluginSettings,
    get_json,
    header_auth,
    parse_items,
    parse_model,
)
from stacktrack_mailchimp.models import AuthorizedApp, AuthorizedApps
from stacktrack_mailchimp.settings import MailchimpSettings

if TYPE_CHECKING:  # the emulator is for tests and the sandbox, never the engine
    from stacktrack_mailchimp.emulator import MailchimpEmulator


APPS_PATH = "/authorized-apps"
COUNT = 1000  # the documented maximum
MAX_PAGES = 10_000


class MailchimpPlugin(Plugin[MailchimpSettings]):
    name: ClassVar[str] = "mailchimp"
    title: ClassVar[str] = "Mailchimp (connected apps)"
    settings_model: ClassVar[type[PluginSettings]] = MailchimpSettings
    default_base_url: ClassVar[str | None] = None
    observes: ClassVar[frozenset[Capability]] = frozenset({Capability.INTEGRATIONS})
    product: ClassVar[str | None] = "mailchimp"

    def auth(self) -> httpx.Auth | None:
        settings = self.settings
        secret = settings.token.get_secret_value()
        if settings.auth == "oauth":
            return header_auth("Authorization", f"Bearer {secret}")
        return httpx.BasicAuth("stacktrack", secret)

    @classmethod
    def emulator(cls) -> type[MailchimpEmulator]:
        from stacktrack_mailchimp.emulator import MailchimpEmulator

        return MailchimpEmulator

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        apps: dict[str, AuthorizedApp] = {}
        offset = 0
        for page in range(1, MAX_PAGES + 1):
            body = await get_json(
                client, APPS_PATH, source=self.source, params={"count": COUNT, "offset": offset}
            )
            ctx.progress(f"authorized apps page {page}")
            listing = parse_model(AuthorizedApps, body, source=self.source, what="the app list")
            batch = parse_items(
                AuthorizedApp, listing.apps, source=self.source, what="the app list"
            )
            fresh = [app for app in batch if str(app.id) not in apps]
            if batch and not fresh:
                raise BadResponse(self.source, "pagination loop: the app list repeated a page")
            apps.update((str(app.id), app) for app in fresh)
            offset += len(batch)
            if not batch or offset >= listing.total_items:
                break
        else:
            raise BadResponse(self.source, f"the app list returned more than {MAX_PAGES} pages")
        return Observation(
            apps=[
                AppUsage(
                    app=None,
                    accounts=None,  # the Marketing API lists no users
                    integrations=[
                        Integration(
                            app=app.name,
                            kind="mailchimp_authorized_app",
                            direction="both",
                            last_used=None,  # not reported: a connected app counts as live
                            active_users=len(app.users) or None,
                        )
                        for app in apps.values()
                    ],
                )
            ]
        )
