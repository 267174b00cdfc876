"""The pytest plugin (entry point ``pytest11``: ``flowservice_mock``), for tests of Flow Service clients.

Fixtures:

* ``flowservice_mock``: the mock, running on a free loopback port on a background thread of the
  test process (one server per session), reset before each test: state, journal, fault rules
  and clock. It gives ``url``, ``base_url`` (the Flow Service base path), ``headers`` (valid
  gateway headers), ``add_fault(...)``, ``requests(...)`` (the journal), ``conformance()`` and
  ``assert_conformant()``, ``advance(seconds)`` and ``run_due()`` (move the clock, export what the
  schedules reached, return the finished runs), and ``platform`` (the emulated service, in-process).
* ``flowservice_faults``: add fault rules (``add(kind=..., ...)``); they end with the test.
* ``flowservice_clock``: the mock's clock (``freeze``, ``set``, ``advance``); back to real time after the test.
* ``flowservice_permissions``: who holds which permissions (``set(document)``, ``grant(*names, client=...,
  sandboxes=...)``, ``get()``, ``clear()``); back to the start-up configuration after the test.
* ``flowservice_mock_settings`` (session): the mock's settings; override it in a conftest.py.

Markers:

* ``@pytest.mark.flowservice_fault(kind="status", status=429, retry_after=2, every=2, ...)``: a fault
  rule for the test (keywords as ``add_fault``); several markers add several rules, top one first.
* ``@pytest.mark.flowservice_clock(at=1767225600.0)``: the clock frozen at that instant (epoch
  seconds; ``at=None`` freezes it at the test's start).
* ``@pytest.mark.flowservice_conformant(min_poll_interval=5)``: with the ``flowservice_mock`` fixture,
  fail the test when the journal holds conformance violations after its body ran.
* ``@pytest.mark.flowservice_permissions({"<client id>": {"permissions": [...]}})``, or
  ``flowservice_permissions("View Destinations", ..., client=None, sandboxes=None)``: the permissions
  document for the test (the keyword form: the mock's own client, ``headers["x-api-key"]``, holds those).
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

DEFAULT_HEADERS = {
    "Authorization": "Bearer flowservice-mock-token",
    "x-api-key": "flowservice-mock-client",
    "x-gw-ims-org-id": "0123456789ABCDEF01234567@AdobeOrg",
    "x-sandbox-name": "prod",
}
#: Keyword arguments of add_fault and the markers, and the rule fields they set.
FAULT_KEYWORDS = {
    "kind": "kind", "status": "status", "retry_after": "retryAfter", "latency_ms": "latencyMs",
    "every": "every", "probability": "probability", "seed": "seed", "times": "times",
    "method": "method", "path": "path", "org": "imsOrgId", "sandbox": "sandboxName",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "flowservice_fault(**rule): a fault rule of flowservice-mock for this test")
    config.addinivalue_line("markers", "flowservice_clock(at=None): freeze flowservice-mock's clock for this test")
    config.addinivalue_line("markers", "flowservice_conformant(min_poll_interval=5): fail the test on "
                                       "conformance violations in flowservice-mock's journal")
    config.addinivalue_line("markers", "flowservice_permissions(document or *permissions, client=None, "
                                       "sandboxes=None): flowservice-mock's permissions for this test")


class RunningMock:
    """A running mock, as a test sees it."""

    def __init__(self, server: Any) -> None:
        from .api.responses import FLOW_SERVICE_BASE

        self.server = server
        self.url: str = server.url
        self.base_url = self.url + FLOW_SERVICE_BASE
        self.headers = dict(DEFAULT_HEADERS)

    @property
    def platform(self) -> Any:
        return self.server.app.extensions["flowservice"]

    @property
    def clock(self) -> Any:
        return self.platform.clock

    def reset(self) -> None:
        """Forget entities, journal and fault rules; real time again; the start-up permissions."""
        platform = self.platform
        platform.reset()
        platform.journal.clear()
        platform.faults.clear()
        platform.clock.reset()
        platform.permissions.restore()

    def set_permissions(self, document: Any) -> dict:
        """Replace the permissions document (``{}`` or None: every client holds everything)."""
        return self.platform.permissions.set(document)

    def grant(self, *permissions: str, client: str | None = None, sandboxes: Any = None) -> dict:
        """Only ``client`` (default: this mock's ``x-api-key``) holds ``permissions`` (in ``sandboxes``)."""
        entry: dict[str, Any] = {"permissions": list(permissions)}
        if sandboxes is not None:
            entry["sandboxes"] = list(sandboxes)
        return self.set_permissions({client or self.headers["x-api-key"]: entry})

    def advance(self, seconds: float) -> list[dict]:
        """Move the clock forward and export what the schedules reached; returns the runs made
        (as ``GET /runs`` shows them), finished."""
        platform = self.platform
        platform.clock.advance(seconds)
        return self.run_due()

    def run_due(self) -> list[dict]:
        """Create the runs due by the clock's now and wait for their exports; returns them, finished."""
        from .domain.runs import present

        platform = self.platform
        created = platform.runner.catch_up()
        platform.runner.wait()
        return [present(platform.runs.latest(run)) for run in created]

    def add_fault(self, **rule: Any) -> dict:
        """One fault rule; keywords: kind, status, retry_after, latency_ms, every, probability,
        seed, times, method, path, org, sandbox. ``kind`` defaults to ``status`` when ``status`` is given."""
        unknown = sorted(set(rule) - set(FAULT_KEYWORDS))
        if unknown:
            raise TypeError(f"unknown fault keyword {unknown[0]!r}; known: {', '.join(FAULT_KEYWORDS)}")
        body = {FAULT_KEYWORDS[k]: v for k, v in rule.items() if v is not None}
        if "kind" not in body and "status" in body:
            body["kind"] = "status"
        return self.platform.faults.add(body)[0].to_json()

    def faults(self) -> list[dict]:
        return [r.to_json() for r in self.platform.faults.rules()]

    def requests(self, **filters: Any) -> list[dict]:
        """The journal, oldest first; filters as GET /_mock/requests (method, path, status, org, sandbox, since, limit)."""
        if "status" in filters and filters["status"] is not None:
            filters["status"] = str(filters["status"])
        return [e.to_json() for e in self.platform.journal.select(**filters)]

    def conformance(self, min_poll_interval: float | None = None) -> dict:
        from .checks.conformance import report
        from .checks.rules import Options

        options = Options() if min_poll_interval is None else Options(min_poll_interval=min_poll_interval)
        return report(self.platform.journal.exchanges(), options)

    def assert_conformant(self, min_poll_interval: float | None = None) -> None:
        from .checks.conformance import render_text

        result = self.conformance(min_poll_interval)
        if not result["conformant"]:
            pytest.fail("the client broke conformance rules:\n" + render_text(result), pytrace=False)


@pytest.fixture(scope="session")
def flowservice_mock_settings(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Settings of the session's mock: the environment's (FLOWSERVICE_MOCK_*), on a free loopback
    port, exporting into a temporary folder unless the environment names one."""
    import os

    from .settings import ENV_PREFIX, Settings

    settings = Settings.from_env().with_overrides(host="127.0.0.1", port=0)
    if ENV_PREFIX + "STORAGE_ROOT" not in os.environ:
        settings = settings.with_overrides(storage_root=str(tmp_path_factory.mktemp("flowservice-exports")))
    return settings


@pytest.fixture(scope="session")
def flowservice_mock_server(flowservice_mock_settings: Any) -> Iterator[Any]:
    from .server import MockServer

    with MockServer(flowservice_mock_settings) as server:
        yield server


@pytest.fixture
def flowservice_mock(flowservice_mock_server: Any, request: pytest.FixtureRequest) -> Iterator[RunningMock]:
    mock = RunningMock(flowservice_mock_server)
    mock.reset()
    # iter_markers gives the closest (lowest) marker first; rules go in reading order.
    for marker in reversed(list(request.node.iter_markers("flowservice_fault"))):
        mock.add_fault(*marker.args, **marker.kwargs)
    permissions = request.node.get_closest_marker("flowservice_permissions")
    if permissions is not None:
        if len(permissions.args) == 1 and not isinstance(permissions.args[0], str):
            mock.set_permissions(permissions.args[0])
        else:
            mock.grant(*permissions.args, **permissions.kwargs)
    clock = request.node.get_closest_marker("flowservice_clock")
    if clock is not None:
        mock.clock.freeze(clock.kwargs.get("at", clock.args[0] if clock.args else None))
    yield mock
    mock.reset()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[Any]:
    """``flowservice_conformant``: judged after the test body, so that violations fail the test itself."""
    result = yield
    marker = item.get_closest_marker("flowservice_conformant")
    mock = getattr(item, "funcargs", {}).get("flowservice_mock")
    if marker is not None and mock is not None:
        mock.assert_conformant(marker.kwargs.get("min_poll_interval"))
    return result


class Faults:
    """Fault rules of the test's mock."""

    def __init__(self, mock: RunningMock) -> None:
        self._mock = mock

    def add(self, **rule: Any) -> dict:
        return self._mock.add_fault(**rule)

    def list(self) -> list[dict]:
        return self._mock.faults()

    def clear(self) -> int:
        return self._mock.platform.faults.clear()


@pytest.fixture
def flowservice_faults(flowservice_mock: RunningMock) -> Faults:
    return Faults(flowservice_mock)


@pytest.fixture
def flowservice_clock(flowservice_mock: RunningMock) -> Any:
    return flowservice_mock.clock


class PermissionsControl:
    """Access control of the test's mock."""

    def __init__(self, mock: RunningMock) -> None:
        self._mock = mock

    def set(self, document: Any) -> dict:
        return self._mock.set_permissions(document)

    def grant(self, *permissions: str, client: str | None = None, sandboxes: Any = None) -> dict:
        return self._mock.grant(*permissions, client=client, sandboxes=sandboxes)

    def get(self) -> dict:
        return self._mock.platform.permissions.document()

    def clear(self) -> int:
        return self._mock.platform.permissions.clear()


@pytest.fixture
def flowservice_permissions(flowservice_mock: RunningMock) -> PermissionsControl:
    return PermissionsControl(flowservice_mock)
