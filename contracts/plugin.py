"""The pytest side of the contract suite: choosing targets, checking markers, one-line reports.

Loaded for the whole project (root conftest.py) so that ``--target`` is known however pytest is
called. Targets come from ``--target``, else ``FLOWSERVICE_CONTRACT_TARGET``, else the
``contract_targets`` ini value, else ``inprocess``; several may be given, comma-separated.

The mock targets (``inprocess``, and ``http`` when it starts its own server) run on each store of
``--mock-store`` (else ``FLOWSERVICE_CONTRACT_MOCK_STORE``, else the ``contract_mock_stores`` ini
value, else ``memory``): ``memory``, ``sqlite`` (a temporary file) or ``sqlite:PATH``,
``redis://HOST:PORT/DB``, or ``redis``: the URL a ``redis_url`` fixture of the project gives.
Such a target is named ``inprocess@sqlite``, ``http@redis``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mockserver import targets
from mockserver.store.base import REDIS_SCHEMES

from . import markers

HERE = Path(__file__).resolve().parent
TARGET_NAMES = ("inprocess", "http", "real")
_STATE = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contracts", "contract suite (contracts/)")
    group.addoption("--target", help="where contract tests run: inprocess, http, real, or a comma list "
                                     "(env FLOWSERVICE_CONTRACT_TARGET; default inprocess)")
    group.addoption("--base-url", help="base URL of the http target (env FLOWSERVICE_CONTRACT_URL); "
                                       "without it the http target starts a mock server process")
    group.addoption("--allow-prod", action="store_true",
                    help="let the real target run in a sandbox named prod (env AEP_ALLOW_PROD=1)")
    group.addoption("--mock-store", help="stores the mock targets run on: memory, sqlite, sqlite:PATH, "
                                         "redis://HOST:PORT/DB, redis, or a comma list "
                                         "(env FLOWSERVICE_CONTRACT_MOCK_STORE; default memory)")
    parser.addini("contract_targets", "contract targets when neither --target nor the environment says")
    parser.addini("contract_mock_stores", "stores of the mock targets when neither --mock-store nor the "
                                          "environment says")


def pytest_configure(config: pytest.Config) -> None:
    for line in markers.LINES:
        config.addinivalue_line("markers", line)
    raw = (config.getoption("--target") or os.environ.get("FLOWSERVICE_CONTRACT_TARGET")
           or config.getini("contract_targets") or "inprocess")
    chosen = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in TARGET_NAMES]
    if unknown or not chosen:
        raise pytest.UsageError(f"--target: unknown {', '.join(unknown) or 'empty'} (inprocess, http, real)")
    skip_line = None
    if "real" in chosen:
        missing = targets.missing_real_credentials()
        if missing:
            chosen.remove("real")
            skip_line = f"contracts: target real skipped: set {', '.join(missing)} to run against the real API"
    raw = (config.getoption("--mock-store") or os.environ.get("FLOWSERVICE_CONTRACT_MOCK_STORE")
           or config.getini("contract_mock_stores") or "memory")
    stores = [store.strip() for store in raw.split(",") if store.strip()]
    bad = [store for store in stores if not _known_store(store)]
    if bad or not stores:
        raise pytest.UsageError(f"--mock-store: unknown {', '.join(bad) or 'empty'} "
                                "(memory, sqlite, sqlite:PATH, redis://HOST:PORT/DB, redis)")
    given_url = config.getoption("--base-url") or os.environ.get("FLOWSERVICE_CONTRACT_URL")
    variants = []
    for name in chosen:
        # A given URL, or the real API, has its own store.
        own = name == "real" or (name == "http" and given_url)
        variants += [name] if own else [name if store == "memory" else f"{name}@{_short(store)}" for store in stores]
    config.stash[_STATE] = {"targets": variants, "stores": {_short(store): store for store in stores},
                            "skip_line": skip_line, "open": {}, "items": []}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames and _in_contracts(metafunc.definition.path):
        names = metafunc.config.stash[_STATE]["targets"]
        metafunc.parametrize("target", names, indirect=True, scope="session", ids=names)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    contract_items = [item for item in items if _in_contracts(item.path)]
    anchors = markers.fidelity_anchors()
    found = [problem for item in contract_items for problem in markers.problems(item, anchors)]
    if found:
        raise pytest.UsageError("contract markers:\n  " + "\n  ".join(found))
    state = config.stash[_STATE]
    state["collected"] = len(contract_items)
    if not state["targets"]:  # only the real target was asked for, without credentials
        config.hook.pytest_deselected(items=contract_items)
        items[:] = [item for item in items if item not in contract_items]
        return
    first = state["targets"][0]
    state["items"] = [item for item in contract_items
                      if getattr(item, "callspec", None) is None or item.callspec.params.get("target") == first]


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> targets.Target:
    state = request.config.stash[_STATE]
    name = request.param
    if name not in state["open"]:
        kind, _, short = name.partition("@")
        try:
            state["open"][name] = targets.open_target(
                kind, request.config.getoption("--base-url") or os.environ.get("FLOWSERVICE_CONTRACT_URL"),
                request.config.getoption("--allow-prod"), _store_url(request, state["stores"].get(short, "memory")),
            )
        except ValueError as exc:
            pytest.exit(f"contracts: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
    return state["open"][name]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is None:
        return
    for opened in state["open"].values():
        opened.close()
    # Only the real target was asked for and it has no credentials: nothing ran, and that is fine.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and state["skip_line"] and not state["targets"]:
        session.exitstatus = pytest.ExitCode.OK


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None or not state.get("collected"):
        return
    if state["items"]:
        terminalreporter.write_line(f"{markers.tally(state['items'])}; targets: {', '.join(state['targets'])}")
    if state["skip_line"]:
        terminalreporter.write_line(state["skip_line"])


def _known_store(store: str) -> bool:
    return store in ("memory", "sqlite", "redis") or store.startswith(("sqlite:", *REDIS_SCHEMES))


def _short(store: str) -> str:
    """``sqlite:/tmp/a.db`` -> ``sqlite``; ``redis://...`` -> ``redis``."""
    return store.split(":", 1)[0].replace("rediss", "redis").replace("valkey", "redis")


def _store_url(request: pytest.FixtureRequest, store: str) -> str:
    if store == "sqlite":
        return f"sqlite:{request.getfixturevalue('tmp_path_factory').mktemp('contract-store') / 'state.db'}"
    if store == "redis":
        try:
            return request.getfixturevalue("redis_url")
        except pytest.FixtureLookupError:
            pytest.exit("contracts: --mock-store redis needs a redis_url fixture; give redis://HOST:PORT/DB",
                        returncode=pytest.ExitCode.USAGE_ERROR)
    return store


def _in_contracts(path: Path) -> bool:
    return HERE in Path(path).resolve().parents
