"""A small shop with one member per reason an export leaves someone out (known answers), as real CSV files
ingested into a real workspace, with suppressions, fraud-queue items and contact-log rows made through the
public APIs. The newest order is on 2025-06-30, so that is the reference day (the data ends before today)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REFERENCE_DAY = date(2025, 6, 30)
HEADER = ("member_id,email,phone,first_name,last_name,signup_date,city,country,"
          "email_consent,email_consent_at,sms_consent,sms_consent_at,push_consent,push_consent_at")
_OK = "true,2024-01-02 10:00:00"
MEMBERS = {  # member_id: (email, phone, email consent, sms consent, push consent) -> why it is there
    "M01": ("a01@example.com", "+44 7700 900001", _OK, _OK, _OK),          # kept on every channel
    "M02": ("a02@example.com", "+44 7700 900002", "false,2024-01-02 10:00:00", _OK, ","),  # refused email
    "M03": ("a03@example.com", "+44 7700 900003", ",", ",", ","),           # no consent recorded anywhere
    "M04": ("", "+44 7700 900004", _OK, _OK, _OK),                           # no email address
    "M05": ("a05@example.com", "+44 7700 900005", _OK, _OK, _OK),           # unsubscribed (all channels)
    "M06": ("a06@example.com", "+44 7700 900006", _OK, _OK, _OK),           # bounced (email only)
    "M07": ("a07@example.com", "+44 7700 900007", _OK, _OK, _OK),           # complained
    "M08": ("a08@example.com", "+44 7700 900008", _OK, _OK, _OK),           # legal hold
    "M09": ("a09@example.com", "+44 7700 900009", _OK, _OK, _OK),           # 1-star review 5 days ago
    "M10": ("a10@example.com", "+44 7700 900010", _OK, _OK, _OK),           # return 10 days ago
    "M11": ("a11@example.com", "+44 7700 900011", _OK, _OK, _OK),           # fraud queue: pending account
    "M12": ("a12@example.com", "+44 7700 900012", _OK, _OK, _OK),           # fraud queue: confirmed account
    "M13": ("a13@example.com", "+44 7700 900013", _OK, _OK, _OK),           # fraud queue: cleared -> kept
    "M14": ("a14@example.com", "+44 7700 900014", _OK, _OK, _OK),           # contacted 3 times today
    "M15": ("a15@example.com", "+44 7700 900015", _OK, _OK, _OK),           # contacted 3 times 10 days ago
    "M16": ("a16@example.com", "+44 7700 900016", _OK, _OK, _OK),           # old 1-star review -> kept
    "M17": ("a17@example.com", "+44 7700 900017", _OK, _OK, _OK),           # fresh 4-star review -> kept
    "M18": ("a18@example.com", "+44 7700 900018", _OK, _OK, _OK),           # unsubscribed from SMS only
    "M19": ("a19@example.com", "+44 7700 900019", _OK, _OK, _OK),           # suppression lifted -> kept
    "M20": ("a20@example.com", "", _OK, _OK, "false,2024-03-01 09:00:00"),  # no phone; refused push
}
EMAIL_KEPT = ["M01", "M13", "M15", "M16", "M17", "M18", "M19", "M20"]
EMAIL_LEFT_OUT = {"not_found": ["M99"], "no_contact": ["M04"], "no_consent": ["M02", "M03"],
                  "unsubscribed": ["M05"], "bounced": ["M06"], "complained": ["M07"], "legal_hold": ["M08"],
                  "recent_low_review": ["M09"], "recent_return": ["M10"], "fraud_flagged": ["M11", "M12"],
                  "frequency_cap": ["M14"]}
SMS_KEPT = ["M01", "M02", "M04", "M06", "M13", "M15", "M16", "M17", "M19"]  # M20 has no phone
PUSH_KEPT = ["M01", "M04", "M06", "M13", "M15", "M16", "M17", "M18", "M19"]


def write_shop(folder: Path) -> Path:
    """members/products/orders/reviews CSV files of the gating shop in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [HEADER] + [f"{m},{e},{p},First{m},Last{m},2024-01-02,London,United Kingdom,{ec},{sc},{pc}"
                       for m, (e, p, ec, sc, pc) in MEMBERS.items()]
    (folder / "members.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "products.csv").write_text("product_id,title,category,price\nP1,Garden Kneeler,Garden,12.99\n",
                                         encoding="utf-8")
    orders = ["order_id,line_no,member_id,product_id,quantity,unit_price,ordered_at"]
    orders += [f"O{m},1,{m},P1,1,12.99,2025-01-15 12:00:00" for m in MEMBERS]
    orders += ["OLAST,1,M01,P1,1,12.99,2025-06-30 18:00:00", "RM10,1,M10,P1,-1,12.99,2025-06-20 09:00:00",
               "RM16,1,M16,P1,-1,12.99,2025-03-01 09:00:00"]  # M16's return is old
    (folder / "orders.csv").write_text("\n".join(orders) + "\n", encoding="utf-8")
    reviews = ["review_id,product_id,member_id,rating,text,created_at",
               "R1,P1,M09,1,Broke in a week,2025-06-25 10:00:00",
               "R2,P1,M16,1,Not great,2025-04-01 10:00:00",
               "R3,P1,M17,4,Nice kneeler,2025-06-28 10:00:00"]
    (folder / "reviews.csv").write_text("\n".join(reviews) + "\n", encoding="utf-8")
    return folder


def build_shop(root: Path):
    """The gating shop as a real workspace with its suppressions, fraud items and contacts in place."""
    from memberinsight.fraud.combine import Scored
    from memberinsight.fraud.decisions import decide
    from memberinsight.fraud.queue import get_item, write_scores
    from memberinsight.governance import add_suppression, record_contacts, remove_suppression
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.ingest import ingest_directory

    ws = Workspace.create(root / "workspace")
    ingest_directory(ws, write_shop(root / "csv"))
    add_suppression(ws, "M05", "unsubscribed", actor="ops")
    add_suppression(ws, "M06", "bounced", actor="ops", channel="email")
    add_suppression(ws, "M07", "complained", actor="ops", channel="all", note="called the shop")
    add_suppression(ws, "M08", "legal_hold", actor="dpo")
    add_suppression(ws, "M18", "unsubscribed", actor="ops", channel="sms")
    add_suppression(ws, "M19", "unsubscribed", actor="ops")
    remove_suppression(ws, "M19", actor="ops", note="opted in again")
    write_scores(ws, [Scored("account", m, m, 0.9) for m in ("M11", "M12", "M13")], [], queue_min_risk=0.5)
    decide(ws, "account:M12", "confirm", "analyst", get_item(ws, "account:M12").version)
    decide(ws, "account:M13", "clear", "analyst", get_item(ws, "account:M13").version)
    now = datetime.now(UTC)
    for _ in range(3):
        record_contacts(ws, ["M14"], "sms", actor="ops", at=now - timedelta(hours=1))
        record_contacts(ws, ["M15"], "email", actor="ops", at=now - timedelta(days=10))
    return ws
