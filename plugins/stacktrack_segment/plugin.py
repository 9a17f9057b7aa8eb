"""The ``segment`` plugin: workspace seats and the data-flow graph of one Segment workspace.

Built against docs/plugins/segment.md. It lists, concurrently and with Segment's
``pagination.count``/``pagination.cursor`` paging (next cursor in ``data.pagination.next``):

* ``/users``: the workspace members, each holding a seat. Segment exposes no login or activity
  time, so activity stays unknown (never "inactive").
* ``/sources`` and ``/destinations``: every destination belongs to one source, so Segment sits in
  the middle of a graph. A cloud-app source (HubSpot, Salesforce, ... as a source) is an edge
  *into* Segment; a destination is an edge *out of* Segment. Both are named by their catalog name
  (``metadata.name``, e.g. "HubSpot") so the core can match them to tools. Disabled sources and
  destinations carry nothing and are left out, and so are destinations whose source is disabled.

Delivery Overview (``GET /delivery-overview/successful-delivery``, a beta endpoint) gives, per
enabled destination, the events delivered successfully over the last ``min(lookback, 30)`` days at
day granularity (Segment's limit for ``DAY``): ``use_count`` = that total and ``last_used`` = the
last day with a delivery. An enabled destination that delivered **nothing** gets ``use_count = 0``
and no ``last_used``: a stale integration (the core reads "observed, none" as stale), not a live
edge. Sources keep ``last_used = None`` (unknown, which the core counts as live). If Delivery
Overview is refused, destinations fall back to unknown (live) with a note.

Plan volume (``GET /usage/mtu/daily`` and ``GET /usage/api-calls/daily``, ``period`` = the first day
of the current usage month): each answers one row per day with counts **cumulative** over the month,
sent as strings. The latest row is the month-to-date figure: tracked users = ``identified +
neverIdentified`` (docs/plugins/segment.md says why), API calls = ``apiCalls``. Which of the two
answers depends on how the plan is priced; a metric with no row, or refused (403/404/422), is left
out, and when neither gives a figure the volume is not observed (a note says why), never 0.

The Public API is for Team and Business plans only: a 403 on the listings becomes a note saying so
(the same 403 also means a token whose role cannot read them), never a failed source.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import math
import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from pydantic import BaseModel

from stacktrack.plugin_api import (
    MAX_COUNT,
    Account,
    AppUsage,
    AuthenticationError,
    BadResponse,
    Capability,
    CollectContext,
    Integration,
    Observation,
    Plugin,
    PluginError,
    VolumeMetric,
    VolumeUsage,
    gather_first_error,
    get_json,
    json_or_none,
    paginate_body_cursor,
    parse_model,
    parse_pages,
    parse_time,
)
from stacktrack_segment.settings import SegmentSettings

from .models import (
    ApiCallsPage,
    ApiCallsSnapshot,
    DeliveryPage,
    Destination,
    DestinationsPage,
    MtuPage,
    MtuSnapshot,
    Source,
    SourcesPage,
    User,
    UsersPage,
)

if TYPE_CHECKING:  # the emulator is for tests and the sandbox, never the engine
    from stacktrack_segment.emulator import SegmentEmulator


_I = TypeVar("_I")
_P = TypeVar("_P", bound=BaseModel)

LIBRARY_CATEGORIES = frozenset({"website", "mobile", "server", "ott"})
"""Catalog categories of event libraries (analytics.js, iOS, Node, HTTP API): code the team runs,
not another SaaS app. ``metadata.categories`` is confirmed but its values are not [uncertain:
docs/plugins/segment.md], so a source counts as a cloud app unless *every* category it has is one
of these."""


DELIVERY_WINDOW_DAYS = 30
"""Delivery Overview at day granularity: a window of at most 30 days, starting at most 30 days ago."""


USAGE_ENDPOINTS: tuple[tuple[VolumeMetric, str, str], ...] = (
    ("mtu", "/usage/mtu/daily", "tracked users"),
    ("api_calls", "/usage/api-calls/daily", "API calls"),
)
"""Metric, path, words: the two workspace usage endpoints (MTU-priced and throughput-priced plans)."""

_DIGITS = re.compile(r"[0-9]{1,16}")
"""A count as Segment sends it: a string of ASCII digits (16 at most: beyond that it is no count)."""


class SegmentPlugin(Plugin[SegmentSettings]):
    name = "segment"
    title = "Segment"
    settings_model = SegmentSettings
    default_base_url = "https://api.segmentapis.com"
    observes = frozenset({Capability.ACCOUNTS, Capability.INTEGRATIONS})
    reports_many_apps = False
    product = "segment"

    @classmethod
    def emulator(cls) -> type[SegmentEmulator]:
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
        try:
            return await self._collect(client, ctx)
        except AuthenticationError as exc:
            if exc.status_code != 403:
                raise
            return Observation(
                apps=[AppUsage(app=None)],
                notes=[
                    "Segment refused the Public API (HTTP 403): it needs a Team or Business plan "
                    "(Free workspaces have no Public API) and a token whose role can read users, "
                    "sources and destinations; seats and integrations unknown"
                ],
            )

    async def _collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        notes: list[str] = []
        users, sources, destinations = await gather_first_error(
            self._list(client, ctx, "/users", UsersPage, lambda page: page.data.users),
            self._list(client, ctx, "/sources", SourcesPage, lambda page: page.data.sources),
            self._list(
                client, ctx, "/destinations", DestinationsPage, lambda page: page.data.destinations
            ),
        )
        deliveries = await self._deliveries(client, ctx, sources, destinations, notes)
        volume = await self._volume(client, ctx, notes)
        usage = AppUsage(
            app=None,
            accounts=[_account(user) for user in users],
            activity_known=False,
            integrations=_integrations(sources, destinations, deliveries),
            volume=volume,
        )
        return Observation(apps=[usage], notes=notes)

    async def _volume(
        self, client: httpx.AsyncClient, ctx: CollectContext, notes: list[str]
    ) -> list[VolumeUsage] | None:
        """Month-to-date tracked users and API calls, each where Segment reports it; ``None`` (and
        a note saying why) when neither endpoint gives a figure."""
        today = ctx.now.astimezone(dt.UTC).date()
        month = today.replace(day=1)
        answers = await asyncio.gather(
            *(self._usage(client, ctx, metric, path, month) for metric, path, _ in USAGE_ENDPOINTS)
        )
        found = [answer for answer in answers if isinstance(answer, VolumeUsage)]
        if found:
            return found
        why = "; ".join(
            f"{path} {answer}"
            for (_, path, _), answer in zip(USAGE_ENDPOINTS, answers, strict=True)
        )
        notes.append(
            f"Segment reported no plan volume for {month:%B %Y} ({why}): tracked users and API "
            "calls unknown. Segment answers usage only for the metric the plan is priced by "
            "(MTU or throughput plans), and a new month may have no day counted yet"
        )
        return None

    async def _usage(
        self,
        client: httpx.AsyncClient,
        ctx: CollectContext,
        metric: VolumeMetric,
        path: str,
        month: dt.date,
    ) -> VolumeUsage | str:
        """The latest cumulative count of one usage endpoint, or why there is none."""
        period = month.isoformat()
        rows: Sequence[MtuSnapshot | ApiCallsSnapshot]
        try:
            if metric == "mtu":
                mtu = await self._list(
                    client, ctx, path, MtuPage, lambda p: p.data.dailyWorkspaceMTUUsage,
                    period=period,
                )  # fmt: skip
                rows = mtu
            else:
                calls = await self._list(
                    client, ctx, path, ApiCallsPage, lambda p: p.data.dailyWorkspaceAPICallsUsage,
                    period=period,
                )  # fmt: skip
                rows = calls
        except PluginError as exc:
            if isinstance(exc, BadResponse) or exc.status_code not in (403, 404, 422):
                raise
            return f"answered HTTP {exc.status_code}"
        if not rows:
            return f"listed no day of {month:%B %Y}"
        counted: list[tuple[dt.datetime | None, int]] = []
        for row in rows:
            used = _tracked_users(row) if isinstance(row, MtuSnapshot) else _count(row.apiCalls)
            if used is not None:
                counted.append((_timestamp(row.timestamp), used))
        if not counted:
            return "sent no count as a whole number"
        # Cumulative counts: the latest dated day is the month so far; without dates, the largest.
        dated = [(when, used) for when, used in counted if when is not None]
        as_of: dt.datetime | None
        if dated:
            as_of, used = max(dated, key=lambda entry: entry[0])
        else:
            as_of, used = None, max(used for _, used in counted)
        return VolumeUsage(
            metric=metric,
            used=used,
            period_start=month,
            period_end=_month_end(month),
            as_of=as_of,
        )

    async def _deliveries(
        self,
        client: httpx.AsyncClient,
        ctx: CollectContext,
        sources: list[Source],
        destinations: list[Destination],
        notes: list[str],
    ) -> dict[str, tuple[int, dt.datetime | None]] | None:
        """Destination id -> (events delivered in the window, last day with one); ``None`` when
        Delivery Overview cannot be read."""
        enabled_sources = {source.id for source in sources if source.enabled is not False}
        wanted = [
            d for d in destinations if d.enabled is not False and d.sourceId in enabled_sources
        ]
        if not wanted:
            return {}
        end = ctx.now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        days = min(ctx.lookback_days, DELIVERY_WINDOW_DAYS)
        start = end - dt.timedelta(days=days)
        try:
            counts = await asyncio.gather(*(self._delivered(client, d, start, end) for d in wanted))
        except PluginError as exc:
            if isinstance(exc, BadResponse) or exc.status_code not in (400, 403, 404):
                raise
            notes.append(
                f"Segment refused Delivery Overview (HTTP {exc.status_code}): events delivered "
                "per destination unknown, so every enabled destination counts as live"
            )
            return None
        ctx.progress("delivery overview read")
        if days < ctx.lookback_days:
            notes.append(
                f"Segment's Delivery Overview covers at most {DELIVERY_WINDOW_DAYS} days at day "
                f"granularity: destination deliveries are for the last {days} days"
            )
        return {d.id: count for d, count in zip(wanted, counts, strict=True)}

    async def _delivered(
        self,
        client: httpx.AsyncClient,
        destination: Destination,
        start: dt.datetime,
        end: dt.datetime,
    ) -> tuple[int, dt.datetime | None]:
        params = {
            "sourceId": destination.sourceId or "",
            "destinationConfigId": destination.id,
            "startTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "granularity": "DAY",
        }
        body = await get_json(
            client, "/delivery-overview/successful-delivery", source=self.source, params=params
        )
        page = parse_model(DeliveryPage, body, source=self.source, what="Delivery Overview")
        metrics = page.data if page.data is not None else page
        last: dt.datetime | None = None
        for row in metrics.dataset:
            for point in row.series:
                if point.count and point.time is not None and (last is None or point.time > last):
                    last = point.time
        total = metrics.total
        if total is None:
            total = sum(row.total or 0 for row in metrics.dataset)
        return total, last

    async def _list(
        self,
        client: httpx.AsyncClient,
        ctx: CollectContext,
        path: str,
        model: type[_P],
        items: Callable[[_P], list[_I]],
        **query: str,
    ) -> list[_I]:
        """Every item of one paginated list: each page parsed as ``model``, ``items`` of it;
        ``query`` adds parameters (the usage endpoints' ``period``)."""
        pages = paginate_body_cursor(
            client,
            path,
            source=self.source,
            cursor_param="pagination.cursor",
            next_cursor=_next_cursor,
            params={"pagination.count": self.settings.page_size, **query},
        )
        what = path.strip("/")
        return [
            item
            async for page in parse_pages(
                model, pages, source=self.source, what=what, progress=ctx.progress
            )
            for item in items(page)
        ]


def _account(user: User) -> Account:
    return Account(id=user.id, email=user.email, name=user.name or None)


def _integrations(
    sources: list[Source],
    destinations: list[Destination],
    deliveries: dict[str, tuple[int, dt.datetime | None]] | None = None,
) -> list[Integration]:
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
        if not name:
            continue
        key = (name.casefold(), "destination")
        edge = edges.setdefault(key, Integration(app=name, kind="destination", direction="out"))
        if deliveries is None:
            continue  # not measured: unknown, counted as live
        count, last = deliveries.get(destination.id, (None, None))
        if count is None:
            continue
        # Several instances of one product (two HubSpot portals) make one edge: sum, latest.
        total = (edge.use_count or 0) + count
        latest = max((t for t in (edge.last_used, last) if t is not None), default=None)
        edges[key] = edge.model_copy(update={"use_count": total, "last_used": latest})
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


def _count(value: Any) -> int | None:
    """A usage count: Segment sends strings of digits; anything else is unknown, not 0."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_COUNT else None
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
        return number if number <= MAX_COUNT else None
    return None


def _tracked_users(row: MtuSnapshot) -> int | None:
    """Tracked users = ``identified`` (user ids) + ``neverIdentified`` (anonymous ids never tied
    to a user id). ``anonymous`` and ``anonymousIdentified`` are not added: Segment counts an
    anonymous visitor who later identifies once, so adding them would count people twice
    (docs/plugins/segment.md; the categories' sum is not documented)."""
    identified = _count(row.identified)
    never = _count(row.neverIdentified)
    if identified is None or never is None or identified + never > MAX_COUNT:
        return None
    return identified + never


def _timestamp(value: Any) -> dt.datetime | None:
    try:
        return parse_time(value)
    except (ValueError, OverflowError, OSError, TypeError):
        return None  # a day without a readable date still has its count


def _month_end(month: dt.date) -> dt.date:
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return following - dt.timedelta(days=1)


def _next_cursor(body: Any) -> str | None:
    data = body.get("data") if isinstance(body, dict) else None
    pagination = data.get("pagination") if isinstance(data, dict) else None
    following = pagination.get("next") if isinstance(pagination, dict) else None
    if following is not None and not isinstance(following, str):
        raise TypeError("pagination.next is not a string")
    return following or None


def _ms_before_next(response: httpx.Response) -> float | None:
    # The transport has read the body already; a 429 without a JSON body is possible, so be careful.
    body = json_or_none(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    for error in errors if isinstance(errors, list) else []:
        data = error.get("data") if isinstance(error, dict) else None
        value = data.get("msBeforeNext") if isinstance(data, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return max(0.0, float(value))
    return None


def _reset_seconds(value: str | None) -> float | None:
    """``X-RateLimit-Reset`` is an RFC 5322 date, not an epoch (docs/plugins/segment.md)."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())
