"""The analysis is right at the TUI benchmark's scale (300 tools, a 50,000-person company).

How fast it is there is measured by ``bench/history.py``, never by a timed test."""

from __future__ import annotations

import random

from stacktrack.analysis.analyze import analyze
from stacktrack.catalog import load_catalog
from stacktrack.plugin_api import Account, AccountStatus, AppUsage, Integration
from tests.analysis.builders import ago, config, source, state


def test_300_tools_50000_people_analyse_whole():
    rng = random.Random(4)
    catalog = load_catalog()
    products = list(catalog.products)
    emails = [f"person{i}@acme.test" for i in range(50_000)]
    stamps = [ago(days) for days in range(200)]
    tools, apps = [], []
    for index in range(300):
        tools.append(
            {
                "id": f"t{index}",
                "name": f"Tool {index}",
                "product": products[index % len(products)],
                "sources": ["okta"],
                "contract": {"annual_cost": 1000 + index, "seats": 800},
            }
        )
        accounts = [
            # model_construct: building 200k validated models would dominate the test's time
            Account.model_construct(
                id=email,
                email=email,
                status=AccountStatus.ACTIVE,
                assigned=True,
                guest=False,
                name=None,
                last_active=rng.choice(stamps) if rng.random() < 0.8 else None,
                activity_kind=None,
            )
            for email in rng.sample(emails, 700)
        ]
        integrations = [Integration(app=f"Tool {rng.randrange(300)}", kind="oauth_token")]
        apps.append(
            AppUsage.model_construct(
                app=f"Tool {index}",
                app_id=None,
                aliases=[],
                seats_purchased=None,
                seats_used=None,
                active_users_reported=None,
                accounts=accounts,
                activity_known=True,
                history_horizon_days=None,
                features=None,
                integrations=integrations,
            )
        )
    cfg = config(tools)
    st = state(source("okta", apps))
    analysis = analyze(cfg, st, catalog)
    assert len(analysis.tools) == 300
    assert all(t.active_users is not None and t.seats_assigned == 700 for t in analysis.tools)
