"""flowservice-mock: a local, stateful emulator of Adobe Experience Platform's
Flow Service API for destinations."""

__version__ = "0.1.0"

from .app import create_app  # noqa: E402

__all__ = ["create_app", "__version__"]
