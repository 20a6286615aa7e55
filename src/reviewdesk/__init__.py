"""reviewdesk: review and label the behaviour of LLM applications offline."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reviewdesk")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"
