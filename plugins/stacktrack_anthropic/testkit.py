"""Test kit of the ``anthropic`` plugin for the shared conformance suite (docs/architecture.md).

The sample organization, with ``NOW`` as the run clock (90-day look-back, 30 days of Claude Code):

* members (three pages at the default page size): Ana (Claude Code yesterday: 3 sessions, 10 edits
  accepted, 2 rejected), Bo (Messages API 5 days ago), Cy (a usage row of zeros: not use), Dee
  (Messages API 100 days ago, outside the window; Claude Code 40 days ago, outside its 30 days)
  and Eve (mixed-case e-mail; Claude Code 2 days ago: 1 session, 3 edits rejected);
* Claude Code also lists an API actor (a key name: 4 sessions, 5 accepted) and a person who is not
  a member (2 sessions);
* the Messages API report also holds use by no account (a service);
* workspace ``wrkspc_mkt`` has Ana and Bo.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack_anthropic.emulator import AnthropicData, AnthropicEmulator, rfc3339
from stacktrack_anthropic.plugin import AnthropicPlugin

PLUGIN = AnthropicPlugin
EMULATOR = AnthropicEmulator
RATE_LIMIT_RETRYABLE = True
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def day(days_ago: int) -> dt.datetime:
    return (NOW - dt.timedelta(days=days_ago)).replace(hour=0, minute=0, second=0, microsecond=0)


def member(uid: str, email: str, name: str, role: str = "user") -> dict[str, Any]:
    return {
        "id": uid,
        "type": "user",
        "email": email,
        "name": name,
        "role": role,
        "added_at": "2025-06-01T09:00:00Z",
    }


def usage(days_ago: int, *results: dict[str, Any]) -> dict[str, Any]:
    start = day(days_ago)
    return {
        "starting_at": rfc3339(start),
        "ending_at": rfc3339(start + dt.timedelta(days=1)),
        "results": list(results),
    }


def tokens(account: str | None, output: int, uncached: int = 0) -> dict[str, Any]:
    return {
        "uncached_input_tokens": uncached,
        "cache_creation": {"ephemeral_5m_input_tokens": 0},
        "cache_read_input_tokens": 0,
        "output_tokens": output,
        "account_id": account,
        "api_key_id": None,
        "workspace_id": None,
        "model": None,
        "service_tier": None,
    }


def code(
    actor: dict[str, Any], sessions: int, accepted: int = 0, rejected: int = 0, when: int = 1
) -> dict[str, Any]:
    return {
        "date": rfc3339(day(when)),
        "actor": actor,
        "organization_id": "org-1",
        "customer_type": "api",
        "terminal_type": "vscode",
        "core_metrics": {
            "num_sessions": sessions,
            "lines_of_code": {"added": 10, "removed": 2},
            "commits_by_claude_code": 0,
            "pull_requests_by_claude_code": 0,
        },
        "tool_actions": {
            "edit_tool": {"accepted": accepted, "rejected": rejected},
            "write_tool": {"accepted": 0, "rejected": 0},
        },
        "model_breakdown": [],
    }


def person(email: str) -> dict[str, Any]:
    return {"type": "user_actor", "email_address": email}


def sample_data() -> AnthropicData:
    return AnthropicData(
        users=[
            member("user_ana", "ana@acme.test", "Ana Ruiz", "admin"),
            member("user_bo", "bo@acme.test", "Bo Lee", "developer"),
            member("user_cy", "cy@acme.test", "Cy Never"),
            member("user_dee", "dee@acme.test", "Dee Old"),
            member("user_eve", "Eve@Acme.TEST", "Eve Case"),
        ],
        workspace_members={
            "wrkspc_mkt": [
                {
                    "type": "workspace_member",
                    "user_id": "user_ana",
                    "workspace_id": "wrkspc_mkt",
                    "workspace_role": "workspace_developer",
                },
                {
                    "type": "workspace_member",
                    "user_id": "user_bo",
                    "workspace_id": "wrkspc_mkt",
                    "workspace_role": "workspace_user",
                },
            ]
        },
        messages=[
            usage(100, tokens("user_dee", 40)),
            usage(5, tokens("user_bo", 100, 900), tokens(None, 50)),
            usage(2, tokens("user_cy", 0)),
        ],
        claude_code={
            day(1).date().isoformat(): [
                code(person("ana@acme.test"), 3, accepted=10, rejected=2),
                code({"type": "api_actor", "api_key_name": "ci-bot"}, 4, accepted=5),
                code(person("zed@outside.test"), 2),
            ],
            day(2).date().isoformat(): [code(person("eve@acme.test"), 1, rejected=3, when=2)],
            day(40).date().isoformat(): [code(person("dee@acme.test"), 6, accepted=1, when=40)],
        },
    )


def settings(token: str) -> dict[str, Any]:
    return {"plugin": "anthropic", "token": token}


def expected_assigned(data: AnthropicData) -> dict[str | None, set[str]]:
    """Without ``workspace_id`` every member of the organization holds a seat."""
    return {None: {user["id"] for user in data.users}}
