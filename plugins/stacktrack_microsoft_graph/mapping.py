"""From what Graph said to ``AppUsage`` objects: licence pools, enterprise apps, features, grants.

``Mapper`` holds one run's listings and reports (see plugin.py for what each call returns and
docs/plugins/microsoft_graph.md for the rules); it makes no request.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from stacktrack.plugin_api import (
    Account,
    AccountStatus,
    ActivityKind,
    AppUsage,
    CollectContext,
    FeatureUsage,
    Integration,
)

from .models import (
    AppRoleAssignment,
    CopilotUsageRow,
    PermissionGrant,
    ReportSettings,
    ServicePrincipal,
    SignIn,
    SubscribedSku,
    User,
)

if TYPE_CHECKING:
    from .plugin import MicrosoftGraphPlugin

SUITE_PLANS = frozenset({"EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_STANDARD", "EXCHANGE_S_DESKLESS"})
"""A SKU carrying one of these Exchange Online plans is a Microsoft 365 / Office 365 suite."""
FEATURE_WINDOW_DAYS = 30
"""Feature figures cover 30 days: the default active window and Microsoft's own D30 period (the
Teams counts are the D30 report's totals)."""

# The usage reports list every licensed user, so their features count every user's use
# (``every_user``), concealed names or not. Keys are the catalog's feature vocabulary where one fits
# (docs/methodology.md), else the vendor's own name.
# Office 365 active-user detail: report product -> (feature, display name). Teams is read from its
# own, finer report (chats, calls, meetings) instead of this one's last-activity column.
OFFICE_PRODUCTS: dict[str, tuple[str, str]] = {
    "Exchange": ("mail", "Exchange Online"),
    "OneDrive": ("file-storage", "OneDrive"),
    "SharePoint": ("sites", "SharePoint"),
    "Yammer": ("Yammer", "Viva Engage (Yammer)"),
    "Skype For Business": ("Skype For Business", "Skype for Business"),
}
OFFICE_ACTIVITY = (*OFFICE_PRODUCTS, "Teams")
"""Products whose last activity stands in for a sign-in when ``signInActivity`` is refused."""
# Teams user activity detail: feature -> (display name, count columns).
TEAMS_COUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "team-chat": ("Teams chat", ("Team Chat Message Count", "Private Chat Message Count")),
    "calls": ("Teams calls", ("Call Count",)),
    "video-meetings": ("Teams meetings", ("Meeting Count",)),
}
COPILOT_FEATURE = ("ai-assistant", "Microsoft 365 Copilot")
# Copilot usage detail: field -> feature (the vendor's name: no vocabulary key per app).
COPILOT_APPS: dict[str, str] = {
    "copilotChatLastActivityDate": "Copilot Chat",
    "microsoftTeamsCopilotLastActivityDate": "Copilot in Teams",
    "wordCopilotLastActivityDate": "Copilot in Word",
    "excelCopilotLastActivityDate": "Copilot in Excel",
    "powerPointCopilotLastActivityDate": "Copilot in PowerPoint",
    "outlookCopilotLastActivityDate": "Copilot in Outlook",
    "oneNoteCopilotLastActivityDate": "Copilot in OneNote",
    "loopCopilotLastActivityDate": "Copilot in Loop",
}

COPILOT_PART = re.compile(r"(^|_)(365|M365)_Copilot", re.IGNORECASE)
"""Microsoft 365 Copilot SKUs (``Microsoft_365_Copilot``, ``M365_Copilot``, ``..._EDU``); not Copilot
Studio, whose use the Microsoft 365 Copilot report does not cover."""
_HEX_NAME = re.compile(r"^[0-9A-Fa-f]{16,}$")


class Mapper:
    """Turns what Graph said into ``AppUsage`` objects (one run's worth of state)."""

    def __init__(
        self,
        *,
        plugin: MicrosoftGraphPlugin,
        ctx: CollectContext,
        notes: list[str],
        skus: list[SubscribedSku],
        users: list[User],
        stamps_known: bool,
        retention: int,
        period: int,
    ) -> None:
        self.plugin = plugin
        self.ctx = ctx
        self.notes = notes
        self.skus = skus
        self.users = users
        self.by_id = {user.id: user for user in users}
        self.by_upn = {
            user.userPrincipalName.strip().lower(): user for user in users if user.userPrincipalName
        }
        self.stamps_known = stamps_known
        self.retention = retention
        self.period = period
        self.now = ctx.now.astimezone(dt.UTC)
        self.cutoff = self.now - dt.timedelta(days=FEATURE_WINDOW_DAYS)
        """Features count the users active in the last 30 days (last use is reported as a date)."""
        self.concealed = False
        self.office: list[dict[str, Any]] | None = None
        self.teams: list[dict[str, Any]] | None = None
        self.copilot: list[CopilotUsageRow] | None = None
        self.holders: dict[str, set[str]] = {}
        for user in users:
            for licence in user.assignedLicenses:
                if licence.skuId:
                    self.holders.setdefault(licence.skuId, set()).add(user.id)

    # -- reports ---------------------------------------------------------------------------

    def read_reports(
        self,
        settings: ReportSettings | None,
        office: list[dict[str, Any]] | None,
        teams: list[dict[str, Any]] | None,
        copilot: list[CopilotUsageRow] | None,
    ) -> None:
        self.office, self.teams = office, teams
        self.copilot = copilot
        names = [_text(row.get("User Principal Name")) for row in office or ()]
        names += [_text(row.get("User Principal Name")) for row in teams or ()]
        names += [row.userPrincipalName for row in self.copilot or ()]
        present = [name for name in names if name]
        if settings is not None and settings.displayConcealedNames is not None:
            self.concealed = settings.displayConcealedNames
        else:
            # No permission to read the setting: hashed names carry no "@" and look like hex.
            self.concealed = bool(present) and all(
                "@" not in name and _HEX_NAME.match(name) for name in present
            )
        if self.concealed:
            self.notes.append(
                "Microsoft 365 usage reports conceal user names (admin/reportSettings "
                "displayConcealedNames): report rows cannot be joined to users, so per-user report "
                "activity is unknown and feature counts are tenant-wide; an admin can turn the "
                "setting off in the Microsoft 365 admin center (Settings > Org settings > Reports)"
            )
        refreshed = [
            self.plugin.time(row.get("Report Refresh Date"), "Report Refresh Date")
            for row in (office or [])[:1]
        ]
        if refreshed and refreshed[0] is not None:
            lag = (self.now.date() - refreshed[0].date()).days
            self.notes.append(
                f"Microsoft 365 usage reports run to {refreshed[0].date().isoformat()} "
                f"({lag} days behind the run; Microsoft's reports lag about two days)"
            )

    def _office_dates(self) -> dict[str, dict[str, dt.datetime | None]]:
        """User id -> product -> last activity (joinable rows only)."""
        found: dict[str, dict[str, dt.datetime | None]] = {}
        if self.concealed:
            return found
        for row in self.office or ():
            user = self.by_upn.get((_text(row.get("User Principal Name")) or "").lower())
            if user is None:
                continue
            found[user.id] = {
                product: self.plugin.time(
                    row.get(f"{product} Last Activity Date"), f"{product} Last Activity Date"
                )
                for product in OFFICE_ACTIVITY
            }
        return found

    def _copilot_dates(self) -> dict[str, CopilotUsageRow]:
        if self.concealed:
            return {}
        found = {}
        for row in self.copilot or ():
            user = self.by_upn.get((row.userPrincipalName or "").strip().lower())
            if user is not None:
                found[user.id] = row
        return found

    # -- licence pools ---------------------------------------------------------------------

    def licence_pools(
        self, grants: list[PermissionGrant] | None, principals: list[ServicePrincipal] | None
    ) -> list[AppUsage]:
        suite_skus = self.plugin.settings.suite_skus
        kinds = {sku.skuId: sku_kind(sku, suite_skus) for sku in self.skus}
        suites = [sku for sku in self.skus if kinds[sku.skuId] == "suite"]
        copilot_skus = [sku for sku in self.skus if kinds[sku.skuId] == "copilot"]
        integrations = self._integrations(grants, principals or []) if grants is not None else None
        office = self._office_dates()
        copilot = self._copilot_dates()
        apps = []
        for sku in self.skus:
            kind = kinds[sku.skuId]
            self._unit_notes(sku)
            if kind == "copilot" and not self.plugin.settings.copilot_pool:
                continue  # reported as the suite's add-on feature only
            holders = self.holders.get(sku.skuId, set())
            features: list[FeatureUsage] | None = None
            activity_known = False
            horizon: int | None = None
            last: dict[str, tuple[dt.datetime | None, ActivityKind]] = {}
            if kind == "suite":
                if self.stamps_known:
                    activity_known = True
                    for uid in holders:
                        user = self.by_id[uid]
                        stamp = (
                            user.signInActivity.lastSuccessfulSignInDateTime
                            if user.signInActivity
                            else None
                        )
                        last[uid] = (
                            self.plugin.time(stamp, "signInActivity.lastSuccessfulSignInDateTime"),
                            ActivityKind.LOGIN,
                        )
                elif self.office is not None and not self.concealed:
                    activity_known = True
                    horizon = self.period
                    for uid in holders:
                        dates = [d for d in office.get(uid, {}).values() if d is not None]
                        last[uid] = (max(dates) if dates else None, ActivityKind.FEATURE)
                features = self._suite_features(holders, office, copilot, copilot_skus, suites)
            elif kind == "copilot":
                if self.copilot is not None and not self.concealed:
                    activity_known = True
                    horizon = self.period
                    for uid in holders:
                        row = copilot.get(uid)
                        when = (
                            self.plugin.time(row.lastActivityDate, "Copilot lastActivityDate")
                            if row
                            else None
                        )
                        last[uid] = (when, ActivityKind.FEATURE)
                features = self._copilot_app_features(holders, copilot)
            else:
                self.notes.append(
                    f"{sku.skuPartNumber or sku.skuId}: Graph reports no use of this licence "
                    "itself: seats and holders only, activity unknown"
                )
            apps.append(
                AppUsage(
                    app=sku.skuPartNumber or sku.skuId,
                    app_id=sku.skuId,
                    seats_purchased=sku.prepaidUnits.enabled if sku.prepaidUnits else None,
                    seats_used=sku.consumedUnits,
                    accounts=[
                        self._account(uid, *last.get(uid, (None, None))) for uid in sorted(holders)
                    ],
                    activity_known=activity_known,
                    history_horizon_days=horizon,
                    features=features,
                    integrations=integrations if kind == "suite" else None,
                )
            )
        return apps

    def _unit_notes(self, sku: SubscribedSku) -> None:
        name = sku.skuPartNumber or sku.skuId
        units = sku.prepaidUnits
        if units is not None:
            for field, meaning in (
                ("warning", "in warning (subscription expired, in its grace period)"),
                ("suspended", "suspended (subscription cancelled)"),
                ("lockedOut", "locked out"),
            ):
                count = getattr(units, field)
                if count:
                    self.notes.append(f"{name}: {count} units {meaning}, not counted as purchased")
        status = sku.capabilityStatus
        if status and status not in ("Enabled", "Warning"):
            self.notes.append(f"{name}: subscription status {status}")
        blocked = sum(
            1 for uid in self.holders.get(sku.skuId, ()) if self.by_id[uid].accountEnabled is False
        )
        if blocked:
            self.notes.append(
                f"{name}: {blocked} licences held by blocked accounts (they consume units but are "
                "not counted as assigned)"
            )

    def _account(self, uid: str, when: dt.datetime | None, kind: ActivityKind | None) -> Account:
        user = self.by_id[uid]
        enabled = user.accountEnabled is not False
        return Account(
            id=uid,
            email=user_email(user),
            name=user.displayName,
            status=AccountStatus.ACTIVE if enabled else AccountStatus.DEACTIVATED,
            assigned=enabled,
            guest=(user.userType or "").lower() == "guest",
            last_active=when,
            activity_kind=kind if when is not None else None,
        )

    # -- features --------------------------------------------------------------------------

    def _suite_features(
        self,
        holders: set[str],
        office: dict[str, dict[str, dt.datetime | None]],
        copilot: dict[str, CopilotUsageRow],
        copilot_skus: list[SubscribedSku],
        suites: list[SubscribedSku],
    ) -> list[FeatureUsage] | None:
        features: list[FeatureUsage] = []
        observed = False
        if self.office is not None:
            observed = True
            features += self._office_features(holders, office)
        if self.teams is not None:
            observed = True
            features += self._teams_features(holders)
        if copilot_skus and self.copilot is not None:
            observed = True
            features.append(self._copilot_addon(holders, copilot, copilot_skus, len(suites)))
        return features if observed else None

    def _office_features(
        self, holders: set[str], office: dict[str, dict[str, dt.datetime | None]]
    ) -> list[FeatureUsage]:
        features = []
        for product, (key, name) in OFFICE_PRODUCTS.items():
            if self.concealed:
                dates = [
                    self.plugin.time(row.get(f"{product} Last Activity Date"), product)
                    for row in self.office or ()
                ]
                users = None
            else:
                pairs = [(uid, office.get(uid, {}).get(product)) for uid in sorted(holders)]
                dates = [when for _uid, when in pairs]
                users = sorted(
                    user_email(self.by_id[uid]) or uid
                    for uid, when in pairs
                    if when is not None and when >= self.cutoff
                )
            recent = [d for d in dates if d is not None and d >= self.cutoff]
            seen = [d for d in dates if d is not None]
            features.append(
                FeatureUsage(
                    feature=key,
                    name=name,
                    active_users=len(recent),
                    last_used=max(seen) if seen else None,
                    window_days=FEATURE_WINDOW_DAYS,
                    every_user=True,
                    users=users,
                )
            )
        return features

    def _teams_features(self, holders: set[str]) -> list[FeatureUsage]:
        rows = self.teams or []
        if not self.concealed:
            wanted = {(self.by_id[uid].userPrincipalName or "").lower() for uid in holders}
            rows = [
                row
                for row in rows
                if (_text(row.get("User Principal Name")) or "").lower() in wanted
            ]
        features = []
        for key, (name, columns) in TEAMS_COUNTS.items():
            events = 0
            users: list[str] = []
            active = 0
            for row in rows:
                count = sum(_count(row.get(column)) for column in columns)
                events += count
                if count > 0:
                    active += 1
                    users.append((_text(row.get("User Principal Name")) or "").lower())
            features.append(
                FeatureUsage(
                    feature=key,
                    name=name,
                    active_users=active,
                    events=events,
                    window_days=FEATURE_WINDOW_DAYS,
                    every_user=True,
                    users=None if self.concealed else sorted(users),
                )
            )
        return features

    def _copilot_addon(
        self,
        holders: set[str],
        copilot: dict[str, CopilotUsageRow],
        copilot_skus: list[SubscribedSku],
        suite_count: int,
    ) -> FeatureUsage:
        """The Copilot add-on as a feature of this suite pool, with its own seats."""
        copilot_holders: set[str] = set()
        purchased = 0
        for sku in copilot_skus:
            copilot_holders |= self.holders.get(sku.skuId, set())
            purchased += (sku.prepaidUnits.enabled or 0) if sku.prepaidUnits else 0
        mine = {
            uid for uid in holders & copilot_holders if self.by_id[uid].accountEnabled is not False
        }
        if self.concealed:
            dates = [
                self.plugin.time(row.lastActivityDate, "Copilot lastActivityDate")
                for row in self.copilot or ()
            ]
            users = None
        else:
            dates = [
                self.plugin.time(copilot[uid].lastActivityDate, "Copilot lastActivityDate")
                if uid in copilot
                else None
                for uid in sorted(mine)
            ]
            users = sorted(
                user_email(self.by_id[uid]) or uid
                for uid, when in zip(sorted(mine), dates, strict=True)
                if when is not None and when >= self.cutoff
            )
        recent = [d for d in dates if d is not None and d >= self.cutoff]
        seen = [d for d in dates if d is not None]
        return FeatureUsage(
            feature=COPILOT_FEATURE[0],
            name=COPILOT_FEATURE[1],
            active_users=len(recent),
            last_used=max(seen) if seen else None,
            window_days=FEATURE_WINDOW_DAYS,
            every_user=True,
            # The pool's purchased units belong to this suite only when it is the only suite.
            seats_purchased=purchased if suite_count == 1 else None,
            seats_assigned=None if self.concealed and suite_count != 1 else len(mine),
            users=users,
        )

    def _copilot_app_features(
        self, holders: set[str], copilot: dict[str, CopilotUsageRow]
    ) -> list[FeatureUsage] | None:
        if self.copilot is None:
            return None
        if self.concealed:
            rows = list(self.copilot)
        else:
            rows = [copilot[uid] for uid in sorted(holders) if uid in copilot]
        features = []
        for field, name in COPILOT_APPS.items():
            dates = [
                (row, self.plugin.time(getattr(row, field), f"Copilot {field}")) for row in rows
            ]
            recent = [(row, d) for row, d in dates if d is not None and d >= self.cutoff]
            seen = [d for _row, d in dates if d is not None]
            features.append(
                FeatureUsage(
                    feature=name,
                    name=name,
                    active_users=len(recent),
                    last_used=max(seen) if seen else None,
                    window_days=FEATURE_WINDOW_DAYS,
                    every_user=True,
                    users=None
                    if self.concealed
                    else sorted((row.userPrincipalName or "").lower() for row, _d in recent),
                )
            )
        return features

    # -- integrations ----------------------------------------------------------------------

    def _integrations(
        self, grants: list[PermissionGrant], principals: list[ServicePrincipal]
    ) -> list[Integration]:
        by_id = {sp.id: sp for sp in principals}
        grouped: dict[str, list[PermissionGrant]] = {}
        for grant in grants:
            if grant.clientId:
                grouped.setdefault(grant.clientId, []).append(grant)
        edges = []
        for client_id, items in grouped.items():
            sp = by_id.get(client_id)
            if sp is not None and not self.plugin.is_third_party(sp):
                continue
            name = (sp.displayName or sp.appDisplayName) if sp is not None else None
            everyone = any((g.consentType or "") == "AllPrincipals" for g in items)
            people = {g.principalId for g in items if g.principalId}
            scopes = " ".join(g.scope or "" for g in items)
            writes = any(word in scopes for word in ("ReadWrite", ".Send", "Write"))
            edges.append(
                Integration(
                    app=name or client_id,
                    kind="oauth_grant",
                    direction="both" if writes else "out",
                    active_users=None if everyone else len(people),
                )
            )
        edges.sort(key=lambda edge: edge.app.casefold())
        return edges

    # -- enterprise apps -------------------------------------------------------------------

    def enterprise_apps(
        self,
        principals: list[ServicePrincipal] | None,
        assignments: dict[str, list[AppRoleAssignment]] | None,
        members: dict[str, set[str]] | None,
        sign_ins: tuple[list[SignIn], int] | None,
    ) -> list[AppUsage]:
        if principals is None and sign_ins is None:
            return []
        known = [sp for sp in principals or () if self.plugin.is_third_party(sp)]
        by_app_id = {sp.appId.lower(): sp for sp in principals or () if sp.appId}
        latest: dict[str, dict[str, tuple[dt.datetime, SignIn]]] = {}
        names: dict[str, str] = {}
        days: int | None = None
        if sign_ins is not None:
            events, days = sign_ins
            for event in events:
                if event.status is None or event.status.errorCode != 0:
                    continue  # a failed or interrupted sign-in is not use
                when = self.plugin.time(event.createdDateTime, "signIn createdDateTime")
                user = event.userId or (event.userPrincipalName or "").lower()
                if when is None or when > self.now or not user:
                    continue
                sp = by_app_id.get((event.appId or "").lower())
                if sp is not None:
                    if not self.plugin.is_third_party(sp):
                        continue
                    key = sp.id
                elif event.appDisplayName:
                    key = f"name:{event.appDisplayName.casefold()}"
                    names.setdefault(key, event.appDisplayName)
                else:
                    continue
                per_app = latest.setdefault(key, {})
                if user not in per_app or when > per_app[user][0]:
                    per_app[user] = (when, event)
        apps = []
        for sp in known:
            assigned = [a for a in (assignments or {}).get(sp.id, []) if a.principalType == "User"]
            groups = [a for a in (assignments or {}).get(sp.id, []) if a.principalType == "Group"]
            logins = latest.pop(sp.id, {})
            if not assigned and not groups and not logins:
                continue  # neither assigned nor used: no evidence of the app in this company
            holders = {a.principalId for a in assigned if a.principalId}
            for group in groups:
                if members is not None and group.principalId in members:
                    holders |= members[group.principalId] & self.by_id.keys()
            if groups and members is None:
                self.notes.append(
                    f"{sp.displayName or sp.appId}: {len(groups)} group assignments not expanded "
                    "(members count once they sign in)"
                )
            open_app = sp.appRoleAssignmentRequired is False and not holders
            apps.append(
                self._app(
                    sp.displayName or sp.appDisplayName or sp.appId or sp.id,
                    sp.appId,
                    _aliases(sp),
                    holders,
                    logins,
                    days,
                    assignments is not None,
                    open_app,
                )
            )
        for key, logins in sorted(latest.items()):
            if key.startswith("name:"):
                # Sign-ins to an app whose service principal was not listed (deleted since).
                apps.append(self._app(names[key], None, [], set(), logins, days, False, True))
        return apps

    def _app(
        self,
        label: str,
        app_id: str | None,
        aliases: list[str],
        assigned_ids: set[str],
        logins: dict[str, tuple[dt.datetime, SignIn]],
        days: int | None,
        assignments_known: bool,
        open_app: bool,
    ) -> AppUsage:
        accounts: dict[str, Account] = {}
        for uid in sorted(assigned_ids):
            user = self.by_id.get(uid)
            when = logins.get(uid, (None, None))[0]
            enabled = user is None or user.accountEnabled is not False
            accounts[uid] = Account(
                id=uid,
                email=user_email(user) if user else None,
                name=user.displayName if user else None,
                status=AccountStatus.ACTIVE if enabled else AccountStatus.DEACTIVATED,
                assigned=enabled,
                guest=user is not None and (user.userType or "").lower() == "guest",
                last_active=when,
                activity_kind=ActivityKind.SSO if when is not None else None,
            )
        for uid, (when, event) in sorted(logins.items()):
            if uid in accounts:
                continue
            user = self.by_id.get(uid)
            enabled = user is not None and user.accountEnabled is not False
            accounts[uid] = Account(
                id=uid,
                email=user_email(user) if user else _email(event.userPrincipalName),
                name=user.displayName if user else event.userDisplayName,
                status=AccountStatus.ACTIVE if enabled else AccountStatus.DEACTIVATED,
                # Where the app needs no assignment, signing in is what holding it means.
                assigned=open_app and enabled,
                last_active=when,
                activity_kind=ActivityKind.SSO,
            )
        return AppUsage(
            app=label,
            app_id=app_id,
            aliases=aliases,
            accounts=list(accounts.values()),
            activity_known=days is not None,
            history_horizon_days=days,
        )


# -- helpers ---------------------------------------------------------------------------------


def sku_kind(
    sku: SubscribedSku, suite_skus: list[str] | None = None
) -> Literal["suite", "copilot", "other"]:
    """How a licence pool's use is observed (see the module docstring)."""
    part = sku.skuPartNumber or ""
    if COPILOT_PART.search(part):
        return "copilot"
    if suite_skus is not None:
        return "suite" if part.casefold() in {s.casefold() for s in suite_skus} else "other"
    plans = {(plan.servicePlanName or "").upper() for plan in sku.servicePlans}
    return "suite" if plans & SUITE_PLANS else "other"


def user_email(user: User) -> str | None:
    """``mail``, else a UPN that is an address (a guest's ``#EXT#`` UPN is not)."""
    return _email(user.mail) or (
        _email(user.userPrincipalName) if "#EXT#" not in (user.userPrincipalName or "") else None
    )


def _email(value: str | None) -> str | None:
    value = (value or "").strip()
    return value.lower() if "@" in value else None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _count(value: Any) -> int:
    try:
        return max(0, int(str(value or "0").strip() or "0"))
    except ValueError:
        return 0


def _aliases(sp: ServicePrincipal) -> list[str]:
    aliases: list[str] = []
    if sp.appDisplayName and sp.appDisplayName != sp.displayName:
        aliases.append(sp.appDisplayName)
    if sp.homepage:
        try:
            host = urlsplit(sp.homepage if "//" in sp.homepage else f"//{sp.homepage}").hostname
        except ValueError:
            host = None
        if host and host not in aliases:
            aliases.append(host)
    return aliases
