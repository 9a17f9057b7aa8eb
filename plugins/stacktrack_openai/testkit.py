"""Test kit of the ``openai`` plugin for the shared conformance suite (docs/architecture.md).

The sample organization, with ``NOW`` as the run clock and the default 90-day lookback:

* members: Ana (owner; key used 2 days ago, completions yesterday, images 10 days ago), Bo
  (completions 40 days ago, file search 3 days ago), Cy (never used anything), Dee (banned: no
  seat), a service account (a machine, not a seat), Eve (mixed-case e-mail; key last used 95 days
  ago; embeddings 100 days ago, outside the window) and Fay (a key-use stamp after the run clock,
  ignored) — four pages at the default page size;
* usage: yesterday's completions also carry 7 requests no person is attributed to, and a result
  with zero requests (not use);
* projects: Website (service accounts ``HubSpot``, key used 2 days ago, and ``Zapier``, whose key
  was created 200 days ago and never used; one key owned by Ana), Data (nothing) and an archived
  Legacy project (not listed);
* costs: 12.50 + 3.25 USD in the window, 99 USD before it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack_openai.emulator import OpenAIData, OpenAIEmulator, day_start
from stacktrack_openai.plugin import OpenAIPlugin

PLUGIN = OpenAIPlugin
EMULATOR = OpenAIEmulator
RATE_LIMIT_RETRYABLE = True
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def unix(when: dt.datetime | None) -> int | None:
    return None if when is None else int(when.timestamp())


def member(
    uid: str,
    email: str,
    name: str,
    *,
    last_used: dt.datetime | None = None,
    role: str = "reader",
    service: bool = False,
    banned: bool = False,
) -> dict[str, Any]:
    return {
        "object": "organization.user",
        "id": uid,
        "name": name,
        "email": email,
        "role": role,
        "added_at": unix(ago(400)),
        "is_default": False,
        "is_service_account": service,
        "is_scim_managed": False,
        "api_key_last_used_at": unix(last_used),
        "user": {"object": "user", "id": uid, "email": email, "enabled": True, "banned": banned},
    }


def result(capability: str, user_id: str | None, count: int, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "object": f"organization.usage.{capability}.result",
        "user_id": user_id,
        "project_id": None,
        "api_key_id": None,
        "model": None,
        **extra,
    }
    if capability == "file_searches":
        body["num_requests"] = count
    else:
        body["num_model_requests"] = count
    return body


def bucket(days_ago: float, *results: dict[str, Any]) -> dict[str, Any]:
    start = day_start(ago(days_ago))
    return {
        "object": "bucket",
        "start_time": start,
        "end_time": start + 86_400,
        "results": list(results),
    }


def cost(days_ago: float, value: float) -> dict[str, Any]:
    return bucket(
        days_ago,
        {
            "object": "organization.costs.result",
            "amount": {"value": value, "currency": "usd"},
            "line_item": None,
            "project_id": None,
        },
    )


def api_key(
    kid: str, name: str, owner: dict[str, Any], *, created: float, used: float | None
) -> dict[str, Any]:
    return {
        "object": "organization.project.api_key",
        "redacted_value": "sk-abc...def",
        "name": name,
        "created_at": unix(ago(created)),
        "last_used_at": None if used is None else unix(ago(used)),
        "id": kid,
        "owner_project_access": "active",
        "owner": owner,
    }


def service_account(sid: str, name: str, created: float) -> dict[str, Any]:
    return {
        "object": "organization.project.service_account",
        "id": sid,
        "name": name,
        "role": "member",
        "created_at": unix(ago(created)),
    }


def project(pid: str, name: str, *, archived: bool = False) -> dict[str, Any]:
    return {
        "id": pid,
        "object": "organization.project",
        "name": name,
        "created_at": unix(ago(500)),
        "archived_at": unix(ago(30)) if archived else None,
        "status": "archived" if archived else "active",
    }


def sample_data() -> OpenAIData:
    sa_owner = {"type": "service_account", "service_account": {"id": "svc_hub", "name": "HubSpot"}}
    idle_owner = {"type": "service_account", "service_account": {"id": "svc_zap", "name": "Zapier"}}
    ana_owner = {"type": "user", "user": {"id": "user_ana", "email": "ana@acme.test"}}
    return OpenAIData(
        users=[
            member("user_ana", "ana@acme.test", "Ana Ruiz", last_used=ago(2), role="owner"),
            member("user_bo", "bo@acme.test", "Bo Lee"),
            member("user_cy", "cy@acme.test", "Cy Never"),
            member("user_dee", "dee@acme.test", "Dee Banned", last_used=ago(1), banned=True),
            member("user_svc", "svc@acme.test", "Website bot", last_used=ago(1), service=True),
            member("user_eve", "Eve@Acme.TEST", "Eve Old", last_used=ago(95)),
            member("user_fay", "fay@acme.test", "Fay Future", last_used=NOW + dt.timedelta(days=1)),
        ],
        usage={
            "completions": [
                bucket(40, result("completions", "user_bo", 3)),
                bucket(
                    1,
                    result("completions", "user_ana", 5),
                    result("completions", None, 7),
                    result("completions", "user_cy", 0),
                ),
            ],
            "images": [bucket(10, result("images", "user_ana", 2, images=2))],
            "embeddings": [bucket(100, result("embeddings", "user_eve", 9))],
            "file_search_calls": [bucket(3, result("file_searches", "user_bo", 4))],
        },
        costs=[cost(120, 99.0), cost(40, 3.25), cost(1, 12.5)],
        projects=[
            project("proj_web", "Website"),
            project("proj_old", "Legacy", archived=True),
            project("proj_data", "Data"),
        ],
        service_accounts={
            "proj_web": [
                service_account("svc_hub", "HubSpot", 300),
                service_account("svc_zap", "Zapier", 200),
            ],
            "proj_old": [service_account("svc_old", "Legacy sync", 600)],
        },
        api_keys={
            "proj_web": [
                api_key("key_hub", "hubspot-prod", sa_owner, created=300, used=2),
                api_key("key_zap", "zapier", idle_owner, created=200, used=None),
                api_key("key_ana", "ana-laptop", ana_owner, created=50, used=2),
            ],
        },
    )


def settings(token: str) -> dict[str, Any]:
    return {"plugin": "openai", "token": token}


def expected_assigned(data: OpenAIData) -> dict[str | None, set[str]]:
    """Every member holds a seat except banned or disabled ones and service accounts."""
    return {
        None: {
            user["id"]
            for user in data.users
            if not user.get("is_service_account")
            and not (user.get("user") or {}).get("banned")
            and (user.get("user") or {}).get("enabled") is not False
        }
    }
