"""Segment Public API payloads, as ``plugin.py`` reads them (docs/plugins/segment.md).

Every answer is wrapped in ``{"data": {...}}``. Only the fields the plugin uses are declared. The
notes mark ``DestinationMetadataV1`` beyond ``id``/``name`` and the source metadata's sub-fields as
uncertain, so everything past ``id`` is optional here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Pagination(_Payload):
    current: str | None = None
    next: str | None = None
    """The cursor of the next page; ``null`` or absent on the last page."""
    previous: str | None = None
    totalEntries: int | None = None


class User(_Payload):
    id: str
    name: str | None = None
    email: str | None = None


class UsersData(_Payload):
    users: list[User] = Field(default_factory=list)
    pagination: Pagination | None = None


class UsersPage(_Payload):
    data: UsersData


class SourceMetadata(_Payload):
    """The catalog entry of a source's kind: ``name`` is the product ("HubSpot", "Javascript")."""

    id: str | None = None
    name: str | None = None
    slug: str | None = None
    categories: list[str] = Field(default_factory=list)


class Source(_Payload):
    id: str
    name: str | None = None
    """The workspace's own label for this source instance ("Prod HubSpot")."""
    slug: str | None = None
    enabled: bool | None = None
    metadata: SourceMetadata | None = None


class SourcesData(_Payload):
    sources: list[Source] = Field(default_factory=list)
    pagination: Pagination | None = None


class SourcesPage(_Payload):
    data: SourcesData


class DestinationMetadata(_Payload):
    id: str | None = None
    name: str | None = None
    slug: str | None = None


class Destination(_Payload):
    id: str
    name: str | None = None
    enabled: bool | None = None
    metadata: DestinationMetadata | None = None
    sourceId: str | None = None


class DestinationsData(_Payload):
    destinations: list[Destination] = Field(default_factory=list)
    pagination: Pagination | None = None


class DestinationsPage(_Payload):
    data: DestinationsData


class DeliveryPoint(_Payload):
    time: dt.datetime | None = None
    count: int | None = None


class DeliveryRow(_Payload):
    total: int | None = None
    series: list[DeliveryPoint] = Field(default_factory=list)


class DeliveryMetrics(_Payload):
    """Delivery Overview metrics: ``{total, dataset[]{total, series[]{time, count}}}`` (SDK
    models; the endpoint is beta, so every field is optional)."""

    total: int | None = None
    dataset: list[DeliveryRow] = Field(default_factory=list)


class DeliveryPage(DeliveryMetrics):
    """The answer, inside Segment's usual ``data`` wrapper or (defensively) without it."""

    data: DeliveryMetrics | None = None


class MtuSnapshot(_Payload):
    """One day of ``GET /usage/mtu/daily`` (``MtuSnapshotV1``): counts cumulative over the usage
    month, sent as **strings**. ``periodStart``/``periodEnd`` are numbers whose unit the SDK does
    not say: kept, never used (the period is the ``period`` asked for). Every field is taken as it
    comes: ``plugin.py`` reads a count only from digits and a time only from a timestamp, and
    anything else is unknown."""

    periodStart: Any = None
    periodEnd: Any = None
    anonymous: Any = None
    anonymousIdentified: Any = None
    identified: Any = None
    neverIdentified: Any = None
    timestamp: Any = None


class MtuData(_Payload):
    dailyWorkspaceMTUUsage: list[MtuSnapshot] = Field(default_factory=list)
    pagination: Pagination | None = None


class MtuPage(_Payload):
    data: MtuData


class ApiCallsSnapshot(_Payload):
    """One day of ``GET /usage/api-calls/daily`` (``APICallSnapshotV1``): ``apiCalls`` is a
    string, cumulative over the usage month."""

    apiCalls: Any = None
    timestamp: Any = None


class ApiCallsData(_Payload):
    dailyWorkspaceAPICallsUsage: list[ApiCallsSnapshot] = Field(default_factory=list)
    pagination: Pagination | None = None


class ApiCallsPage(_Payload):
    data: ApiCallsData
