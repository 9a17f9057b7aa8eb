"""The starter config ``stacktrack init`` writes: a short, commented template to fill in."""

STARTER_CONFIG = """\
# stacktrack configuration. Reference of every key: config.example.toml in the repository.
# Check it with `stacktrack config validate`, then run `stacktrack snapshot`.

[stacktrack]
currency = "USD"
active_window_days = 30

# [stacktrack.fx]       # rates into the reporting currency, for contracts in other currencies
# EUR = 1.08

# One [sources.<name>] per connection. Secrets only by reference: token = { env = "NAME" }.
# `stacktrack plugins` lists what is installed.
#
# [sources.okta]
# plugin = "okta"
# base_url = "https://YOUR-ORG.okta.com"
# token = { env = "OKTA_API_TOKEN" }

# One [[tools]] per contract.
[[tools]]
id = "example"
name = "Example tool"
owner = "Marketing Ops"
sources = []            # e.g. ["okta"]
[tools.contract]
annual_cost = 1200
pricing = "per_seat"
seats = 10
# start_date = 2026-01-01
# renewal_date = 2027-01-01
# notice_days = 30
"""
