"""stacktrack: which SaaS tools a marketing team really uses, and what to cut before renewal."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stacktrack")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
