"""The built-in product catalog: known martech products, their aliases and capabilities.

The data lives in ``catalog.toml`` next to this module (package data). ``load_catalog()`` reads it
once per process. The analysis uses it to give a configured tool its category and capabilities
(``[[tools]] product = "<key>"``) and to match the names identity providers and integration sources
use (SSO app labels, OAuth app names, vendor domains) to tools; ``config.py`` uses
``close_matches`` to suggest a key when a configured product is unknown.

Capabilities come from a closed vocabulary (``Catalog.vocabulary``), documented in
``docs/methodology.md``; consolidation compares tools by these words, so a typo would silently make
two tools look different — the loader rejects any word outside the vocabulary.

Features (paid features and add-ons, docs/methodology.md "Features and capability utilization") come
from a second closed vocabulary (``Catalog.features``: key -> display name). Per product the catalog
maps the vendor's own feature names to keys (``Product.feature_key``) and lists its tiers, each with
the features it adds over the tier below and, per feature, the vendor page that says so
(``Product.entitled``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Tier:
    """One plan of a product, as the vendor's pricing or plans page describes it."""

    key: str
    """What ``[tools.contract] tier = "..."`` names (lowercase, e.g. ``"professional"``)."""
    name: str
    adds: frozenset[str]
    """Feature keys this tier adds over the tier below it."""
    sources: tuple[tuple[str, str], ...]
    """(feature key, vendor page): the page that says the tier includes the feature."""


@dataclass(frozen=True)
class Product:
    key: str
    """The catalog key a tool names in ``product = "..."``."""
    name: str
    """Canonical product name."""
    category: str
    capabilities: frozenset[str]
    aliases: tuple[str, ...]
    """Vendor domains, SSO app labels, OAuth app names (as written; matching ignores case)."""
    feature_names: tuple[tuple[str, str], ...] = ()
    """(vendor feature name casefolded, feature key): how this vendor names the features it reports."""
    tiers: tuple[Tier, ...] = ()
    """The product's plans, lowest first."""

    def names(self) -> tuple[str, ...]:
        """Every name this product answers to: key, canonical name and aliases."""
        return (self.key, self.name, *self.aliases)

    def feature_key(self, vendor_name: str) -> str | None:
        """The feature key the vendor's own name maps to (case-insensitive), else ``None``."""
        wanted = vendor_name.strip().casefold()
        for name, key in self.feature_names:
            if name == wanted:
                return key
        return None

    def tier(self, key: str) -> Tier | None:
        for tier in self.tiers:
            if tier.key == key.strip().casefold():
                return tier
        return None

    def entitled(self, tier_key: str) -> frozenset[str] | None:
        """Every feature the tier includes (its own and those of the tiers below), else ``None``."""
        features: set[str] = set()
        for tier in self.tiers:
            features |= tier.adds
            if tier.key == tier_key.strip().casefold():
                return frozenset(features)
        return None


class CatalogError(ValueError):
    """The catalog data is inconsistent (a bug in ``catalog.toml``, caught by the tests)."""


class Catalog:
    def __init__(
        self,
        products: dict[str, Product],
        vocabulary: frozenset[str],
        categories: frozenset[str],
        features: dict[str, str] | None = None,
    ) -> None:
        self.products = products
        self.vocabulary = vocabulary
        """The closed set of capability words."""
        self.categories = categories
        self.features: dict[str, str] = dict(features or {})
        """The closed feature vocabulary: key -> display name."""
        self._by_name: dict[str, Product] = {}
        for product in products.values():
            self._check_features(product)
            unknown = product.capabilities - vocabulary
            if unknown:
                raise CatalogError(
                    f"products.{product.key}: capabilities outside the vocabulary: "
                    + ", ".join(sorted(unknown))
                )
            if product.category not in categories:
                raise CatalogError(f"products.{product.key}: unknown category {product.category!r}")
            for name in {n.casefold() for n in product.names()}:
                other = self._by_name.get(name)
                if other is not None and other.key != product.key:
                    raise CatalogError(
                        f"alias {name!r} belongs to both {other.key!r} and {product.key!r}"
                    )
                self._by_name[name] = product

    def _check_features(self, product: Product) -> None:
        where = f"products.{product.key}"
        for vendor_name, key in product.feature_names:
            if key not in self.features:
                raise CatalogError(
                    f"{where}.feature_names: {vendor_name!r} maps to unknown feature {key!r}"
                )
        seen: set[str] = set()
        for tier in product.tiers:
            if tier.key in seen:
                raise CatalogError(f"{where}.tiers: tier {tier.key!r} listed twice")
            seen.add(tier.key)
            unknown = tier.adds - self.features.keys()
            if unknown:
                raise CatalogError(
                    f"{where}.tiers.{tier.key}: features outside the vocabulary: "
                    + ", ".join(sorted(unknown))
                )
            for feature, page in tier.sources:
                if not page.startswith("https://"):
                    raise CatalogError(
                        f"{where}.tiers.{tier.key}.adds.{feature}: cite the vendor's https page"
                    )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Catalog:
        vocabulary = data.get("vocabulary", {})
        products = {
            key: Product(
                key=key,
                name=entry["name"],
                category=entry["category"],
                capabilities=frozenset(entry.get("capabilities", [])),
                aliases=tuple(entry.get("aliases", [])),
                feature_names=tuple(
                    (vendor_name.strip().casefold(), feature)
                    for vendor_name, feature in entry.get("feature_names", {}).items()
                ),
                tiers=tuple(
                    Tier(
                        key=tier["key"].casefold(),
                        name=tier.get("name", tier["key"]),
                        adds=frozenset(tier.get("adds", {})),
                        sources=tuple(tier.get("adds", {}).items()),
                    )
                    for tier in entry.get("tiers", [])
                ),
            )
            for key, entry in data.get("products", {}).items()
        }
        return cls(
            products,
            frozenset(vocabulary.get("capabilities", [])),
            frozenset(vocabulary.get("categories", [])),
            dict(data.get("features", {})),
        )

    def __len__(self) -> int:
        return len(self.products)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.products.values())

    def get(self, key: str | None) -> Product | None:
        """The product with this catalog key, or ``None``."""
        if key is None:
            return None
        return self.products.get(key)

    def match(self, name: str | None) -> Product | None:
        """The product whose key, name or an alias equals ``name`` (case-insensitive), or ``None``."""
        if not name:
            return None
        return self._by_name.get(name.strip().casefold())

    def feature_name(self, key: str) -> str | None:
        """The display name of a feature key, or ``None`` for a name outside the vocabulary."""
        return self.features.get(key)

    def close_matches(self, key: str, n: int = 3) -> list[str]:
        """Catalog keys that look like ``key`` (for "did you mean" hints)."""
        import difflib  # only for "did you mean" hints

        return difflib.get_close_matches(key, list(self.products), n=n, cutoff=0.6)

    def close_features(self, key: str, n: int = 3) -> list[str]:
        """Feature keys that look like ``key`` (for "did you mean" hints in config errors)."""
        import difflib

        return difflib.get_close_matches(key, list(self.features), n=n, cutoff=0.6)


@cache
def load_catalog() -> Catalog:
    """The built-in catalog, read once per process from the package data."""
    text = resources.files("stacktrack").joinpath("catalog.toml").read_text(encoding="utf-8")
    return Catalog.from_dict(tomllib.loads(text))
