"""The public testing kit for stacktrack plugins, first- and third-party.

* ``Emulator`` (and ``RateLimit``, ``json_response``, ``page_slice``): the base of a vendor emulator,
  a request handler that behaves like the vendor's API over in-memory data;
* ``WorldView`` and friends (``stacktrack.testing.world``): the sandbox world an emulator renders in
  its vendor's shapes to join ``stacktrack demo`` (``Emulator.world_data``, ``Emulator.world_tools``);
* ``LoopbackServer``: emulators over real HTTP on 127.0.0.1;
* ``PluginKit``: what a plugin's ``testkit.py`` provides to the conformance suite.

See ``docs/plugins/authoring.md``. Plugins may import this package; they never import
``stacktrack.sandbox``.
"""

from stacktrack.testing.emulator import Emulator, RateLimit, json_response, page_slice
from stacktrack.testing.kit import PluginKit
from stacktrack.testing.loopback import LoopbackServer
from stacktrack.testing.world import (
    CORE,
    FLAT,
    HEALTHY,
    MIXED,
    SHELFWARE,
    AddonSpec,
    AppView,
    ContractSpec,
    Employee,
    FeatureSpec,
    FeatureUser,
    FeatureView,
    Link,
    LinkSpec,
    Seat,
    ToolSpec,
    WorldView,
    epoch,
    iso_millis,
    stable_id,
)

__all__ = [
    "CORE",
    "FLAT",
    "HEALTHY",
    "MIXED",
    "SHELFWARE",
    "AddonSpec",
    "AppView",
    "ContractSpec",
    "Employee",
    "Emulator",
    "FeatureSpec",
    "FeatureUser",
    "FeatureView",
    "Link",
    "LinkSpec",
    "LoopbackServer",
    "PluginKit",
    "RateLimit",
    "Seat",
    "ToolSpec",
    "WorldView",
    "epoch",
    "iso_millis",
    "json_response",
    "page_slice",
    "stable_id",
]
