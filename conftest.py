"""Project-wide pytest setup: the contract suite's options (--target ...) are known to every run."""

pytest_plugins = ("contracts.plugin",)
