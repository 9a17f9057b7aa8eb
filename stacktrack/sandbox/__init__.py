"""The sandbox (SPEC §10): a simulated company served by the vendor emulators, for demos and tests.

``world`` generates the company, ``adapters`` turn it into each emulator's data, ``config`` writes the
matching stacktrack configuration, ``server`` serves the emulators over loopback HTTP (or in-process
transports) and ``demo`` runs the real snapshot pipeline over simulated weeks.
"""
