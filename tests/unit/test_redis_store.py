"""The Redis store (mockserver/store/redis.py) against a real redis-server: the store contract
(tests/unit/store_contract.py), what several processes on one Redis see of each other (here:
several RedisStore objects, each with its own connections), and a lost Redis.
"""

from __future__ import annotations

import threading
import time

import pytest

from mockserver.store import open_store
from mockserver.store.base import ANY, StoreUnavailable, VersionConflict
from mockserver.store.redis import RedisStore

from ..redis_server import RedisServer, free_port
from .store_contract import *  # noqa: F401,F403 - the contract's tests and its ``store`` fixture

ORG = "AAAA467B5D8013E50A494220@AdobeOrg"
#: The database of these tests on the session's redis-server (the end-to-end tests use others).
DB = 1


@pytest.fixture
def store_factory(redis_server):
    """New stores on one emptied database: "processes" sharing a Redis."""
    redis_server.flush(DB)
    made = []

    def make():
        store = RedisStore(redis_server.url(DB))
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


def _flow(entity_id: str, etag: str = '"e1"', **fields) -> dict:
    return {"id": entity_id, "etag": etag, **fields}


# --- several processes on one Redis -------------------------------------------------------------


def at_once(action, count: int) -> None:
    """``action(n)`` for n in range(count), each on a thread of its own; returns when all ended."""
    threads = [threading.Thread(target=action, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

def test_what_one_writes_the_other_reads_at_once(store_factory):
    a, b = store_factory(), store_factory()
    a.tenant(ORG, "prod").put("flows", _flow("f1"))
    assert b.tenant(ORG, "prod").get("flows", "f1") == _flow("f1")
    b.tenant(ORG, "prod").put("flows", _flow("f1", '"e2"'), expect='"e1"')
    assert a.tenant(ORG, "prod").get("flows", "f1")["etag"] == '"e2"'
    assert {(t.org, t.sandbox) for t in b.tenants()} == {(ORG, "prod")}
    assert b.find(ORG, "prod") is not None


def test_of_twenty_conditional_writes_with_one_etag_exactly_one_succeeds(store_factory):
    stores = [store_factory() for _ in range(4)]  # four "processes", five threads each
    stores[0].tenant(ORG, "prod").put("flows", _flow("f1"))
    start = threading.Barrier(20)
    wins, conflicts, errors = [], [], []

    def patch(n: int) -> None:
        tenant = stores[n % 4].tenant(ORG, "prod")
        start.wait()
        try:
            tenant.put("flows", _flow("f1", f'"by-{n}"', n=n), expect='"e1"')
            wins.append(n)
        except VersionConflict as conflict:
            conflicts.append(conflict.current)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    at_once(patch, 20)
    assert errors == []
    assert len(wins) == 1 and len(conflicts) == 19
    assert set(conflicts) == {f'"by-{wins[0]}"'}
    assert stores[3].tenant(ORG, "prod").get("flows", "f1") == _flow("f1", f'"by-{wins[0]}"', n=wins[0])


def test_of_racing_creates_and_removes_one_wins(store_factory):
    stores = [store_factory() for _ in range(4)]
    results: list[str] = []
    start = threading.Barrier(8)

    def create(n: int) -> None:
        start.wait()
        try:
            stores[n % 4].tenant(ORG, "prod").put("runs", _flow("r1", f'"by-{n}"'), expect=None)
            results.append("created")
        except VersionConflict:
            results.append("conflict")

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == ["conflict"] * 7 + ["created"]
    etag = stores[0].tenant(ORG, "prod").get("runs", "r1")["etag"]
    removed = []

    def remove(n: int) -> None:
        try:
            removed.append(stores[n % 4].tenant(ORG, "prod").remove("runs", "r1", expect=etag))
        except VersionConflict:
            pass

    threads = [threading.Thread(target=remove, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(removed) == 1 and removed[0]["etag"] == etag


def test_an_entity_without_an_etag(store_factory):
    tenant = store_factory().tenant(ORG, "prod")
    tenant.put("flows", {"id": "plain"})
    with pytest.raises(VersionConflict) as conflict:
        tenant.put("flows", {"id": "plain", "etag": '"e1"'}, expect='"e1"')
    assert conflict.value.current is None
    with pytest.raises(VersionConflict) as conflict:
        tenant.put("flows", {"id": "plain"}, expect=None)
    assert conflict.value.current is None
    tenant.put("flows", {"id": "plain", "etag": '"e1"'}, expect=ANY)
    tenant.put("flows", {"id": "plain"}, expect='"e1"')  # and its etag goes with it
    with pytest.raises(VersionConflict):
        tenant.put("flows", {"id": "plain"}, expect='"e1"')


def test_an_unknown_collection_is_a_key_error(store_factory):
    tenant = store_factory().tenant(ORG, "prod")
    with pytest.raises(KeyError):
        tenant.get("nonsense", "x")
    with pytest.raises(KeyError):
        tenant.put("nonsense", {"id": "x"})


def test_sequences_are_shared_and_outlive_a_store(store_factory):
    a, b = store_factory(), store_factory()
    seen = [a.next_sequence("ids"), b.next_sequence("ids"), a.next_sequence("ids")]
    assert seen == [1, 2, 3]
    a.close()
    assert store_factory().next_sequence("ids") == 4  # a restarted process continues it

    numbers: list[int] = []
    lock = threading.Lock()

    def draw(store) -> None:
        for _ in range(50):
            value = store.next_sequence("ids")
            with lock:
                numbers.append(value)

    threads = [threading.Thread(target=draw, args=(s,)) for s in (b, b, store_factory(), store_factory())]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(numbers) == list(range(5, 205))


def test_a_lease_is_the_holders_across_processes_until_it_runs_out(store_factory):
    a, b = store_factory(), store_factory()
    assert a.claim("catch-up", 0.3, "pid-a")
    assert not b.claim("catch-up", 0.3, "pid-b")
    assert a.claim("catch-up", 0.3, "pid-a")  # renewal
    time.sleep(0.4)
    assert b.claim("catch-up", 0.3, "pid-b")
    assert not a.claim("catch-up", 0.3, "pid-a")
    # The engine takes a dead process's "alive" lease with a thousandth of a second.
    assert b.claim("alive:pid-a", 0.001, "pid-b")
    time.sleep(0.01)
    assert a.claim("alive:pid-a", 1, "pid-a")


def test_of_racing_claims_one_wins(store_factory):
    stores = [store_factory() for _ in range(4)]
    start = threading.Barrier(12)
    won = []

    def claim(n: int) -> None:
        start.wait()
        if stores[n % 4].claim("instant", 5, f"owner-{n}"):
            won.append(n)

    at_once(claim, 12)
    assert len(won) == 1


def test_meta_and_its_version_are_seen_by_every_process(store_factory):
    a, b = store_factory(), store_factory()
    version = b.meta_version()
    a.set_meta("clock", {"frozen": 1772323200.0, "offset": 0.0})
    assert b.meta_version() == version + 1
    assert b.meta("clock") == {"frozen": 1772323200.0, "offset": 0.0}
    a.set_meta("clock", None)
    assert b.meta("clock") is None and b.meta_version() == version + 2
    b.reset()
    assert a.meta_version() == version + 3


def test_a_reset_on_one_process_forgets_for_all(store_factory):
    a, b = store_factory(), store_factory()
    a.tenant(ORG, "prod").put("flows", _flow("f1"))
    a.tenant(ORG, "dev").put("flows", _flow("f2"))
    b.tenant(ORG, "prod").save_engine_state("f1", {"watermarks": {}, "scheduled": {}, "exported": {}})
    assert a.reset(ORG, "prod") == 1
    assert b.tenant(ORG, "prod").get("flows", "f1") is None
    assert b.tenant(ORG, "prod").engine_state("f1") is None
    assert b.tenant(ORG, "dev").get("flows", "f2") == _flow("f2")
    # b knew prod before the reset: asking for it again costs no round trip and does not list it
    # again; its next write does.
    assert {(t.org, t.sandbox) for t in b.tenants()} == {(ORG, "dev")}
    assert b.reset() == 1
    assert a.find(ORG, "dev") is None
    # A write after the reset registers its tenant again, even on a process that knew it before.
    a.tenant(ORG, "dev").put("flows", _flow("f3"))
    assert {(t.org, t.sandbox) for t in b.tenants()} == {(ORG, "dev")}


def test_the_engine_record_of_a_dataclass_with_infinity(store_factory):
    from mockserver.engine.runner import _FlowState

    tenant = store_factory().tenant(ORG, "prod")
    tenant.save_engine_state("f1", _FlowState({"segment:a": 1.0}, {}, {}, ('"e1"', None), float("inf")))
    assert tenant.engine_state("f1") == {"watermarks": {"segment:a": 1.0}, "scheduled": {}, "exported": {},
                                         "version": ['"e1"', None], "next_due": None}


def test_get_by_id_is_one_round_trip(store_factory, monkeypatch):
    store = store_factory()
    tenant = store.tenant(ORG, "prod")
    tenant.put("flows", _flow("f1"))
    commands = []
    original = store.client.execute_command
    monkeypatch.setattr(store.client, "execute_command",
                        lambda *args, **kw: commands.append(args[0]) or original(*args, **kw))
    assert store.tenant(ORG, "prod").get("flows", "f1") == _flow("f1")
    assert commands == ["HGET"]


def test_open_store_names_the_url_without_credentials(redis_server):
    store = open_store(f"valkey://127.0.0.1:{redis_server.port}/{DB}")
    try:
        assert store.name == f"redis://127.0.0.1:{redis_server.port}/{DB}"
    finally:
        store.close()
    with pytest.raises(StoreUnavailable) as failure:
        RedisStore(f"redis://:wrong-password@127.0.0.1:{redis_server.port}/{DB}")
    assert "wrong-password" not in str(failure.value)
    assert str(failure.value).startswith(f"cannot reach Redis at 127.0.0.1:{redis_server.port}: ")


# --- a lost Redis -------------------------------------------------------------------------------

def test_an_unreachable_redis_is_told_at_once_in_one_line():
    port = free_port()
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as failure:
        open_store(f"redis://127.0.0.1:{port}/0")
    assert time.monotonic() - started < 2
    assert str(failure.value) == f"cannot reach Redis at 127.0.0.1:{port}: Connection refused"


def test_a_port_where_no_redis_answers_is_told_within_the_connect_timeout():
    import socket

    with socket.socket() as silent:  # accepts the connection (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as failure:
            RedisStore(f"redis://127.0.0.1:{port}/0", timeout=0.5)
        assert time.monotonic() - started < 2
    assert f"cannot reach Redis at 127.0.0.1:{port}: " in str(failure.value)


def test_redis_killed_while_serving_then_back(tmp_path):
    server = RedisServer(tmp_path).start()
    try:
        store = RedisStore(server.url(0))
        tenant = store.tenant(ORG, "prod")
        tenant.put("flows", _flow("f1"))
        server.stop(kill=True)
        for call in (lambda: tenant.get("flows", "f1"),
                     lambda: tenant.put("flows", _flow("f2"), expect=None),
                     lambda: tenant.values("flows"), tenant.counts,
                     lambda: store.next_sequence("ids"), lambda: store.set_meta("clock", {"offset": 1}),
                     store.meta_version, lambda: store.claim("k", 1, "me"), store.reset, store.tenants):
            started = time.monotonic()
            with pytest.raises(StoreUnavailable) as failure:
                call()
            assert time.monotonic() - started < 2
            assert str(failure.value).startswith(f"cannot reach Redis at 127.0.0.1:{server.port}: ")
        server.start()  # the same port, empty (no persistence)
        # redis-py reconnects by itself: the very next command works, and so do its scripts.
        assert tenant.get("flows", "f1") is None
        tenant.put("flows", _flow("f1"), expect=None)
        tenant.put("flows", _flow("f1", '"e2"'), expect='"e1"')
        assert store.tenant(ORG, "prod").get("flows", "f1")["etag"] == '"e2"'
        assert store.next_sequence("ids") == 1
        store.close()
    finally:
        server.stop()


def test_a_write_is_whole_or_absent_when_redis_goes_away(tmp_path):
    """Writes racing a kill: each entity afterwards is either all there (with its etag) or not."""
    server = RedisServer(tmp_path).start()
    try:
        store = RedisStore(server.url(0))
        server_port = server.port
        tenant = store.tenant(ORG, "prod")
        stop = threading.Event()
        acknowledged: list[str] = []

        def write() -> None:
            n = 0
            while not stop.is_set() and n < 100_000:
                n += 1
                try:
                    tenant.put("flows", _flow(f"f{n}", f'"e{n}"', body="x" * 1000), expect=None)
                    acknowledged.append(f"f{n}")
                except StoreUnavailable:
                    return

        thread = threading.Thread(target=write)
        thread.start()
        time.sleep(0.3)
        # Cut the writer's connections mid-stream (a killed Redis without persistence would keep
        # nothing to look at): what is stored then is whole.
        import redis as redis_py

        admin = redis_py.Redis(port=server_port)
        admin.client_kill_filter(_type="normal", skipme=True)
        time.sleep(0.1)
        stop.set()
        thread.join(30)
        items = admin.hgetall(f"fsm:t:{tenant.sandbox_id}:flows")
        etags = admin.hgetall(f"fsm:t:{tenant.sandbox_id}:flows:etag")
        assert set(items) == set(etags)
        assert {k.decode() for k in items} >= set(acknowledged)
        admin.close()
        store.close()
    finally:
        server.stop()
