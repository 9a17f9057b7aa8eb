"""The ``segment`` plugin: workspace seats and the data-flow graph of one Segment workspace.

Built against shared/vendor-apis crm-and-marketing §6. It lists, concurrently and with Segment's
``pagination.count``/``pagination.cursor`` paging (next cursor in ``data.pagination.next``):

* ``/users``: the workspace members, each holding a seat. Segment exposes no login or activity
  time, so activity stays unknown (never "inactive").
* ``/sources`` and ``/destinations``: every destination belongs to one source, so Segment sits in
  the middle of a graph. A cloud-app source (HubSpot, Salesforce, ... as a source) is an edge
  *into* Segment; a destination is an edge *out of* Segment. Both are named by their catalog name
  (``metadata.name``, e.g. "HubSpot") so the core can match them to tools. Disabled sources and
  destinations carry nothing and are left out, and so are destinations whose source is disabled.

Segment keeps no last-use time for a source or destination in the endpoints above, so ``last_used``
is ``None`` (unknown, which the core counts as live).
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from pydantic import Field, ValidationError

from stacktrack.plugin_api import (
    Account,
    AppUsage,
    BadResponse,
    Capability,
    CollectContext,
    Integration,
    Observation,
    Plugin,
    PluginSettings,
    SecretStr,
    gather_first_error,
    paginate_body_cursor,
)

from .models import Destination, DestinationsPage, Source, SourcesPage, User, UsersPage

_I = TypeVar("_I")

LIBRARY_CATEGORIES = frozenset({"website", "mobile", "server", "ott"})
"""Catalog categories of event libraries (analytics.js, iOS, Node, HTTP API): code the team runs,
not another SaaS app. The notes confirm ``metadata.categories`` but not its values [uncertain], so a
source counts as a cloud app unless *every* category it has is one of these."""


class SegmentSettings(PluginSettings):
    """Settings of a ``segment`` source."""

    token: SecretStr
    """A workspace Public API token whose role can read users, sources and destinations."""
    page_size: int = Field(default=200, ge=1, le=200)
    """``pagination.count`` per request (the docs disagree on the maximum; 200 is safe)."""


class SegmentPlugin(Plugin):
    name = "segment"
    title = "Segment"
    settings_model = SegmentSettings
    default_base_url = "https://api.segmentapis.com"
    observes = frozenset({Capability.ACCOUNTS, Capability.INTEGRATIONS})
    reports_many_apps = False
    product = "segment"

    settings: SegmentSettings

    @classmethod
    def emulator(cls) -> Any:
        from .emulator import SegmentEmulator

        return SegmentEmulator

    def rate_limit_wait(self, response: httpx.Response) -> float | None:
        """429: ``errors[].data.msBeforeNext`` (ms), else ``Retry-After``, else the reset date."""
        if response.status_code != 429:
            return None
        ms = _ms_before_next(response)
        if ms is not None:
            return ms / 1000
        wait = super().rate_limit_wait(response)
        if wait:
            return wait
        return _reset_seconds(response.headers.get("x-ratelimit-reset")) or 0.0

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        users, sources, destinations = await gather_first_error(
            self._list(
                client, ctx, "/users", lambda body: UsersPage.model_validate(body).data.users
            ),
            self._list(
                client, ctx, "/sources", lambda body: SourcesPage.model_validate(body).data.sources
            ),
            self._list(
                client,
                ctx,
                "/destinations",
                lambda body: DestinationsPage.model_validate(body).data.destinations,
            ),
        )
        usage = AppUsage(
            app=None,
            accounts=[_account(user) for user in users],
            activity_known=False,
            integrations=_integrations(sources, destinations),
        )
        return Observation(apps=[usage])

    async def _list(
        self,
        client: httpx.AsyncClient,
        ctx: CollectContext,
        path: str,
        parse: Callable[[Any], list[_I]],
    ) -> list[_I]:
        """Every item of one paginated list; ``parse`` validates a page and returns its items."""
        items: list[_I] = []
        pages = paginate_body_cursor(
            client,
            path,
            source=self.source,
            cursor_param="pagination.cursor",
            next_cursor=_next_cursor,
            params={"pagination.count": self.settings.page_size},
        )
        number = 0
        async for body in pages:
            number += 1
            try:
                items.extend(parse(body))
            except ValidationError as exc:
                where = ".".join(str(part) for part in exc.errors()[0]["loc"]) or "body"
                raise BadResponse(
                    self.source, f"{path} returned an unexpected shape (at {where})"
                ) from None
            ctx.progress(f"{path.strip('/')} page {number}")
        return items


def _account(user: User) -> Account:
    return Account(id=user.id, email=user.email, name=user.name or None)


def _integrations(sources: list[Source], destinations: list[Destination]) -> list[Integration]:
    edges: dict[tuple[str, str], Integration] = {}
    disabled_sources = {source.id for source in sources if source.enabled is False}
    for source in sources:
        if source.enabled is False or not _is_cloud_app(source):
            continue
        name = _catalog_name(source.metadata, source.name)
        if name:
            edges.setdefault(
                (name.casefold(), "source"), Integration(app=name, kind="source", direction="in")
            )
    for destination in destinations:
        # A destination fed only by a disabled source receives nothing. One whose source we did not
        # see (removed between the two listings) is kept: it is enabled and may still carry data.
        if destination.enabled is False or destination.sourceId in disabled_sources:
            continue
        name = _catalog_name(destination.metadata, destination.name)
        if name:
            edges.setdefault(
                (name.casefold(), "destination"),
                Integration(app=name, kind="destination", direction="out"),
            )
    return sorted(edges.values(), key=lambda edge: (edge.app.casefold(), edge.kind))


def _is_cloud_app(source: Source) -> bool:
    if source.metadata is None:
        return False  # no catalog entry: nothing says what it is, and its label names no product
    categories = {c.strip().casefold() for c in source.metadata.categories}
    return not categories or not categories <= LIBRARY_CATEGORIES


def _catalog_name(metadata: Any, instance_name: str | None) -> str | None:
    """The catalog name ("HubSpot") matches tools; the instance label ("Prod HubSpot") is the
    last resort."""
    for candidate in (
        getattr(metadata, "name", None),
        getattr(metadata, "slug", None),
        instance_name,
    ):
        if candidate and candidate.strip():
            return candidate.strip()
    return None


def _next_cursor(body: Any) -> str | None:
    data = body.get("data") if isinstance(body, dict) else None
    pagination = data.get("pagination") if isinstance(data, dict) else None
    following = pagination.get("next") if isinstance(pagination, dict) else None
    if following is not None and not isinstance(following, str):
        raise TypeError("pagination.next is not a string")
    return following or None


def _ms_before_next(response: httpx.Response) -> float | None:
    # The transport has read the body already; a 429 without a JSON body is possible, so be careful.
    try:
        body = response.json()
    except ValueError:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    for error in errors if isinstance(errors, list) else []:
        data = error.get("data") if isinstance(error, dict) else None
        value = data.get("msBeforeNext") if isinstance(data, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return max(0.0, float(value))
    return None


def _reset_seconds(value: str | None) -> float | None:
    """``X-RateLimit-Reset`` is an RFC 5322 date, not an epoch (the notes insist)."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())
