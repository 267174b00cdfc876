"""Where exported files land: a local folder, or an S3-compatible store through boto3.

Every file is written through a :class:`PartSink`: a binary file object that becomes visible
under its final name only on :meth:`PartSink.commit`, whole, and leaves nothing behind on
:meth:`PartSink.abort`. A reader of the destination never sees half a file, as with the real
service's uploads.

boto3 is imported on first S3 use only (start-up of the mock must not pay for it).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Suffix of a local part being written (hidden: the name also starts with a dot).
TEMP_SUFFIX = ".partial"


class StorageError(Exception):
    """A file could not be stored or listed (unsafe key, missing bucket, refused credentials...)."""


@dataclass(frozen=True)
class StoredFile:
    """One committed file, as ``/_mock/exports`` lists it."""

    container: str
    key: str
    size: int
    modified: float  # epoch seconds, UTC
    location: str


def check_container(container: str) -> None:
    """Refuse a container name that is not one plain folder / bucket name."""
    if not container or "/" in container or "\\" in container or "\x00" in container or container in (".", ".."):
        raise StorageError(f"invalid container name {container!r}")


def check_key(container: str, key: str) -> None:
    """Refuse names that could leave the storage root or that no store keeps as written."""
    check_container(container)
    if not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise StorageError(f"invalid key {key!r}: a relative path with '/' separators is expected")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise StorageError(f"invalid key {key!r}: empty, '.' and '..' segments are not allowed")


class PartSink:
    """A file being written: ``write`` / ``close`` like any binary file, then ``commit()`` or
    ``abort()``.

    Writers may instead write to :attr:`path` themselves (e.g. a native pyarrow writer); use one
    way or the other, not both. ``commit()`` of a sink never written stores an empty file.
    Leaving a ``with`` block without ``commit()`` aborts.
    """

    def __init__(self, path: str, location: str, publish: Callable[[str], None],
                 discard: Callable[[str], None], withdraw: Callable[[], None]) -> None:
        self.path = path
        self.location = location
        self._publish = publish
        self._discard = discard
        self._withdraw = withdraw
        self._file = open(path, "wb")
        self._state = "open"  # open -> committed | aborted
        self._committed_size = 0

    # --- file object --------------------------------------------------------------------------
    def write(self, data: Any) -> int:
        return self._file.write(data)

    def flush(self) -> None:
        if not self._file.closed:
            self._file.flush()

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        """Finish writing (does not publish the file: ``commit()`` does)."""
        self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def __enter__(self) -> PartSink:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._state == "open":
            self.abort()

    # --- outcome ------------------------------------------------------------------------------
    @property
    def size(self) -> int:
        """Bytes written so far (the stored size once committed)."""
        if self._state == "committed":
            return self._committed_size
        if not self._file.closed:
            self._file.flush()
        try:
            return os.path.getsize(self.path)
        except FileNotFoundError:  # aborted
            return 0

    def commit(self) -> None:
        """Publish the file under its final name, whole. Raises :class:`StorageError` (and
        discards the data) when the store refuses it."""
        if self._state != "open":
            raise StorageError(f"{self.location}: the part is already {self._state}")
        self._file.close()
        self._committed_size = os.path.getsize(self.path)
        try:
            self._publish(self.path)
        except BaseException:
            self._state = "aborted"
            self._discard(self.path)
            raise
        self._state = "committed"

    def abort(self) -> None:
        """Discard what was written; nothing appears under the final name. Idempotent.

        After ``commit()`` it removes the published file: an export of several files that fails
        after publishing some of them takes them back.
        """
        if self._state == "aborted":
            return
        committed, self._state = self._state == "committed", "aborted"
        if committed:
            self._withdraw()
            return
        self._file.close()
        self._discard(self.path)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class LocalStorage:
    """Files under ``root/<container>/<key>``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def _final_path(self, container: str, key: str) -> Path:
        check_key(container, key)
        path = (self.root / container / key).resolve()
        # resolve() follows symbolic links: a link inside the root pointing out is refused too.
        if not path.is_relative_to(self.root) or path == self.root:
            raise StorageError(f"{container}/{key} is outside the storage root")
        return path

    def open(self, container: str, key: str) -> PartSink:
        final = self._final_path(container, key)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            # The temporary file is in the final folder, so os.replace is an atomic rename.
            # The name is cut so that the temporary name fits the 255-byte limit of a file name.
            stem = final.name.encode()[:200].decode(errors="ignore")
            fd, temp = tempfile.mkstemp(prefix=f".{stem}.", suffix=TEMP_SUFFIX, dir=final.parent)
        except OSError as error:
            raise StorageError(f"cannot write {final}: {error.strerror or error}") from error
        os.close(fd)

        def publish(path: str) -> None:
            try:
                os.replace(path, final)
            except OSError as error:
                raise StorageError(f"cannot write {final}: {error.strerror or error}") from error

        return PartSink(temp, str(final), publish, _unlink, lambda: _unlink(str(final)))

    def list(self, prefix: str = "", container: str | None = None) -> list[StoredFile]:
        """Committed files whose key starts with ``prefix`` (in ``container``, or in all)."""
        if container:
            check_container(container)
        if not self.root.is_dir():
            return []
        found = []
        containers = [container] if container else sorted(p.name for p in self.root.iterdir() if p.is_dir())
        for name in containers:
            base = self.root / name
            for path in _walk(base):
                key = path.relative_to(base).as_posix()
                if key.startswith(prefix) and not (path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX)):
                    stat = path.stat()
                    found.append(StoredFile(name, key, stat.st_size, stat.st_mtime, str(path)))
        return sorted(found, key=lambda f: (f.container, f.key))


def _walk(base: Path) -> Iterator[Path]:
    for folder, _dirs, files in os.walk(base):
        for name in files:
            yield Path(folder) / name


class S3Storage:
    """Objects in an S3-compatible store (AWS, MinIO, moto...); buckets must exist already,
    as on a real destination."""

    def __init__(self, endpoint_url: str | None, access_key: str, secret_key: str,
                 region: str = "us-east-1", spool_dir: str | None = None) -> None:
        self.endpoint_url = endpoint_url
        self._credentials = (access_key, secret_key)
        self.region = region
        self.spool_dir = spool_dir
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            access_key, secret_key = self._credentials
            self._client = boto3.client(
                "s3", endpoint_url=self.endpoint_url, aws_access_key_id=access_key,
                aws_secret_access_key=secret_key, region_name=self.region,
                # Path-style addressing: local endpoints (moto, MinIO) have no per-bucket host names.
                config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3},
                              connect_timeout=5, read_timeout=60),
            )
        return self._client

    def open(self, bucket: str, key: str) -> PartSink:
        """A sink spooled to a local temporary file and uploaded on ``commit()``. A bucket that
        does not exist or cannot be reached is refused here, before any data is written."""
        check_key(bucket, key)
        with _s3_errors(f"s3://{bucket}"):
            # A GET rather than HeadBucket (same s3:ListBucket permission): its error has a body,
            # so the user sees S3's own message ("The specified bucket does not exist").
            self.client.list_objects_v2(Bucket=bucket, MaxKeys=1)
        fd, spool = tempfile.mkstemp(prefix="flowservice-mock-", suffix=TEMP_SUFFIX, dir=self.spool_dir)
        os.close(fd)

        def upload(path: str) -> None:
            try:
                with open(path, "rb") as data, _s3_errors(f"s3://{bucket}/{key}"):
                    # upload_fileobj switches to a multipart upload for big files.
                    self.client.upload_fileobj(data, bucket, key)
            finally:
                _unlink(path)

        def withdraw() -> None:
            with _s3_errors(f"s3://{bucket}/{key}"):
                self.client.delete_object(Bucket=bucket, Key=key)

        return PartSink(spool, f"s3://{bucket}/{key}", upload, _unlink, withdraw)

    def list(self, prefix: str = "", container: str | None = None) -> list[StoredFile]:
        """Objects whose key starts with ``prefix`` in bucket ``container``, or in every bucket."""
        found = []
        with _s3_errors(self.endpoint_url or "s3"):
            buckets = [container] if container else sorted(b["Name"] for b in self.client.list_buckets()["Buckets"])
            for bucket in buckets:
                pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
                for page in pages:
                    for item in page.get("Contents", []):
                        found.append(StoredFile(bucket, item["Key"], item["Size"],
                                                item["LastModified"].timestamp(), f"s3://{bucket}/{item['Key']}"))
        return sorted(found, key=lambda f: (f.container, f.key))


@contextmanager
def _s3_errors(what: str) -> Iterator[None]:
    """boto3 / botocore failures as :class:`StorageError`, with S3's own code and message."""
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as error:
        details = error.response.get("Error", {})
        raise StorageError(f"{what}: {details.get('Code', '')} {details.get('Message', '')}".strip()) from error
    except (BotoCoreError, Boto3Error) as error:
        raise StorageError(f"{what}: {error}") from error
