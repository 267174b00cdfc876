"""Unit tests of mockserver.engine.storage: atomic local parts, refusal of unsafe keys, listing,
and the S3 store against a real moto server on 127.0.0.1."""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys

import pytest

from mockserver.engine.storage import LocalStorage, S3Storage, StorageError

ACCESS_KEY, SECRET_KEY = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY12"


def files_under(root) -> list[str]:
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


# --- local ---------------------------------------------------------------------------------------

def test_local_commit_publishes_the_whole_file_only_then(tmp_path):
    storage = LocalStorage(tmp_path)
    sink = storage.open("bucket", "exports/a.csv")
    sink.write(b"id,name\n")
    sink.write(memoryview(b"1,x\n"))
    assert not (tmp_path / "bucket/exports/a.csv").exists()
    hidden = files_under(tmp_path)
    assert len(hidden) == 1 and os.path.basename(hidden[0]).startswith(".")
    assert storage.list() == []  # a part being written is not an export yet
    sink.commit()
    assert (tmp_path / "bucket/exports/a.csv").read_bytes() == b"id,name\n1,x\n"
    assert files_under(tmp_path) == ["bucket/exports/a.csv"]
    assert sink.size == 12 and sink.location == str(tmp_path / "bucket/exports/a.csv")


def test_local_abort_leaves_nothing_and_keeps_the_previous_file(tmp_path):
    storage = LocalStorage(tmp_path)
    first = storage.open("c", "f.csv")
    first.write(b"old")
    first.commit()
    second = storage.open("c", "f.csv")
    second.write(b"new, half written")
    second.abort()
    second.abort()  # idempotent
    assert files_under(tmp_path) == ["c/f.csv"] and (tmp_path / "c/f.csv").read_bytes() == b"old"
    with pytest.raises(StorageError):
        second.commit()


def test_leaving_a_with_block_without_commit_aborts(tmp_path):
    storage = LocalStorage(tmp_path)
    with pytest.raises(RuntimeError), storage.open("c", "f.csv") as sink:
        sink.write(b"x")
        raise RuntimeError("writer failed")
    with storage.open("c", "g.csv") as sink:
        sink.write(b"y")
        sink.commit()
    assert files_under(tmp_path) == ["c/g.csv"]


def test_commit_of_an_unwritten_sink_stores_an_empty_file(tmp_path):
    sink = LocalStorage(tmp_path).open("c", "empty.csv")
    sink.commit()
    assert (tmp_path / "c/empty.csv").read_bytes() == b"" and sink.size == 0


@pytest.mark.parametrize("container, key", [
    ("c", "../escape.csv"), ("c", "a/../../escape.csv"), ("c", "/etc/passwd"), ("..", "x.csv"),
    ("c", ""), ("", "x.csv"), ("c", "a//b.csv"), ("c", "a/./b.csv"), ("c", "a\\..\\b.csv"),
    ("a/b", "x.csv"), ("c", "dir/"),
])
def test_unsafe_keys_are_refused(tmp_path, container, key):
    root = tmp_path / "root"
    with pytest.raises(StorageError):
        LocalStorage(root).open(container, key)
    assert not tmp_path.joinpath("escape.csv").exists() and files_under(tmp_path) == []


def test_a_255_character_name_can_be_written(tmp_path):
    key = "d/" + "n" * 251 + ".csv"  # as long as naming makes them
    sink = LocalStorage(tmp_path).open("c", key)
    sink.write(b"x")
    sink.commit()
    assert (tmp_path / "c" / key).read_bytes() == b"x"


def test_listing_refuses_a_container_out_of_the_root(tmp_path):
    (tmp_path / "secret.csv").write_bytes(b"s")
    with pytest.raises(StorageError):
        LocalStorage(tmp_path / "root").list(container="..")


def test_a_link_out_of_the_root_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    (root / "c").mkdir(parents=True)
    (root / "c" / "link").symlink_to(outside)
    with pytest.raises(StorageError):
        LocalStorage(root).open("c", "link/x.csv")
    assert list(outside.iterdir()) == []


def test_local_listing(tmp_path):
    storage = LocalStorage(tmp_path)
    for container, key, data in [("b2", "x/1.csv", b"1"), ("b1", "y/2.json", b"22"), ("b1", "x/3.csv", b"333")]:
        sink = storage.open(container, key)
        sink.write(data)
        sink.commit()
    pending = storage.open("b1", "x/4.csv")
    entries = storage.list()
    assert [(e.container, e.key, e.size) for e in entries] == [
        ("b1", "x/3.csv", 3), ("b1", "y/2.json", 2), ("b2", "x/1.csv", 1)]
    assert all(e.modified > 0 and os.path.isfile(e.location) for e in entries)
    assert [e.key for e in storage.list("x/")] == ["x/3.csv", "x/1.csv"]
    assert [e.key for e in storage.list(container="b2")] == ["x/1.csv"]
    assert LocalStorage(tmp_path / "missing").list() == []
    pending.abort()


def test_sink_works_with_pyarrow_and_gzip_writers(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pa.table({"id": [1, 2, 3], "name": ["a", "b", None]})
    storage = LocalStorage(tmp_path)

    sink = storage.open("c", "t.csv")
    writer = pacsv.CSVWriter(sink, table.schema)
    writer.write_table(table)
    writer.close()
    sink.commit()
    assert pacsv.read_csv(tmp_path / "c/t.csv").num_rows == 3

    sink = storage.open("c", "t.parquet")
    with pq.ParquetWriter(sink, table.schema, compression="gzip") as writer:
        writer.write_table(table)
    sink.commit()
    assert pq.read_table(tmp_path / "c/t.parquet").equals(table)

    sink = storage.open("c", "native.parquet")  # a writer may write the temporary path itself
    pq.write_table(table, sink.path)
    sink.commit()
    assert pq.read_table(tmp_path / "c/native.parquet").equals(table)
    assert sink.size == os.path.getsize(tmp_path / "c/native.parquet")

    sink = storage.open("c", "t.csv.gz")
    with gzip.GzipFile(fileobj=sink, mode="wb") as stream:
        stream.write(b"id\n1\n")
    sink.commit()
    assert gzip.decompress((tmp_path / "c/t.csv.gz").read_bytes()) == b"id\n1\n"


def test_import_does_not_load_boto3():
    code = "import sys, mockserver.engine.storage; print('boto3' in sys.modules, 'botocore' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


# --- S3 (moto server) ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def s3_endpoint():
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint, request):
    storage = S3Storage(s3_endpoint, ACCESS_KEY, SECRET_KEY)
    bucket = request.node.name.lower().replace("_", "-")[:50].strip("-[]")
    storage.client.create_bucket(Bucket=bucket)
    storage.bucket = bucket
    return storage


def test_s3_upload_on_commit(s3, tmp_path):
    s3.spool_dir = str(tmp_path)
    sink = s3.open(s3.bucket, "exports/a.csv")
    sink.write(b"id\n" + b"1\n" * 1000)
    assert "Contents" not in s3.client.list_objects_v2(Bucket=s3.bucket)
    sink.commit()
    body = s3.client.get_object(Bucket=s3.bucket, Key="exports/a.csv")["Body"].read()
    assert body == b"id\n" + b"1\n" * 1000
    assert sink.location == f"s3://{s3.bucket}/exports/a.csv" and sink.size == len(body)
    assert list(tmp_path.iterdir()) == []  # the spool file is gone


def test_s3_multipart_upload_of_a_big_file(s3):
    sink = s3.open(s3.bucket, "big.bin")
    chunk = os.urandom(1 << 20)
    for _ in range(10):  # 10 MiB: above boto3's 8 MiB multipart threshold
        sink.write(chunk)
    sink.commit()
    head = s3.client.head_object(Bucket=s3.bucket, Key="big.bin")
    assert head["ContentLength"] == 10 << 20 and "-" in head["ETag"]  # multipart ETags end in -<parts>


def test_s3_abort_uploads_nothing(s3, tmp_path):
    s3.spool_dir = str(tmp_path)
    sink = s3.open(s3.bucket, "a.csv")
    sink.write(b"half")
    sink.abort()
    assert "Contents" not in s3.client.list_objects_v2(Bucket=s3.bucket)
    assert list(tmp_path.iterdir()) == []


def test_s3_missing_bucket(s3):
    with pytest.raises(StorageError, match="NoSuchBucket.*does not exist"):
        s3.open("no-such-bucket", "a.csv")


def test_s3_bucket_deleted_before_commit(s3, tmp_path):
    s3.spool_dir = str(tmp_path)
    sink = s3.open(s3.bucket, "a.csv")
    sink.write(b"x")
    s3.client.delete_bucket(Bucket=s3.bucket)
    with pytest.raises(StorageError, match="bucket does not exist"):
        sink.commit()
    assert list(tmp_path.iterdir()) == []


def test_s3_refused_credentials(s3, monkeypatch):
    from moto import settings

    monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)  # moto checks keys from now on
    with pytest.raises(StorageError, match="InvalidAccessKeyId"):
        s3.open(s3.bucket, "a.csv")


def test_s3_unreachable_endpoint():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    storage = S3Storage(f"http://127.0.0.1:{port}", ACCESS_KEY, SECRET_KEY)
    with pytest.raises(StorageError, match="connect"):
        storage.open("bucket", "a.csv")


def test_s3_listing(s3):
    for key in ("x/2.csv", "x/1.csv", "y/3.csv"):
        sink = s3.open(s3.bucket, key)
        sink.write(key.encode())
        sink.commit()
    entries = s3.list(container=s3.bucket)
    assert [(e.key, e.size) for e in entries] == [("x/1.csv", 7), ("x/2.csv", 7), ("y/3.csv", 7)]
    assert entries[0].location == f"s3://{s3.bucket}/x/1.csv" and entries[0].modified > 0
    assert [e.key for e in s3.list("x/", container=s3.bucket)] == ["x/1.csv", "x/2.csv"]
    assert {e.container for e in s3.list()} >= {s3.bucket}


def test_s3_unsafe_keys_are_refused(s3):
    with pytest.raises(StorageError):
        s3.open(s3.bucket, "../a.csv")
