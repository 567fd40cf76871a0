"""The field catalogue: every name a segment definition may use, and nothing else.

Each :class:`Field` says what it means, its type, where it lives (a canonical table, a
behaviour aggregate over ``orders``/``products``/``reviews``, or the ``member_features`` /
``member_predictions`` tables written by ``memberinsight build``) and the words operators use for
it (synonyms, used by the parser). The compiler only ever takes SQL identifiers from here: this
catalogue is the whitelist.
"""

from __future__ import annotations

from dataclasses import dataclass

from memberinsight.segments.errors import SegmentDefinitionError

FEATURES_TABLE = "member_features"
PREDICTIONS_TABLE = "member_predictions"


@dataclass(frozen=True)
class Field:
    """A filterable member attribute."""

    name: str
    type: str
    """``integer``, ``number``, ``date`` or ``choice``."""
    source: str
    """``members``, ``behaviour``, ``reviews``, ``features`` or ``predictions``."""
    column: str
    """Column of the source table, or the behaviour metric the compiler aggregates."""
    label: str
    description: str
    synonyms: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    """Which of ``category`` (product categories) and ``days`` (trailing window) the field takes; a field
    that takes ``days`` also takes an absolute ``from``/``to`` date window instead."""
    choices: tuple[str, ...] = ()
    """Fixed values of a choice field (empty: values come from the data)."""
    value_type: str = "text"
    """For choice fields: ``text`` or ``integer`` (cluster numbers)."""
    never_null: bool = False
    """Counts and sums: members with no activity have 0, never 'unknown'."""
    unit: str = ""
    """``currency``, ``days``, ``probability`` or empty."""

    @property
    def table(self) -> str:
        return {"members": "members", "features": FEATURES_TABLE, "predictions": PREDICTIONS_TABLE,
                "behaviour": "orders", "reviews": "reviews"}[self.source]


_F = Field
FIELDS: tuple[Field, ...] = (
    # ----- member attributes (members table) -----
    _F("city", "choice", "members", "city", "city", "Home city of the member.",
       ("city", "lives in", "living in", "based in", "located in", "from", "town")),
    _F("country", "choice", "members", "country", "country", "Home country of the member.",
       ("country", "nation")),
    _F("channel", "choice", "members", "channel", "acquisition channel",
       "Channel the member was acquired through (organic, paid search, social, referral, email...).",
       ("channel", "acquisition channel", "acquired through", "came from", "signed up via", "source")),
    _F("age_band", "choice", "members", "age_band", "age band", "Age band such as 25-34.",
       ("age", "aged", "age band", "age group", "years old")),
    _F("signup_date", "date", "members", "signup_date", "sign-up date", "Date the member joined.",
       ("joined", "signed up", "registered", "member since", "sign-up date", "signup")),
    # ----- behaviour (aggregated from orders/products on the fly) -----
    _F("orders", "integer", "behaviour", "orders", "orders",
       "Number of orders with at least one purchased line (in the category, within the window when given).",
       ("orders", "purchases", "bought", "ordered", "purchased", "times", "transactions", "shopped",
        "buyers", "order count", "number of orders", "order frequency"),
       params=("category", "days"), never_null=True),
    _F("spend", "number", "behaviour", "spend", "net spend",
       "Net spend: purchases minus returns, product lines only, in the shop currency rounded to the cent "
       "(in the category, within the window when given).",
       ("spend", "spent", "spending", "revenue", "total spend", "lifetime spend", "money", "monetary value",
        "sales"),
       params=("category", "days"), never_null=True, unit="currency"),
    _F("aov", "number", "behaviour", "aov", "average order value",
       "Average order value: value of purchased lines divided by the number of orders (within the window when given).",
       ("average order value", "aov", "average basket", "basket size", "average basket value",
        "spend per order", "average order"),
       params=("days",), unit="currency"),
    _F("returns", "integer", "behaviour", "returns", "orders with a return",
       "Number of orders with at least one returned or cancelled line.",
       ("returns", "returned", "refunds", "refunded", "sent back", "cancelled"),
       params=("category", "days"), never_null=True),
    _F("distinct_products", "integer", "behaviour", "distinct_products", "different products bought",
       "Number of different products bought (in the category, within the window when given).",
       ("different products", "distinct products", "unique products", "number of products"),
       params=("category", "days"), never_null=True),
    _F("last_order_date", "date", "behaviour", "last_order_date", "last order date",
       "Date of the most recent purchase (in the category when given).",
       ("last order", "last purchase", "last bought", "last ordered", "most recent order", "recency",
        "last shopped"),
       params=("category",)),
    _F("first_order_date", "date", "behaviour", "first_order_date", "first order date",
       "Date of the first purchase.",
       ("first order", "first purchase", "customer since", "first bought", "first shopped")),
    # ----- reviews -----
    _F("reviews", "integer", "reviews", "reviews", "reviews written",
       "Number of product reviews the member wrote (within the window when given).",
       ("reviews", "reviewed", "review", "wrote a review", "left a review", "reviewers"),
       params=("days",), never_null=True),
    _F("avg_rating", "number", "reviews", "avg_rating", "average star rating given",
       "Average star rating (1-5) of the member's reviews (within the window when given).",
       ("average rating", "mean rating", "rating", "stars", "star rating", "rated"),
       params=("days",)),
    _F("low_ratings", "integer", "reviews", "low_ratings", "1-2 star reviews",
       "Number of reviews with one or two stars (within the window when given).",
       ("bad reviews", "negative reviews", "low ratings", "one star", "1-star", "complaints", "poor reviews"),
       params=("days",), never_null=True),
    # ----- features (member_features, written by `memberinsight build`) -----
    _F("tenure_days", "integer", "features", "tenure_days", "days as a member",
       "Days from the earlier of sign-up and first purchase to the latest data date.",
       ("tenure", "days as a member", "membership length", "how long they have been a member"), unit="days"),
    _F("return_rate", "number", "features", "return_rate", "return rate",
       "Share (0-1) of purchased units that were returned.",
       ("return rate", "share returned", "returns rate", "percentage returned"), unit="probability"),
    _F("distinct_categories", "integer", "features", "distinct_categories", "categories bought",
       "Number of different product categories the member has bought.",
       ("categories bought", "different categories", "distinct categories", "number of categories")),
    _F("spend_trend", "number", "features", "trend_spend", "spend trend",
       "Spend in the last 90 days versus the 90 before, from -1 (stopped) to +1 (new spend).",
       ("spend trend", "spending trend", "spending change", "declining spend", "growing spend")),
    _F("order_trend", "number", "features", "trend_orders", "order trend",
       "Orders in the last 90 days minus orders in the 90 days before (negative: ordering less).",
       ("order trend", "ordering trend", "ordering less", "ordering more")),
    _F("days_overdue", "number", "features", "days_overdue", "days overdue",
       "Days since the last order minus the member's average days between orders (> 0: overdue).",
       ("overdue", "days overdue", "late for their next order", "past their usual reorder time"), unit="days"),
    # ----- predictions (member_predictions, written by `memberinsight build`) -----
    _F("rfm_segment", "choice", "predictions", "rfm_segment", "RFM segment",
       "Named RFM segment (Champions, Loyal, At Risk...).",
       ("segment", "rfm segment", "rfm", "rfm group")),
    _F("cluster", "choice", "predictions", "cluster", "cluster", "Behavioural cluster number.",
       ("cluster", "persona", "behaviour group"), value_type="integer"),
    _F("r_score", "integer", "predictions", "r_score", "recency score", "RFM recency score (1-5, 5 = most recent).",
       ("recency score", "r score")),
    _F("f_score", "integer", "predictions", "f_score", "frequency score", "RFM frequency score (1-5).",
       ("frequency score", "f score")),
    _F("m_score", "integer", "predictions", "m_score", "monetary score", "RFM monetary score (1-5).",
       ("monetary score", "m score")),
    _F("churn_probability", "number", "predictions", "churn_probability", "churn probability",
       "Predicted probability (0-1) that the member makes no order in the churn horizon.",
       ("churn probability", "churn score", "probability of churning", "chance of churning",
        "churn likelihood"), unit="probability"),
    _F("churn_band", "choice", "predictions", "churn_band", "churn risk",
       "Churn risk band from the churn probability: low, medium or high.",
       ("churn risk", "churn band", "risk of churning", "risk of churn", "likely to churn", "churn"),
       choices=("low", "medium", "high")),
    _F("p_alive", "number", "predictions", "p_alive", "probability still active",
       "Probability (0-1) the member is still an active customer.",
       ("probability alive", "p alive", "still active", "chance still active"), unit="probability"),
    _F("expected_orders_90d", "number", "predictions", "expected_orders_90d", "expected purchase days (90 days)",
       "Predicted number of days with a purchase in the next 90 days (several orders on one day count once).",
       ("expected orders in the next 90 days", "predicted orders next quarter", "expected orders next 3 months")),
    _F("expected_orders_365d", "number", "predictions", "expected_orders_365d", "expected purchase days (365 days)",
       "Predicted number of days with a purchase in the next 365 days (several orders on one day count once).",
       ("expected orders", "predicted orders", "forecast orders", "expected purchases",
        "predicted number of orders")),
    _F("predicted_spend_90d", "number", "predictions", "predicted_spend_90d", "predicted spend (90 days)",
       "Predicted gross spend (value of purchases, returns not deducted) over the next 90 days.",
       ("predicted spend next 90 days", "expected spend next quarter", "90 day value"), unit="currency"),
    _F("predicted_clv_365d", "number", "predictions", "predicted_clv_365d", "predicted CLV (365 days)",
       "Predicted customer lifetime value over the next 365 days: gross spend (value of purchases, returns "
       "not deducted).",
       ("predicted clv", "clv", "customer lifetime value", "lifetime value", "predicted value",
        "predicted spend", "future value", "ltv"), unit="currency"),
    _F("clv_tier", "choice", "predictions", "clv_tier", "predicted CLV tier",
       "Tier of the predicted CLV: low, medium, high.",
       ("clv tier", "value tier", "value", "valuable", "value customers", "clv band"),
       choices=("low", "medium", "high")),
    _F("expected_next_order_date", "date", "predictions", "expected_next_order_date",
       "expected next order date", "Predicted date of the member's next order.",
       ("next order", "expected to order", "expected to buy", "due to order", "due to buy", "due to reorder",
        "next purchase", "expected next order")),
    _F("avg_days_between_orders", "number", "predictions", "avg_days_between_orders",
       "average days between orders", "Average number of days between the member's orders.",
       ("days between orders", "purchase cycle", "order interval", "inter-purchase time",
        "time between orders", "buying cycle", "purchase interval", "gap between purchases",
        "how often they order"), unit="days"),
)

CATALOGUE: dict[str, Field] = {f.name: f for f in FIELDS}


def get_field(name: str, path: str | None = None) -> Field:
    """The catalogue field called ``name``; a clear error listing the known names otherwise."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise SegmentDefinitionError(
            f"unknown field {name!r}; known fields: {', '.join(sorted(CATALOGUE))}", path=path) from None


def catalogue_rows() -> list[dict[str, object]]:
    """The catalogue as plain rows (for ``memberinsight segment fields`` and the UI editor)."""
    return [{"name": f.name, "type": f.type, "source": f.source, "table": f.table, "column": f.column,
             "label": f.label, "description": f.description, "synonyms": list(f.synonyms),
             "params": list(f.params), "choices": list(f.choices), "unit": f.unit} for f in FIELDS]
