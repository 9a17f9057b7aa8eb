"""The sandbox (SPEC §10): a simulated company served by the vendor emulators, for demos and tests.

``stack`` describes the company's tools and contracts, ``world`` generates the company from a seed and
answers "as of" any simulated instant, ``adapters`` turn that into each emulator's vendor-shaped data,
``configfile`` writes the matching stacktrack configuration, ``faults`` injects latency, rate limits
and faults, ``server`` serves the emulators over loopback HTTP (or as in-process transports) and
``demo`` runs the real snapshot pipeline over simulated weeks. See ``docs/sandbox.md``.
"""
