"""The ``github_copilot`` plugin: who holds a GitHub Copilot seat in one organization, and when each
seat holder last used Copilot (docs: README.md of this package).

One endpoint, ``GET /orgs/{org}/copilot/billing/seats`` (``per_page`` up to 100, RFC 8288 ``Link``
paging), with ``Accept: application/vnd.github+json`` and ``X-GitHub-Api-Version: 2022-11-28``. Seats
carry a GitHub ``login``, never an e-mail: ``emails`` maps logins to people so that the seats merge
with the other sources; unmapped seats still count, under their login. ``last_activity_at`` is null
when the editor sends no telemetry, so a seat without it is "no activity on record", not "unused".
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, ClassVar

import httpx

from stacktrack.plugin_api import (
    Account,
    ActivityKind,
    AppUsage,
    BadResponse,
    Capability,
    CollectContext,
    Observation,
    Plugin,
    PluginSettings,
    paginate_link_header,
    parse_model,
    parse_vendor_time,
)
from stacktrack_github_copilot.models import SeatPage
from stacktrack_github_copilot.settings import GitHubCopilotSettings

if TYPE_CHECKING:  # the emulator is for tests and the sandbox, never the engine
    from stacktrack_github_copilot.emulator import GitHubCopilotEmulator

PAGE_SIZE = 100
HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


class GitHubCopilotPlugin(Plugin[GitHubCopilotSettings]):
    name: ClassVar[str] = "github_copilot"
    title: ClassVar[str] = "GitHub Copilot"
    settings_model: ClassVar[type[PluginSettings]] = GitHubCopilotSettings
    default_base_url: ClassVar[str | None] = "https://api.github.com"
    observes: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.SEATS, Capability.ACCOUNTS, Capability.ACTIVITY}
    )
    product: ClassVar[str | None] = "github_copilot"

    @classmethod
    def emulator(cls) -> type[GitHubCopilotEmulator]:
        from stacktrack_github_copilot.emulator import GitHubCopilotEmulator

        return GitHubCopilotEmulator

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        settings = self.settings
        emails = {login.lower(): email for login, email in settings.emails.items()}
        accounts: list[Account] = []
        total: int | None = None
        url = f"/orgs/{settings.org}/copilot/billing/seats"
        async for body in paginate_link_header(
            client, url, source=self.source, params={"per_page": PAGE_SIZE}
        ):
            page = parse_model(SeatPage, body, source=self.source, what="the seat listing")
            total = page.total_seats
            for seat in page.seats:
                login = seat.assignee.login
                last = parse_vendor_time(
                    seat.last_activity_at, source=self.source, what=f"{login}'s last_activity_at"
                )
                if last is not None and last > ctx.now:
                    last = None  # activity after the run clock is not "as of" the run
                accounts.append(
                    Account(
                        id=login,
                        email=emails.get(login.lower()),
                        name=login,
                        last_active=last,
                        activity_kind=ActivityKind.FEATURE if last else None,
                    )
                )
            ctx.progress(f"{len(accounts)} seats")
        if total is not None and total < len(accounts):
            raise BadResponse(self.source, f"listed {len(accounts)} seats but says {total}")
        return Observation(
            apps=[
                AppUsage(
                    seats_purchased=total,
                    accounts=accounts,
                    activity_known=True,
                    integrations=None,
                )
            ],
            notes=[],
        )

    def auth(self) -> httpx.Auth:
        return _GitHubAuth(self.settings.token.get_secret_value())


class _GitHubAuth(httpx.Auth):
    """Bearer token plus the media type and API version GitHub asks clients to send."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        request.headers.update(HEADERS)
        yield request

    def __repr__(self) -> str:
        return "<GitHubAuth ***>"
