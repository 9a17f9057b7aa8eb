"""The product catalog: closed capability vocabulary, unique aliases, the products the brief needs."""

from __future__ import annotations

import re
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


# --- the feature vocabulary, vendor feature names and tiers --------------------------------------


def test_feature_vocabulary_is_closed_and_named():
    data = raw()
    features = data["features"]
    assert len(features) >= 30
    for key, name in features.items():
        assert key == key.lower() and " " not in key, key
        assert name.strip(), key
    for key, product in data["products"].items():
        for vendor_name, feature in product.get("feature_names", {}).items():
            assert feature in features, (key, vendor_name)
        for tier in product.get("tiers", []):
            assert set(tier["adds"]) <= set(features), (key, tier["key"])
            for page in tier["adds"].values():  # every claim cites the vendor's page
                assert page.startswith("https://"), (key, tier["key"], page)


def test_vendor_feature_names_map_case_insensitively():
    catalog = load_catalog()
    assert catalog.get("salesforce").feature_key("marketinguser") == "campaigns"
    assert catalog.get("salesforce").feature_key(" MarketingUser ") == "campaigns"
    assert catalog.get("google_workspace").feature_key("gemini_in_workspace_apps") == "ai-assistant"
    assert catalog.get("salesforce").feature_key("NoSuchLicence") is None


def test_methodology_lists_the_feature_vocabulary():
    from pathlib import Path

    doc = (Path(__file__).parent.parent / "docs" / "methodology.md").read_text(encoding="utf-8")
    section = doc.split("## Feature vocabulary", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([a-z0-9-]+)`", section))
    assert listed == set(load_catalog().features)


def _catalog_with_tiers(tiers, feature_names=None):
    return Catalog.from_dict(
        {
            "vocabulary": {"capabilities": ["email"], "categories": ["email"]},
            "features": {"forms": "Forms", "workflows": "Workflows", "sequences": "Sequences"},
            "products": {
                "x": {
                    "name": "X",
                    "category": "email",
                    "capabilities": ["email"],
                    "aliases": [],
                    "tiers": tiers,
                    "feature_names": feature_names or {},
                }
            },
        }
    )


def test_a_tier_includes_the_features_of_the_tiers_below():
    catalog = _catalog_with_tiers(
        [
            {"key": "starter", "adds": {"forms": "https://example.com/p"}},
            {"key": "pro", "adds": {"workflows": "https://example.com/p"}},
            {"key": "enterprise", "adds": {"sequences": "https://example.com/p"}},
        ]
    )
    product = catalog.get("x")
    assert product.entitled("starter") == {"forms"}
    assert product.entitled("PRO") == {"forms", "workflows"}
    assert product.entitled("enterprise") == {"forms", "workflows", "sequences"}
    assert product.entitled("platinum") is None


@pytest.mark.parametrize(
    ("tiers", "names", "message"),
    [
        ([{"key": "a", "adds": {"frosm": "https://e.com"}}], {}, "frosm"),
        ([{"key": "a", "adds": {"forms": "e.com"}}], {}, "https"),
        (
            [
                {"key": "a", "adds": {"forms": "https://e.com"}},
                {"key": "a", "adds": {"forms": "https://e.com"}},
            ],
            {},
            "twice",
        ),
        ([], {"Flows": "flowz"}, "flowz"),
    ],
)
def test_loader_rejects_bad_feature_data(tiers, names, message):
    with pytest.raises(CatalogError, match=message):
        _catalog_with_tiers(tiers, names)
