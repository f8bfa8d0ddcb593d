"""The same metric functions on Spark, over lien's Parquet export (`lien[spark]`).

For corpora that outgrow one machine. In local mode Spark is much slower than DuckDB (it
starts in seconds and runs every step as a job): use it on a cluster, or to check that both
engines agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import LienError
from .compute import MESSAGE_COLUMNS, compute_tables
from .views import Settings


def spark_session(master: str = "local[2]") -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise LienError(
            "Spark is not installed: pip install 'lien[spark]' (it needs a Java runtime)"
        ) from None
    return (
        SparkSession.builder.master(master)
        .appName("lien")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )


def read_accounts(path: Path) -> Any:
    """accounts.csv with (at least) the columns platform,author_id."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={"platform": pa.string(), "author_id": pa.string()},
                include_columns=["platform", "author_id"],
            ),
        )
    except (pa.ArrowInvalid, KeyError) as e:
        raise LienError(f"{path}: needs the columns platform,author_id ({e})") from None
    return table


def compute_spark(
    messages: Path,
    accounts: Path | None,
    settings: Settings,
    spark: Any = None,
    annotations: Path | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """`annotations`: the workspace's annotations as Parquet (lien.text), for the tone keys."""
    import ibis
    import pyarrow as pa

    backend = ibis.pyspark.connect(spark or spark_session())
    table = backend.read_parquet(str(messages)).select(*MESSAGE_COLUMNS)
    owned = (
        read_accounts(accounts)
        if accounts
        else pa.table(
            {"platform": pa.array([], pa.string()), "author_id": pa.array([], pa.string())}
        )
    )
    # A registered table rather than a memtable: cached intermediate tables must resolve it.
    accounts_table = backend.create_view("lien_accounts", ibis.memtable(owned), overwrite=True)
    tones = backend.read_parquet(str(annotations)) if annotations else None
    return compute_tables(table, accounts_table, settings, annotations=tones, **kwargs)
