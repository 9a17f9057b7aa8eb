"""The analysis, split by concept; ``stacktrack.analysis.analyze.analyze`` is the entry point.

``models`` (result types), ``matching`` (apps -> tools), ``figures`` (per-tool numbers),
``graph`` (integration edges), ``recommend`` (the plan).
"""
