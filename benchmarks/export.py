"""Audience export throughput and peak memory: our engine against DuckDB's COPY (and polars).

Generates once (cached in ``--data``) a data directory of N profiles with
``mockserver.platform_data.generate`` (the data ``flowservice-mock seed`` writes), then exports its first audience (full, at the
reference time, six columns including the membership status) to CSV, gzip CSV, Parquet and gzip
Parquet with our engine and with DuckDB's ``COPY (SELECT ... FROM read_parquet(...) WHERE ...)``. Each case runs in a fresh
subprocess so its peak RSS (``ru_maxrss`` of that child) is its own; each is killed after
``--max-seconds``. Every case reads the same Parquet file and writes the same rows and columns.

Usage::

    python benchmarks/export.py [--profiles 5000000] [--data /tmp/fsm-export-bench] [--compare] [--repeat 3]
                                [--arrow-pool mimalloc|jemalloc|system] [--cases "ours CSV,duckdb CSV"]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REFERENCE = 1767225600.0  # 2026-01-01T00:00:00Z
AUDIENCE = ""  # the first audience of the data directory (see run_case)
COLUMNS = [("identityMap.ECID", "ECID"), ("person.name.firstName", "firstName"),
           ("person.name.lastName", "lastName"), ("personalEmail.address", "email"),
           ("homeAddress.countryCode", "country"), ("segmentMembership.status", "segmentMembership.status")]


class FileSink:
    """A local file as a PartSink (the benchmark does not depend on the storage module)."""

    def __init__(self, path: Path) -> None:
        self.location = str(path)
        self._file = open(path, "wb")  # noqa: SIM115 -- a sink outlives this call, closed by close()

    def write(self, data) -> int:
        return self._file.write(data)

    def close(self) -> None:
        self._file.close()

    @property
    def size(self) -> int:
        return os.path.getsize(self.location)

    def commit(self) -> None:
        pass

    def abort(self) -> None:
        self._file.close()
        os.unlink(self.location)


def _ours(source: Path, out: Path, file_format: str, compression: str) -> int:
    from mockserver.engine.export import Column, audience_input_columns, export_audience
    from mockserver.platform_data import PlatformData

    columns = [Column(s, n) for s, n in COLUMNS]
    # What a run of the server reads: the data directory's profiles, row group by row group.
    batches = PlatformData.open(source.parent).profile_readers(columns=audience_input_columns(columns, [], []))
    result = export_audience(batches, audience_id=AUDIENCE, columns=columns, mandatory=[], dedup=[],
                             since=None, until=REFERENCE, file_format=file_format, compression=compression,
                             csv_options={"quote": '"'}, max_rows=10**9,
                             open_part=lambda n: FileSink(out.with_name(f"{out.stem}_{n}{out.suffix}")))
    return result.output_rows


def _duckdb(source: Path, out: Path, options: str) -> int:
    import duckdb

    select = ", ".join(f'm.status AS "{name}"' if src == "segmentMembership.status" else f'"{src}" AS "{name}"'
                       for src, name in COLUMNS)
    query = f"""COPY (SELECT {select} FROM (
          SELECT *, list_filter("segmentMembership", lambda x: x.segmentId = '{AUDIENCE}'
              AND x.status IN ('realized', 'existing')
              AND epoch_ms(x.lastQualificationTime) <= {int(REFERENCE * 1000)})[1] AS m
          FROM read_parquet('{source}')) WHERE m IS NOT NULL) TO '{out}' ({options})"""
    connection = duckdb.connect()
    return connection.execute(query).fetchone()[0]


def _polars(source: Path, out: Path, file_format: str) -> int:
    import polars as pl

    until = pl.lit(int(REFERENCE * 1000)).cast(pl.Datetime("ms", "UTC"))
    e = pl.element().struct
    match = (e.field("segmentId") == AUDIENCE) & e.field("status").is_in(["realized", "existing"]) \
        & (e.field("lastQualificationTime") <= until)
    frame = (pl.scan_parquet(source)
             .with_columns(pl.col("segmentMembership").list.filter(match).list.first().alias("m"))
             .filter(pl.col("m").is_not_null())
             .select([pl.col("m").struct.field("status").alias(n) if s == "segmentMembership.status"
                      else pl.col(s).alias(n) for s, n in COLUMNS]))
    if file_format == "CSV":
        frame.sink_csv(out)
    else:
        frame.sink_parquet(out, compression="uncompressed")
    return pl.scan_parquet(out).select(pl.len()).collect().item() if file_format != "CSV" else \
        pl.scan_csv(out).select(pl.len()).collect().item()


CASES = {
    "ours CSV": lambda s, d: _ours(s, d / "ours.csv", "CSV", "NONE"),
    "ours gzip CSV": lambda s, d: _ours(s, d / "ours.csv.gz", "CSV", "GZIP"),
    "ours Parquet": lambda s, d: _ours(s, d / "ours.parquet", "PARQUET", "NONE"),
    "ours gzip Parquet": lambda s, d: _ours(s, d / "ours.gz.parquet", "PARQUET", "GZIP"),
    "duckdb CSV": lambda s, d: _duckdb(s, d / "duck.csv", "FORMAT csv, HEADER"),
    "duckdb gzip CSV": lambda s, d: _duckdb(s, d / "duck.csv.gz", "FORMAT csv, HEADER, COMPRESSION gzip"),
    "duckdb Parquet": lambda s, d: _duckdb(s, d / "duck.parquet", "FORMAT parquet, COMPRESSION uncompressed"),
    "duckdb gzip Parquet": lambda s, d: _duckdb(s, d / "duck.gz.parquet", "FORMAT parquet, COMPRESSION gzip"),
}
COMPARE = {
    "polars CSV (streaming)": lambda s, d: _polars(s, d / "polars.csv", "CSV"),
    "polars Parquet (streaming)": lambda s, d: _polars(s, d / "polars.parquet", "PARQUET"),
}


def _use_first_audience(source: Path) -> None:
    global AUDIENCE
    AUDIENCE = json.loads((source.parent / "audiences.json").read_text())[0]["id"]


def run_case(name: str, source: Path, out_dir: Path) -> None:
    _use_first_audience(source)
    started = time.perf_counter()
    rows = {**CASES, **COMPARE}[name](source, out_dir)
    print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started}))


def measure(name: str, source: Path, out_dir: Path, max_seconds: float, pool: str | None) -> dict:
    env = {**os.environ, **({"ARROW_DEFAULT_MEMORY_POOL": pool} if pool else {})}
    child = subprocess.Popen([sys.executable, __file__, "--run-case", name, "--source", str(source),
                              "--out", str(out_dir)], stdout=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + max_seconds
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            child.kill()
            pid, status, usage = os.wait4(child.pid, 0)
            return {"case": name, "error": f"killed after {max_seconds:.0f} s"}
        time.sleep(0.05)
    output = child.stdout.read()
    if status != 0:
        return {"case": name, "error": f"exit status {status}"}
    figures = json.loads(output.strip().splitlines()[-1])
    size = sum(p.stat().st_size for p in out_dir.iterdir())
    for p in out_dir.iterdir():
        p.unlink()
    return {"case": name, **figures, "rows_per_s": figures["rows"] / figures["seconds"],
            "peak_mb": usage.ru_maxrss / 1024, "out_mb": size / 2**20}


def compare_gzip(source: Path, out_dir: Path) -> None:
    """python-isal's igzip against zlib (the gzip module) on the CSV of the same export, 1 MiB writes."""
    import gzip
    import io

    from isal import igzip

    _use_first_audience(source)
    _ours(source, out_dir / "gzip-input.csv", "CSV", "NONE")
    path = next(out_dir.glob("gzip-input*.csv"))
    data = path.read_bytes()
    path.unlink()
    print(f"\n{'gzip of the CSV (' + format(len(data) / 2**20, '.0f') + ' MB)':<28} {'seconds':>8} {'MB/s':>8} {'ratio':>6}")
    for name, make in [("isal igzip level 1", lambda o: igzip.IGzipFile(fileobj=o, mode="wb", compresslevel=1)),
                       ("isal igzip level 2", lambda o: igzip.IGzipFile(fileobj=o, mode="wb", compresslevel=2)),
                       ("zlib gzip level 1", lambda o: gzip.GzipFile(fileobj=o, mode="wb", compresslevel=1)),
                       ("zlib gzip level 6", lambda o: gzip.GzipFile(fileobj=o, mode="wb", compresslevel=6))]:
        out = io.BytesIO()
        started = time.perf_counter()
        with make(out) as stream:
            for start in range(0, len(data), 1 << 20):
                stream.write(data[start:start + (1 << 20)])
        seconds = time.perf_counter() - started
        print(f"{name:<28} {seconds:>8.2f} {len(data) / seconds / 2**20:>8.0f} {len(out.getvalue()) / len(data):>6.3f}")


def generate_data(data_dir: Path, profiles: int) -> None:
    """The data directory of ``profiles`` profiles, as ``flowservice-mock seed`` writes it."""
    from mockserver.platform_data import generate

    generate(data_dir, profiles=profiles, audiences=5, seed=0, reference_time=REFERENCE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=5_000_000)
    parser.add_argument("--data", type=Path, default=Path("/tmp/fsm-export-bench"))
    parser.add_argument("--compare", action="store_true",
                        help="also polars, and isal against zlib for gzip")
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="per case")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per case, interleaved; the fastest time and the highest peak are kept")
    parser.add_argument("--arrow-pool", choices=["mimalloc", "jemalloc", "system"],
                        help="ARROW_DEFAULT_MEMORY_POOL for the cases (default: pyarrow's, mimalloc)")
    parser.add_argument("--run-case", help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_case:
        return run_case(args.run_case, args.source, args.out)
    if args.generate:
        return generate_data(args.generate, args.profiles)

    data_dir = args.data / f"profiles-{args.profiles}"
    source = data_dir / "profiles.parquet"
    if not source.exists():  # in a child: the cases are forked from this process and would inherit its peak RSS
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--generate", str(data_dir), "--profiles", str(args.profiles)],
                       check=True)
        print(f"{args.profiles:,} profiles in {time.perf_counter() - started:.1f} s -> {source}")
    out_dir = args.data / "out"
    out_dir.mkdir(exist_ok=True)
    names = list(CASES) + (list(COMPARE) if args.compare else [])
    if args.cases:
        names = [n.strip() for n in args.cases.split(",")]
    print(f"{'case':<28} {'rows':>10} {'seconds':>8} {'rows/s':>12} {'peak MB':>8} {'file MB':>8}")
    results: dict[str, dict] = {}
    for _ in range(args.repeat):
        for name in names:
            r = measure(name, source, out_dir, args.max_seconds, args.arrow_pool)
            best = results.setdefault(name, r)
            if "error" in r or "error" in best:
                results[name] = r if "error" in r else best
            elif r is not best:
                peak = max(best["peak_mb"], r["peak_mb"])
                results[name] = {**min(best, r, key=lambda x: x["seconds"]), "peak_mb": peak}
    for name, r in results.items():
        if "error" in r:
            print(f"{name:<28} {r['error']}")
        else:
            print(f"{name:<28} {r['rows']:>10,} {r['seconds']:>8.2f} {r['rows_per_s']:>12,.0f} "
                  f"{r['peak_mb']:>8.0f} {r['out_mb']:>8.1f}", flush=True)
    if args.compare:
        compare_gzip(source, out_dir)


if __name__ == "__main__":
    main()
