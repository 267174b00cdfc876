"""The application factory."""

from __future__ import annotations

from flask import Flask

from .api import adhoc, admin, checks, engine, collections, errors, hooks, ims, platform_apis, runs, specs
from .api import access, permissions
from .api.wire import Wire
from .platform import Platform
from .settings import Settings


def create_app(settings: Settings | None = None, platform: Platform | None = None) -> Flask:
    """A Flask app serving the emulated Flow Service (and the ``/_mock/`` admin API)."""
    platform = platform or Platform(settings or Settings.from_env())
    app = Flask(__name__)
    app.extensions["flowservice"] = platform
    # Paths are matched as the real gateway matches them: '/flows/' is not '/flows'.
    app.url_map.strict_slashes = False
    hooks.install(app)
    access.install(app)  # after the gateway checks: who may do what (api/access.py)
    errors.install(app)
    app.register_blueprint(collections.blueprint())
    app.register_blueprint(specs.bp)
    app.register_blueprint(runs.bp)
    app.register_blueprint(adhoc.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(engine.bp)
    app.register_blueprint(ims.bp)
    app.register_blueprint(checks.bp)
    app.register_blueprint(permissions.bp)
    # Faults and the journal wrap the whole app: they see the bytes on the wire (api/wire.py).
    app.wsgi_app = Wire(app)  # type: ignore[method-assign]
    app.register_blueprint(platform_apis.bp)
    return app
