"""paperscope: self-hosted research-paper intelligence."""

__version__ = "0.1.0"
