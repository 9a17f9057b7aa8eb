"""The built-in product catalog (SPEC §3): known martech products, their aliases and capabilities.

The data lives in ``catalog.toml`` next to this module (package data). ``load_catalog()`` reads it
once per process. The analysis uses it to give a configured tool its category and capabilities
(``[[tools]] product = "<key>"``) and to match the names identity providers and integration sources
use (SSO app labels, OAuth app names, vendor domains) to tools; ``config.py`` uses
``close_matches`` to suggest a key when a configured product is unknown.

Capabilities come from a closed vocabulary (``Catalog.vocabulary``), documented in
``docs/methodology.md``; consolidation compares tools by these words, so a typo would silently make
two tools look different — the loader rejects any word outside the vocabulary.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


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

    def names(self) -> tuple[str, ...]:
        """Every name this product answers to: key, canonical name and aliases."""
        return (self.key, self.name, *self.aliases)


class CatalogError(ValueError):
    """The catalog data is inconsistent (a bug in ``catalog.toml``, caught by the tests)."""


class Catalog:
    def __init__(
        self,
        products: dict[str, Product],
        vocabulary: frozenset[str],
        categories: frozenset[str],
    ) -> None:
        self.products = products
        self.vocabulary = vocabulary
        """The closed set of capability words."""
        self.categories = categories
        self._by_name: dict[str, Product] = {}
        for product in products.values():
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
            )
            for key, entry in data.get("products", {}).items()
        }
        return cls(
            products,
            frozenset(vocabulary.get("capabilities", [])),
            frozenset(vocabulary.get("categories", [])),
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

    def close_matches(self, key: str, n: int = 3) -> list[str]:
        """Catalog keys that look like ``key`` (for "did you mean" hints)."""
        return difflib.get_close_matches(key, list(self.products), n=n, cutoff=0.6)


@cache
def load_catalog() -> Catalog:
    """The built-in catalog, read once per process from the package data."""
    text = resources.files("stacktrack").joinpath("catalog.toml").read_text(encoding="utf-8")
    return Catalog.from_dict(tomllib.loads(text))
