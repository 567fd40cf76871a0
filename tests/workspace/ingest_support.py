"""Helpers shared by the ingestion tests: small canonical shops and exact workspace snapshots."""

from __future__ import annotations

from pathlib import Path

from memberinsight.workspace import TABLES, Workspace

MEMBERS_CSV = """member_id,email,first_name,signup_date,country,channel
M1,a@example.com,Ann,2024-01-05,Ireland,organic
M2,b@example.com,Bob,2024-02-10,France,paid_search
M3,c@example.com,Cid,2024-03-15,Ireland,referral
"""
PRODUCTS_CSV = """product_id,title,category,price,attributes,is_product
P1,Trail Boots,Outdoor,79.99,"{""colour"": ""green""}",true
P2,Camping Mug,,9.50,,true
P3,Postage,Fees,0,,false
"""
ORDERS_CSV = """order_id,line_no,member_id,product_id,quantity,unit_price,ordered_at,is_return,country,channel
O1,1,M1,P1,1,79.99,2024-05-01 10:00:00,false,Ireland,web
O1,2,M1,P2,2,9.50,2024-05-01 10:00:00,false,Ireland,web
O2,1,M2,P2,1,9.50,2024-06-01 12:30:00,false,France,app
O3,1,,P1,1,79.99,2024-06-02 09:00:00,false,Ireland,store
O4,1,M2,P2,-1,9.50,2024-06-09 12:30:00,,France,app
"""
REVIEWS_CSV = """review_id,product_id,member_id,rating,text,created_at,verified_purchase
R1,P1,M1,5,"Great boots, ""really"" comfy.",2024-05-10 08:00:00,true
R2,P2,,3,"Fine mug.
Chips a bit.",2024-06-10 08:00:00,
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` exactly (no newline translation) in ``encoding``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def small_shop(directory: Path) -> Path:
    """members/products/orders/reviews CSVs of a tiny valid shop."""
    for name, text in (("members", MEMBERS_CSV), ("products", PRODUCTS_CSV), ("orders", ORDERS_CSV),
                       ("reviews", REVIEWS_CSV)):
        write(directory / f"{name}.csv", text)
    return directory


def counts(ws: Workspace) -> dict[str, int]:
    with ws.analytics(read_only=True) as con:
        names = [*TABLES, "ingest_log"]
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in names}


def snapshot(ws: Workspace) -> dict[str, object]:
    """Every stored row of every table (sorted), the ingest log, and the rejects/labels files."""
    out: dict[str, object] = {}
    with ws.analytics(read_only=True) as con:
        for table in [*TABLES, "ingest_log"]:
            out[table] = sorted(map(repr, con.execute(f"SELECT * FROM {table}").fetchall()))
    out["files"] = sorted(str(p.relative_to(ws.path)) for p in ws.path.rglob("*")
                          if p.is_file() and p.suffix not in {".duckdb", ".sqlite", ".wal", ".tmp"}
                          and "-wal" not in p.name and "-shm" not in p.name)
    return out
