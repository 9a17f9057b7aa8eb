"""The sandbox: a simulated company served by the vendor emulators, for demos and tests.

``stack`` describes the company's own tools and contracts, ``participants`` finds the installed plugins
whose emulators join the company (bringing their tools, serving the world in their vendor's shapes),
``world`` generates the company from a seed and answers "as of" any simulated instant, ``configfile``
writes the matching stacktrack configuration, ``faults`` injects latency, rate limits and faults,
``server`` serves the emulators over loopback HTTP (or as in-process transports) and ``demo`` runs the
real snapshot pipeline over simulated weeks. See ``docs/sandbox.md``; what a plugin implements to take
part is ``stacktrack.testing``.
"""
