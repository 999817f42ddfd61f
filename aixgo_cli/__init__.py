"""aixgo: define LLM agent workflows in YAML and run them durably."""

__version__ = "0.1.0"
