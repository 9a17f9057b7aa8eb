"""The product catalog: closed capability vocabulary, unique aliases, the products the brief needs."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from stacktrack.catalog import Catalog, CatalogError, load_catalog

REQUIRED = [
    "hubspot",
    "salesforce",
    "marketo",
    "mailchimp",
    "activecampaign",
    "braze",
    "klaviyo",
    "sendgrid",
    "segment",
    "okta",
    "google_workspace",
    "slack",
    "intercom",
    "drift",
    "zoom",
    "zoom_webinar",
    "on24",
    "goto_webinar",
    "semrush",
    "ahrefs",
    "hootsuite",
    "sprout_social",
    "buffer",
    "canva",
    "figma",
    "adobe_creative_cloud",
    "jasper",
    "copy_ai",
    "writer",
    "chatgpt",
    "midjourney",
    "notion",
    "asana",
    "monday",
    "airtable",
    "zoominfo",
    "clearbit",
    "apollo",
    "6sense",
    "demandbase",
    "google_analytics",
    "mixpanel",
    "amplitude",
    "hotjar",
    "optimizely",
    "vwo",
    "unbounce",
    "typeform",
    "gong",
    "wistia",
    "vidyard",
    "loom",
    "linkedin_sales_navigator",
    "google_ads",
    "meta_ads",
    "bizible",
    "dreamdata",
    "hockeystack",
]

SPEC_CAPABILITIES = [
    "email",
    "forms",
    "landing-pages",
    "crm",
    "ads",
    "seo",
    "social",
    "chat",
    "cdp",
    "analytics",
    "ab-testing",
    "ai-writing",
    "ai-image",
    "webinar",
    "video",
    "enrichment",
]


def raw() -> dict:
    text = resources.files("stacktrack").joinpath("catalog.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def test_at_least_80_products_including_the_required_ones():
    catalog = load_catalog()
    assert len(catalog) >= 80
    missing = [key for key in REQUIRED if catalog.get(key) is None]
    assert missing == []


def test_vocabulary_is_closed_and_includes_the_spec_words():
    data = raw()
    vocabulary = set(data["vocabulary"]["capabilities"])
    assert set(SPEC_CAPABILITIES) <= vocabulary
    categories = set(data["vocabulary"]["categories"])
    for key, product in data["products"].items():
        assert product["capabilities"], key
        assert set(product["capabilities"]) <= vocabulary, key
        assert product["category"] in categories, key
        assert product["name"].strip(), key


def test_aliases_are_unique_across_products_ignoring_case():
    # Checked on the raw data, independently of the loader's own check.
    owner: dict[str, str] = {}
    clashes = []
    for key, product in raw()["products"].items():
        names = {key.casefold(), product["name"].casefold()}
        names |= {alias.casefold() for alias in product["aliases"]}
        for name in names:
            if name in owner and owner[name] != key:
                clashes.append((name, owner[name], key))
            owner[name] = key
    assert clashes == []


def test_every_product_has_an_alias():
    for key, product in raw()["products"].items():
        assert product["aliases"], key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("HubSpot", "hubspot"),
        ("  HUBSPOT.COM ", "hubspot"),
        ("app.hubspot.com", "hubspot"),
        ("Marketo Measure", "bizible"),
        ("chat.openai.com", "chatgpt"),
        ("Sales Navigator", "linkedin_sales_navigator"),
        ("zoom.us", "zoom"),
        ("Zoom Webinar", "zoom_webinar"),
        ("6sense", "6sense"),
        ("Nothing Like This", None),
        ("", None),
    ],
)
def test_match_is_case_insensitive_over_key_name_and_aliases(name, key):
    product = load_catalog().match(name)
    assert (product.key if product else None) == key


def test_close_matches_suggest_keys():
    catalog = load_catalog()
    assert "hubspot" in catalog.close_matches("hubspt")
    assert catalog.close_matches("zzzzzzzz") == []
    assert catalog.get("hubspt") is None


def test_loader_is_cached():
    assert load_catalog() is load_catalog()


def test_loader_rejects_a_word_outside_the_vocabulary():
    data = {
        "vocabulary": {"capabilities": ["email"], "categories": ["email"]},
        "products": {
            "x": {"name": "X", "category": "email", "capabilities": ["emial"], "aliases": []}
        },
    }
    with pytest.raises(CatalogError, match="emial"):
        Catalog.from_dict(data)


def test_loader_rejects_an_alias_shared_by_two_products():
    entry = {"category": "email", "capabilities": ["email"]}
    data = {
        "vocabulary": {"capabilities": ["email"], "categories": ["email"]},
        "products": {
            "a": {"name": "A", "aliases": ["Mail.com"], **entry},
            "b": {"name": "B", "aliases": ["mail.COM"], **entry},
        },
    }
    with pytest.raises(CatalogError, match=r"mail\.com"):
        Catalog.from_dict(data)
