"""Hostile vendor responses over real loopback HTTP (issue 11, items 6, 8 and 10).

Each test points a real client (``build_client``: retries, caps, auth) at a ``HostileServer`` and
checks the source fails as a bad response naming the cause, and that no token leaves the origin.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import httpx
import pydantic
import pytest

from stacktrack.errors import BadResponse
from stacktrack.http import MIB, SizeLimits, build_client
from stacktrack.paging import (
    get_json,
    paginate_body_cursor,
    paginate_link_header,
    paginate_next_url,
    request_json,
)
from stacktrack.plugin_api import CollectContext, Observation, Plugin, PluginSettings
from tests.reliability.hostile import HostileServer, Reply

TOKEN = "tok-hostile-Zq8x7VpL2mN4kR9sT1uW"


class _Plugin(Plugin):
    name = "test"
    title = "Test"

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        raise NotImplementedError


def client_for(server: HostileServer, limits: SizeLimits | None = None) -> httpx.AsyncClient:
    settings = PluginSettings(plugin="test", base_url=server.url, token=TOKEN)
    return build_client(_Plugin("crm", settings), limits=limits)


@pytest.fixture
def servers() -> Iterator[tuple[HostileServer, HostileServer]]:
    """The source's own server and another origin (same host, another port)."""
    with HostileServer() as own, HostileServer() as other:
        other.routes["/steal"] = Reply(body=b"[]", headers={"Content-Type": "application/json"})
        yield own, other


def _json(value: object, **headers: str) -> Reply:
    return Reply(
        body=json.dumps(value).encode(), headers={"Content-Type": "application/json", **headers}
    )


# -- item 6: same origin for every followed link ------------------------------------------------


async def test_link_header_paginator_refuses_a_next_link_to_another_origin(
    servers: tuple[HostileServer, HostileServer],
) -> None:
    own, other = servers
    own.routes["/users"] = _json([1], Link=f'<{other.url}/steal?after=2>; rel="next"')
    pages = []
    async with client_for(own) as client:
        with pytest.raises(BadResponse, match="another host") as caught:
            async for page in paginate_link_header(client, "/users", source="crm"):
                pages.append(page)
    assert pages == [[1]]
    assert caught.value.source == "crm"
    assert other.seen == []  # the token never went there
    assert own.seen[0].authorization == f"Bearer {TOKEN}"


async def test_link_header_paginator_follows_a_same_origin_link(
    servers: tuple[HostileServer, HostileServer],
) -> None:
    own, _ = servers
    own.routes["/users"] = _json([1], Link=f'<{own.url}/users2?after=2>; rel="next"')
    own.routes["/users2"] = _json([2], Link='</users3>; rel="next"')  # relative: same origin
    own.routes["/users3"] = _json([3])
    async with client_for(own) as client:
        pages = [page async for page in paginate_link_header(client, "/users", source="crm")]
    assert pages == [[1], [2], [3]]


async def test_next_url_paginator_refuses_a_next_url_to_another_origin(
    servers: tuple[HostileServer, HostileServer],
) -> None:
    own, other = servers
    own.routes["/query"] = _json({"records": [1], "nextRecordsUrl": f"{other.url}/steal"})
    async with client_for(own) as client:
        with pytest.raises(BadResponse, match="another host"):
            async for _ in paginate_next_url(
                client, "/query", source="crm", next_url=lambda b: b.get("nextRecordsUrl")
            ):
                pass
    assert other.seen == []


async def test_next_url_paginator_refuses_a_scheme_change(
    servers: tuple[HostileServer, HostileServer],
) -> None:
    own, _ = servers
    host = own.url.removeprefix("http://")
    own.routes["/query"] = _json({"nextRecordsUrl": f"https://{host}/query2"})
    async with client_for(own) as client:
        with pytest.raises(BadResponse, match="another host"):
            async for _ in paginate_next_url(
                client, "/query", source="crm", next_url=lambda b: b.get("nextRecordsUrl")
            ):
                pass


async def test_body_cursor_paginator_sends_a_url_shaped_cursor_only_to_its_own_origin(
    servers: tuple[HostileServer, HostileServer],
) -> None:
    own, other = servers
    own.routes["/list"] = _json({"items": [1], "next": f"{other.url}/steal"})
    with pytest.raises(BadResponse, match="repeated cursor"):
        async with client_for(own) as client:
            async for _ in paginate_body_cursor(
                client,
                "/list",
                source="crm",
                cursor_param="cursor",
                next_cursor=lambda b: b["next"],
            ):
                pass
    assert other.seen == []
    assert len(own.seen) == 2  # the cursor went back to /list as a parameter


# -- item 8: size caps -------------------------------------------------------------------------


async def test_a_gzip_bomb_ends_at_the_per_response_cap(
    servers: tuple[HostileServer, HostileServer],
) -> None:
    own, _ = servers
    bomb = gzip.compress(b" " * (80 * MIB), compresslevel=9)  # ~80 KB on the wire
    assert len(bomb) < MIB
    own.routes["/bomb"] = Reply(
        body=bomb, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}
    )
    async with client_for(own) as client:  # the default caps
        with pytest.raises(BadResponse, match="64 MiB per response") as caught:
            await get_json(client, "/bomb", source="crm")
    assert caught.value.source == "crm"


async def test_an_endless_chunked_body_ends_at_the_cap(
    servers: tuple[HostileServer, HostileServer],
) -> None:
    own, _ = servers

    def forever() -> Iterator[bytes]:
        while True:
            yield b"[" * 65536

    own.routes["/endless"] = Reply(body=forever, headers={"Content-Type": "application/json"})
    async with client_for(own, SizeLimits(response_bytes=2 * MIB)) as client:
        with pytest.raises(BadResponse, match="2 MiB per response"):
            await get_json(client, "/endless", source="crm")


async def test_the_per_source_cap_counts_every_page(
    servers: tuple[HostileServer, HostileServer],
) -> None:
    own, _ = servers
    page = json.dumps(["x" * 1000] * 700).encode()  # ~0.7 MiB per page
    for n in range(5):
        link = {"Link": f'</p{n + 1}>; rel="next"'}
        own.routes[f"/p{n}"] = Reply(
            body=page, headers={"Content-Type": "application/json", **link}
        )
    limits = SizeLimits(response_bytes=1 * MIB, source_bytes=2 * MIB)
    pages = 0
    async with client_for(own, limits) as client:
        with pytest.raises(BadResponse, match="2 MiB per source"):
            async for _ in paginate_link_header(client, "/p0", source="crm"):
                pages += 1
    assert pages == 2


# -- item 10: JSON nested absurdly deep ---------------------------------------------------------


@pytest.mark.parametrize("typed", [False, True], ids=["json.loads", "pydantic"])
async def test_json_nested_200k_deep_is_a_bad_response(
    servers: tuple[HostileServer, HostileServer], typed: bool
) -> None:
    own, _ = servers
    own.routes["/deep"] = Reply(
        body=b"[" * 200_000 + b"]" * 200_000, headers={"Content-Type": "application/json"}
    )
    parse = pydantic.TypeAdapter(list[object]).validate_json if typed else None
    async with client_for(own) as client:
        with pytest.raises(BadResponse, match="not valid JSON"):
            await request_json(client, "GET", "/deep", source="crm", parse=parse)
