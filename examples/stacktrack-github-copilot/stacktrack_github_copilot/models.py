"""The GitHub Copilot seat listing, as far as the plugin reads it.

``GET /orgs/{org}/copilot/billing/seats`` answers ``{"total_seats": n, "seats": [...]}``; each seat has
``assignee`` (a user: ``login``, ``id``, ``type``), ``created_at``, ``last_activity_at`` (``null``
when the IDE sends no telemetry, so unknown rather than unused) and ``pending_cancellation_date``.
Unknown keys are ignored: the endpoint is in public preview and grows fields.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Vendor(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Assignee(_Vendor):
    login: str
    id: int
    type: str = "User"


class Seat(_Vendor):
    assignee: Assignee
    created_at: str | None = None
    updated_at: str | None = None
    last_activity_at: str | None = None
    last_activity_editor: str | None = None
    pending_cancellation_date: str | None = None
    plan_type: str | None = None


class SeatPage(_Vendor):
    total_seats: int
    seats: list[Seat] = Field(default_factory=list)
