"""Microsoft Graph and identity-platform payloads, as ``plugin.py`` reads them.

Only the fields the plugin uses are declared; everything else is ignored. Timestamps stay ``Any`` and
are parsed by the plugin, so a bad value becomes a typed ``BadResponse`` naming the field. Fields the
public documentation marks as optional or whose presence we could not confirm are optional here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Page(_Payload):
    """Any Graph collection page: ``value`` plus ``@odata.nextLink`` when more follow."""

    value: list[dict[str, Any]] = Field(default_factory=list)
    next_link: str | None = Field(default=None, alias="@odata.nextLink")


class LicenseUnits(_Payload):
    enabled: int | None = None
    """Units of an active subscription: the purchased seats."""
    suspended: int | None = None
    """Units of a cancelled subscription: not assignable, can still be reactivated."""
    warning: int | None = None
    """Units of an expired subscription in its grace period."""
    lockedOut: int | None = None


class ServicePlan(_Payload):
    servicePlanId: str | None = None
    servicePlanName: str | None = None
    provisioningStatus: str | None = None
    appliesTo: str | None = None


class SubscribedSku(_Payload):
    """One ``GET /v1.0/subscribedSkus`` item: a licence pool."""

    skuId: str
    skuPartNumber: str | None = None
    """``SPE_E3``, ``Microsoft_365_Copilot``, ``POWER_BI_PRO``, ...: what the catalog matches."""
    appliesTo: str | None = None
    capabilityStatus: str | None = None
    """``Enabled``, ``Warning``, ``Suspended``, ``Deleted``, ``LockedOut``."""
    consumedUnits: int | None = None
    prepaidUnits: LicenseUnits | None = None
    servicePlans: list[ServicePlan] = Field(default_factory=list)


class AssignedLicense(_Payload):
    skuId: str | None = None
    disabledPlans: list[str] = Field(default_factory=list)


class SignInActivity(_Payload):
    lastSignInDateTime: Any = None
    """Counts failed attempts too: not used."""
    lastSuccessfulSignInDateTime: Any = None
    """The latest successful interactive or non-interactive sign-in (since December 2023)."""


class User(_Payload):
    """One ``GET /v1.0/users`` item with the ``$select`` the plugin asks for."""

    id: str
    userPrincipalName: str | None = None
    mail: str | None = None
    displayName: str | None = None
    accountEnabled: bool | None = None
    userType: str | None = None
    """``Member`` or ``Guest``."""
    assignedLicenses: list[AssignedLicense] = Field(default_factory=list)
    signInActivity: SignInActivity | None = None


class ServicePrincipal(_Payload):
    """One ``GET /v1.0/servicePrincipals`` item: an app's instance in the tenant."""

    id: str
    appId: str | None = None
    displayName: str | None = None
    appDisplayName: str | None = None
    accountEnabled: bool | None = None
    servicePrincipalType: str | None = None
    """``Application``, ``ManagedIdentity``, ``Legacy``, ``SocialIdp``."""
    appOwnerOrganizationId: str | None = None
    """The tenant that registered the app; Microsoft's own tenants for first-party apps."""
    appRoleAssignmentRequired: bool | None = None
    homepage: str | None = None
    tags: list[str] = Field(default_factory=list)


class AppRoleAssignment(_Payload):
    """One ``GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo`` item."""

    id: str | None = None
    principalId: str | None = None
    principalType: str | None = None
    """``User``, ``Group`` or ``ServicePrincipal``."""
    principalDisplayName: str | None = None
    resourceId: str | None = None
    createdDateTime: Any = None


class SignInStatus(_Payload):
    errorCode: int | None = None
    """0 = success; anything else is a failed or interrupted sign-in."""
    failureReason: str | None = None


class SignIn(_Payload):
    """One ``GET /v1.0/auditLogs/signIns`` item."""

    id: str | None = None
    createdDateTime: Any = None
    userId: str | None = None
    userPrincipalName: str | None = None
    userDisplayName: str | None = None
    appId: str | None = None
    appDisplayName: str | None = None
    status: SignInStatus | None = None


class PermissionGrant(_Payload):
    """One ``GET /v1.0/oauth2PermissionGrants`` item: delegated access an app holds."""

    id: str | None = None
    clientId: str | None = None
    """The object id of the client app's service principal."""
    consentType: str | None = None
    """``AllPrincipals`` (admin consent for everyone) or ``Principal`` (one user)."""
    principalId: str | None = None
    resourceId: str | None = None
    scope: str | None = None


class ReportSettings(_Payload):
    """``GET /v1.0/admin/reportSettings``."""

    displayConcealedNames: bool | None = None


class CopilotUsageRow(_Payload):
    """One row of ``getMicrosoft365CopilotUsageUserDetail`` (JSON); an empty date means never."""

    reportRefreshDate: Any = None
    userPrincipalName: str | None = None
    displayName: str | None = None
    lastActivityDate: Any = None
    copilotChatLastActivityDate: Any = None
    microsoftTeamsCopilotLastActivityDate: Any = None
    wordCopilotLastActivityDate: Any = None
    excelCopilotLastActivityDate: Any = None
    powerPointCopilotLastActivityDate: Any = None
    outlookCopilotLastActivityDate: Any = None
    oneNoteCopilotLastActivityDate: Any = None
    loopCopilotLastActivityDate: Any = None


class GraphErrorDetail(_Payload):
    code: str | None = None
    message: str | None = None


class GraphError(_Payload):
    """Graph's error body: ``{"error": {"code", "message", "innerError"}}``."""

    error: GraphErrorDetail | None = None


class TokenError(_Payload):
    """The identity platform's error body: ``{"error", "error_description", "error_codes"}``."""

    error: str | None = None
    error_description: str | None = None
