"""The ``manual`` plugin: figures typed into the config, for tools without an API.

A tool whose vendor offers no usage API can still be judged: the owner types the seat counts from
the vendor's admin page. Counts only, no people: the tool gets utilization and cost per active user,
but no never-active list (that needs accounts).
"""

from __future__ import annotations

from pydantic import Field

from stacktrack.plugin_api import (
    AppUsage,
    Capability,
    CollectContext,
    Integration,
    LocalPlugin,
    Observation,
    PluginSettings,
)


class ManualSettings(PluginSettings):
    purchased: int | None = Field(default=None, ge=0)
    """Seats purchased, as the vendor's admin page shows them."""
    assigned: int | None = Field(default=None, ge=0)
    """Seats assigned to people."""
    active: int | None = Field(default=None, ge=0)
    """People active in the tool's active window (the admin page's "active users")."""
    integrations: list[str] | None = None
    """Apps this tool is connected to, by name; omit when unknown (an empty list means none)."""


class ManualPlugin(LocalPlugin[ManualSettings]):
    name = "manual"
    title = "Manual figures from the config"
    settings_model = ManualSettings
    observes = frozenset(
        {Capability.SEATS, Capability.ACCOUNTS, Capability.ACTIVITY, Capability.INTEGRATIONS}
    )

    async def collect(self, ctx: CollectContext) -> Observation:
        settings = self.settings
        integrations = (
            None
            if settings.integrations is None
            else [Integration(app=name, kind="manual") for name in settings.integrations]
        )
        return Observation(
            apps=[
                AppUsage(
                    seats_purchased=settings.purchased,
                    seats_used=settings.assigned,
                    active_users_reported=settings.active,
                    activity_known=settings.active is not None,
                    integrations=integrations,
                )
            ]
        )
