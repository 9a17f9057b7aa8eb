"""The analysis, split by concept; ``stacktrack.analysis.analyze.analyze`` is the entry point.

``models`` (result types), ``matching`` (apps -> tools), ``figures`` (SPEC §6 per-tool numbers),
``graph`` (integration edges), ``recommend`` (SPEC §7).
"""
