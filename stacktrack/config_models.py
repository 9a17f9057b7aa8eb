"""The configuration's shape (docs/reference.md) as pydantic models; ``config.py`` loads files.

Every field has an attribute docstring: ``stacktrack config validate`` and the docs quote them.
Sources are kept as raw tables here; the second validation pass turns each into its plugin's
settings model (``config.load_config`` does that, through the registry).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GeneralSettings(_Strict):
    currency: str = "USD"
    """Reporting currency (ISO 4217); every cost is converted into it through ``[stacktrack.fx]``."""
    active_window_days: int = Field(default=30, ge=1, le=3650)
    """A user is active if their last activity is at most this many days old (per tool override)."""
    pilot_grace_days: int = Field(default=60, ge=0, le=3650)
    """A tool younger than this is never called pilot theatre."""
    integration_window_days: int = Field(default=30, ge=1, le=3650)
    """An integration unused for longer than this is stale."""
    renewal_window_days: int = Field(default=90, ge=1, le=3650)
    """A notice deadline within this many days flags the tool ``renewal_soon``."""
    database: str | None = None
    """Path to the SQLite database; default: the platformdirs user data dir."""
    fx: dict[str, float] = Field(default_factory=dict)
    """Static rates into the reporting currency: ``EUR = 1.08`` means 1 EUR = 1.08 USD."""

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha():
            raise ValueError("a three-letter ISO 4217 currency code such as USD or EUR")
        return value.upper()

    @field_validator("fx")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        for code, rate in value.items():
            if len(code) != 3 or not code.isalpha():
                raise ValueError(f"currency codes as keys (got {code!r})")
            if rate <= 0:
                raise ValueError(f"a positive rate for {code}")
        return {code.upper(): rate for code, rate in value.items()}


class Addon(_Strict):
    """A paid add-on with its own price and seats (``[[tools.contract.addons]]``)."""

    feature: str = Field(min_length=1)
    """The feature key the add-on buys (docs/methodology.md, "Feature vocabulary"), e.g.
    ``"ai-assistant"`` for Sales Cloud Einstein or Gemini; the vendor's own name works where the
    catalog maps it."""
    annual_cost: float | None = Field(default=None, ge=0)
    """What the add-on costs per year, in the contract's currency; omit when unknown."""
    seats: int | None = Field(default=None, ge=0)
    """Add-on seats purchased; omit to take the count from the vendor API where it exposes one."""


class Contract(_Strict):
    annual_cost: float = Field(ge=0)
    """What the contract costs per year, in ``currency``."""
    currency: str | None = None
    """Contract currency; default: the reporting currency."""
    pricing: Literal["per_seat", "flat", "usage"] = "per_seat"
    """``per_seat`` contracts can be right-sized; ``flat`` and ``usage`` cannot."""
    seats: int | None = Field(default=None, ge=0)
    """Seats purchased; omit to take the count from the vendor API where it exposes one."""
    start_date: dt.date | None = None
    """Contract start; the pilot-theatre grace period counts from here (else from first seen)."""
    renewal_date: dt.date | None = None
    notice_days: int = Field(default=0, ge=0, le=3650)
    """Days before renewal by which notice must be given; the notice deadline is renewal - this."""
    tier: str | None = Field(default=None, min_length=1)
    """The plan bought (``"professional"``); with the catalog's tiers it gives the entitled features."""
    features: list[str] | None = None
    """The features the contract pays for (feature keys); overrides the catalog's list for the tier."""
    downgrade_annual_cost: float | None = Field(default=None, ge=0)
    """What the tier below would cost per year, in the contract's currency (downgrade savings)."""
    addons: list[Addon] = Field(default_factory=list)
    """Paid add-ons with their own price and seats."""
    plan_volume: int | None = Field(default=None, ge=1, le=2**53 - 1)
    """The volume the plan includes per month (e.g. 100000 tracked users); needs
    ``plan_volume_metric``. The volume figure compares the vendor's count with it."""
    plan_volume_metric: Literal["mtu", "api_calls"] | None = None
    """What ``plan_volume`` counts: ``"mtu"`` (monthly tracked users) or ``"api_calls"``
    (the plugin API's ``VolumeMetric``)."""

    @model_validator(mode="after")
    def _plan_volume(self) -> Contract:
        if self.plan_volume is not None and self.plan_volume_metric is None:
            raise ValueError(
                'plan_volume_metric: say what plan_volume counts ("mtu" or "api_calls")'
            )
        if self.plan_volume_metric is not None and self.plan_volume is None:
            raise ValueError("plan_volume: plan_volume_metric is set but the volume is missing")
        return self

    @model_validator(mode="after")
    def _feature_terms(self) -> Contract:
        if self.downgrade_annual_cost is not None and self.downgrade_annual_cost > self.annual_cost:
            raise ValueError(
                "downgrade_annual_cost: the lower tier cannot cost more than annual_cost"
            )
        for name, keys in (
            ("features", self.features or []),
            ("addons", [addon.feature for addon in self.addons]),
        ):
            seen: set[str] = set()
            for position, key in enumerate(keys):
                if key in seen:
                    where = f"addons[{position}].feature" if name == "addons" else name
                    raise ValueError(f"{where}: {key!r} is listed twice")
                seen.add(key)
        return self

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) != 3 or not value.isalpha():
            raise ValueError("a three-letter ISO 4217 currency code such as USD or EUR")
        return value.upper()

    @property
    def notice_deadline(self) -> dt.date | None:
        if self.renewal_date is None:
            return None
        return self.renewal_date - dt.timedelta(days=self.notice_days)


class ToolConfig(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    """A slug that names the tool in exports and recommendation ids."""
    name: str = Field(min_length=1, max_length=200)
    product: str | None = None
    """Catalog key (category, capabilities, aliases); unknown keys are a warning."""
    category: str | None = None
    """Overrides the catalog's category."""
    capabilities: list[str] | None = None
    """Overrides the catalog's capabilities."""
    active_window_days: int | None = Field(default=None, ge=1, le=3650)
    owner: str | None = None
    sources: list[str] = Field(default_factory=list)
    """Names of the ``[sources.*]`` that report on this tool."""
    match: list[str] = Field(default_factory=list)
    """Extra names a source may use for this tool (SSO app label, OAuth app name)."""
    integrates_with: list[str] = Field(default_factory=list)
    """Tool ids this tool exchanges data with in ways no API shows."""
    standalone: bool = False
    """True: never flag as pilot theatre (a tool that is meant to stand alone)."""
    contract: Contract | None = None


class SourceConfig(BaseModel):
    """A ``[sources.<name>]`` table before its plugin validates it: only ``plugin`` is known here."""

    model_config = ConfigDict(extra="allow", frozen=True)

    plugin: str
    """The plugin to use (see ``stacktrack plugins``)."""

    @property
    def raw(self) -> dict[str, Any]:
        return self.model_dump()


class ConfigFile(_Strict):
    """The whole file, first pass: shape only."""

    stacktrack: GeneralSettings = Field(default_factory=GeneralSettings)
    sources: dict[str, SourceConfig] = Field(default_factory=dict)
    tools: list[ToolConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cross_references(self) -> ConfigFile:
        seen: set[str] = set()
        for index, tool in enumerate(self.tools):
            if tool.id in seen:
                raise ValueError(f"tools[{index}].id: duplicate tool id {tool.id!r}")
            seen.add(tool.id)
        for index, tool in enumerate(self.tools):
            for position, source in enumerate(tool.sources):
                if source not in self.sources:
                    raise ValueError(
                        f"tools[{index}].sources[{position}]: no source named {source!r}"
                        f" (defined: {', '.join(sorted(self.sources)) or 'none'})"
                    )
            for position, other in enumerate(tool.integrates_with):
                if other not in seen:
                    raise ValueError(
                        f"tools[{index}].integrates_with[{position}]: no tool with id {other!r}"
                    )
        return self

    def tool(self, tool_id: str) -> ToolConfig:
        for tool in self.tools:
            if tool.id == tool_id:
                return tool
        raise KeyError(tool_id)
