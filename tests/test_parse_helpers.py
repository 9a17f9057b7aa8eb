"""The parse helpers of ``stacktrack.plugin_api``: one per shape of vendor data, each turning a wrong
shape into ``BadResponse`` naming the source and the field (or, for hints, into ``None``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, Field

from stacktrack.plugin_api import (
    BadResponse,
    json_or_none,
    parse_items,
    parse_model,
    parse_optional,
    parse_pages,
)


class User(BaseModel):
    id: str = Field(min_length=1)
    email: str | None = None


class Page(BaseModel):
    data: list[Any]
    has_more: bool = False


def test_parse_items_names_the_source_the_listing_the_position_and_the_field() -> None:
    users = parse_items(
        User,
        [{"id": "a"}, {"id": "b", "email": "b@x.com", "x": 1}],
        source="s",
        what="the user list",
    )
    assert users == [User(id="a"), User(id="b", email="b@x.com")]
    with pytest.raises(BadResponse) as caught:
        parse_items(
            User,
            [{"id": "a"}, {"id": "b"}, {"id": "c", "email": 7}],
            source="crm",
            what="the user list",
        )
    assert caught.value.source == "crm"
    assert caught.value.message == "the user list returned an unexpected shape (at 2.email)"


@pytest.mark.parametrize(
    ("items", "where"),
    [
        ([{"email": "x@y.z"}], "(at 0.id)"),  # a missing key
        ([{"id": ""}], "(at 0.id)"),
        (["just a string"], "(at 0)"),  # a record that is no object
        ({"id": "a"}, "(not a list)"),
        (None, "(not a list)"),
    ],
)
def test_parse_items_turns_every_wrong_shape_into_bad_response(items: Any, where: str) -> None:
    with pytest.raises(BadResponse) as caught:
        parse_items(User, items, source="s", what="the user list")
    assert caught.value.message == f"the user list returned an unexpected shape {where}"


def test_parse_model_names_the_field() -> None:
    with pytest.raises(
        BadResponse, match=r"the seat list returned an unexpected shape \(at data\)"
    ):
        parse_model(Page, {"has_more": True}, source="s", what="the seat list")


async def test_parse_pages_parses_each_page_and_reports_progress() -> None:
    async def pages() -> AsyncIterator[Any]:
        yield {"data": [1], "has_more": True}
        yield {"data": [2]}
        yield {"data": "three"}

    steps: list[str] = []
    parsed = parse_pages(Page, pages(), source="s", what="member list", progress=steps.append)
    assert await anext(parsed) == Page(data=[1], has_more=True)
    assert await anext(parsed) == Page(data=[2])
    with pytest.raises(BadResponse, match=r"^s: the member list returned an unexpected shape"):
        await anext(parsed)
    assert steps == ["member list page 1", "member list page 2", "member list page 3"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"id": "u1", "email": "a@b.c"}, User(id="u1", email="a@b.c")),
        ({"email": "a@b.c"}, None),
        ("<html>proxy error</html>", None),
        (None, None),
        ([{"id": "u1"}], None),
    ],
)
def test_parse_optional_gives_the_model_or_none_and_never_raises(
    body: Any, expected: User | None
) -> None:
    assert parse_optional(User, body) == expected


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (httpx.Response(429, json={"errors": [{"code": "606"}]}), {"errors": [{"code": "606"}]}),
        (httpx.Response(503, text="<html>Service Unavailable</html>"), None),
        (httpx.Response(429), None),
        (httpx.Response(400, content=b"\xff\xfe not utf-8"), None),
        (httpx.Response(400, content=b"[" * 100_000), None),  # nested too deep for the parser
    ],
)
def test_json_or_none_reads_a_body_for_hints_and_never_raises(
    response: httpx.Response, expected: Any
) -> None:
    assert json_or_none(response) == expected
