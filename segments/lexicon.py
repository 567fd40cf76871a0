"""Word lists for the sentence parser: comparators, negations, separators, field cues, fillers.

Pure data. Each phrase is matched on lower-case tokens, longest phrase first. A *cue* names a
catalogue field; ``weak`` cues (generic verbs like "bought") give way to a specific cue in the same
clause ("returned", "spent"). An *implied* cue carries its own comparison ("one-time buyers" means
``orders = 1``).
"""

from __future__ import annotations

COMPARATORS_BEFORE: dict[str, str] = {
    "at least": ">=", "minimum of": ">=", "a minimum of": ">=", "no less than": ">=", "not less than": ">=",
    "no fewer than": ">=", "min": ">=", ">=": ">=", "=>": ">=",
    "more than": ">", "over": ">", "above": ">", "greater than": ">", "higher than": ">", "bigger than": ">",
    "exceeding": ">", "exceeds": ">", "exceed": ">", "exceeded": ">", "atleast": ">=", "atmost": "<=", "in excess of": ">", "upwards of": ">", "north of": ">",
    "larger than": ">", ">": ">", "beyond": ">", "older than": ">", "younger than": "<",
    "less than": "<", "fewer than": "<", "under": "<", "below": "<", "lower than": "<", "smaller than": "<",
    "beneath": "<", "<": "<", "short of": "<", "fell short of": "<", "falls short of": "<", "fall short of": "<",
    "shy of": "<", "fell below": "<", "falls below": "<",
    "at most": "<=", "no more than": "<=", "not more than": "<=", "up to": "<=", "maximum of": "<=",
    "a maximum of": "<=", "max": "<=", "<=": "<=", "=<": "<=", "not over": "<=", "not above": "<=",
    "exactly": "=", "only": "=", "just": "=", "precisely": "=", "=": "=", "equal to": "=",
}
# "more then 6 orders": the common then/than slip reads the same.
COMPARATORS_BEFORE |= {k[:-4] + "then": v for k, v in COMPARATORS_BEFORE.items() if k.endswith(" than")}
COMPARATORS_AFTER: dict[str, str] = {
    "or more": ">=", "or above": ">=", "or over": ">=", "and over": ">=", "and above": ">=", "and up": ">=",
    "or higher": ">=", "or greater": ">=", "plus": ">=", "and more": ">=", "or later": ">=", "and older": ">=",
    "or older": ">=", "and younger": "<=", "or younger": "<=",
    "or less": "<=", "or fewer": "<=", "or under": "<=", "or below": "<=", "and under": "<=",
    "and below": "<=", "or lower": "<=", "and less": "<=", "at most": "<=", "at the most": "<=",
    "at least": ">=", "at minimum": ">=", "max": "<=", "tops": "<=",
    "or more often": "<=", "or more frequently": "<=", "or less often": ">=", "or less frequently": ">=",
    "or better": ">=", "or worse": "<=", "and better": ">=", "and worse": "<=",
}
# "-2 or worse": for these fields a higher value is the worse one, so "or worse" means at least.
HIGHER_IS_WORSE = ("churn_probability", "returns", "return_rate", "low_ratings", "days_overdue",
                   "avg_days_between_orders")

NEGATIONS = (
    "not", "non", "never", "no", "none", "haven't", "havent", "hasn't", "hasnt", "hadn't", "hadnt", "didn't", "didnt",
    "don't", "dont", "doesn't", "doesnt", "isn't", "isnt", "aren't", "arent", "wasn't", "weren't", "won't",
    "without", "excluding", "exclude", "excludes", "except", "except for", "other than", "outside", "neither",
    "outside of", "apart from", "not yet", "yet to", "no longer", "zero", "nothing",
    "have not", "has not", "did not", "do not", "does not", "is not", "are not", "never ever", "haven’t",
    "excl", "exc", "excl.", "leaving out", "leave out", "other then", "omitting", "not counting", "minus",
    "barring", "with the exception of",
)

SEPARATORS = (
    ",", ";", ":", "+", "and", "but", "who", "whose", "that", "which", "with", "while", "whilst", "where",
    "as well as", "also", "who also", "and also", "&", "having", "plus who", "and who", "but who", "and whose",
    "and are", "and have", "and has", "and with", "and also have", "who have", "who are", "who're",
    "(", ")", "and that", "who has", "that have", "that are", "who've", "who's", "who'd", "who'll", "that've",
    "which have", "that has", "-", "although", "though", "even though", "albeit",
)
DISJUNCTIONS = ("or", "either", "or else", "/", "nor")

PERSONS = (
    "members", "member", "customers", "customer", "people", "persons", "person", "shoppers", "shopper",
    "users", "user", "clients", "client", "folks", "accounts", "account", "ones", "those", "anyone",
    "everyone", "everybody", "anybody", "fans", "contacts", "guys", "individuals", "punters", "lads", "lasses",
    "peeps", "cohort", "audience", "patrons", "consumers", "buyers list",
)

FILLERS = (
    "the", "a", "an", "of", "in", "at", "on", "from", "to", "for", "by", "via", "through", "thru", "into", "across",
    "used to",
    "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "do", "does", "did", "they",
    "their", "them", "it", "its", "our", "we", "us", "i", "me", "my", "show", "find", "list", "get", "give",
    "want", "need", "please", "segment", "segments", "group", "something", "anything", "usually",
    "typically", "in total", "overall", "ever", "currently", "made", "make", "makes", "placed",
    "place", "live", "lives", "living", "based", "located", "come", "came", "comes", "any", "some",
    "item", "items", "product", "products", "stuff", "things", "thing", "category", "categories",
    "channel", "channels", "city", "cities", "year olds", "year old", "years old", "yr olds", "all",
    "acquired", "they've", "we've", "i'm", "i'd", "they're", "we're", "you've", "came in through", "came in via", "came through", "reside", "resides", "residing", "who live",
    "currently live", "country", "countries", "area", "region", "range", "band", "bracket", "group",
    "rfm", "rfm segment", "segment of", "be", "will", "would", "can", "could", "should", "so far",
    "to date", "in their lifetime", "lifetime", "all time", "all-time", "of all time", "time", "per",
    "still", "than", "are in", "is in", "belong", "belongs", "belonging", "part", "label", "labelled",
    "tagged", "times", "classed", "classified", "as", "this", "these", "here", "there", "what", "which ones",
    "how", "many", "much", "amount", "money", "cash", "yet", "already",
    "sth", "smth", "pls", "plz", "wrote", "written", "write", "writes", "left", "leave", "leaves",
    "gave", "given", "gives", "posted", "post", "posts", "tier", "tiers", "level", "score", "rank", "bucket", "some point",
    "at some point", "ordering", "someone", "somebody", "single", "either", "e.g",
    "whether", "kind", "type", "sort", "own", "he", "she", "his", "her", "you", "your",
    "now", "then", "basically", "probably", "maybe", "quite", "like", "hiya", "hi", "hey", "hello", "pull",
    "thanks", "cheers", "please", "kindly", "can you", "could you", "would you", "wanna", "gonna", "gotta",
    "i want", "i need", "we need", "ie", "i.e", "eg", "that is", "folks", "crowd", "lot", "bunch", "list of",
    "ones", "ever", "in total", "altogether", "overall", "due", "is due", "are due", "see", "check",
    "look at", "look", "view", "know", "find out", "looking for", "looking", "searching for", "during", "gear",
    "goods", "supplies", "merch", "i mean", "meaning", "which means", "by which i mean", "defined as",
    "quick one", "quick question", "lol", "haha", "good morning", "morning", "afternoon", "ta", "cheers",
    "merchandise", "star", "stars", "got by", "got through", "got via", "were got",
    "came in off", "came off", "came in from", "came from", "brought in by", "brought in through", "brought in via",
    "signed up off", "found us through", "found us via", "came to us through", "came to us via", "with us",
    "ok so", "okay so", "right so", "so", "ok", "okay", "whatever", "obviously", "clearly", "honestly", "literally",
    "say", "let's say", "lets say", "sit", "sits", "sitting", "sat", "fall in", "falls in", "fall into", "falls into",
    "bands", "groups", "brackets", "buckets", "ranges", "if you don't mind", "if you dont mind", "mind you",
    "if possible", "if poss", "at all",
    # a voice typist's asides around a correction ("under three stars sorry and ..."; see segments.spoken)
    "the whole of", "whole of", "the sales crowd", "sales crowd",
    # chatty lead-ins and sign-offs ("Hi! Could you grab ... if that works for you? Thanks so much!")
    "grab", "fetch", "pull together", "put together", "pull up", "pull out", "dig out", "i'd love", "i'd love to",
    "love to", "would love", "would love to", "hoping", "i'm hoping", "i was hoping", "wondering", "i'm wondering",
    "i was wondering", "wondering if", "trying", "i'm trying", "trying to", "able", "be able to", "would you mind",
    "do you mind", "mind finding", "somewhere", "originally", "plese", "pleas", "pleeze", "help me out",
    "help out", "if that works", "if that works for you", "if that's possible", "if that is possible",
    "if that's ok", "if that's okay", "if that's alright", "if that's fine", "if you could", "if you can",
    "if you would", "thanks so much", "thank you", "thank you so much", "many thanks", "for me", "for us",
    "behavior", "behaviour", "partners", "just wondering", "i'd like", "we'd like", "i would like", "u", "can u",
    "could u", "is worth", "was worth", "finding", "pulling", "getting", "grabbing", "fetching",
    "cross sell", "cross-sell", "upsell", "up-sell", "up sell", "sometime", "some time", "at some stage",
    "at any point", "at any stage", "nonetheless", "nevertheless", "however", "inclusive", "inclusively",
    "remains", "remain", "remained", "provided", "provided that", "providing", "as long as", "so long as",
    "limited to", "restricted to", "anywhere", "anywhere in", "fell in", "fell within", "falls within",
    "fall within", "fell on", "falls on", "since joining", "since they joined", "since signing up",
    "something else", "anything else", "count", "off the back of", "on the back of", "off the back of a", "on the strength of",
)
# Said after a negation only to stress it ("never returned anything, not a single thing"): quiet there,
# reported anywhere else.
EMPHATIC = ("not a single thing", "not a single one", "not one thing", "not a thing", "nothing at all",
            "not even once", "not once", "none at all", "not a one")
# Words that only restate another condition ("new customers who first bought in the last 30 days").
# They are absorbed when the definition has a condition on one of the listed fields, else reported.
SOFT_WORDS: dict[str, tuple[str, ...]] = {
    "newly": ("first_order_date", "signup_date"),
    "existing": ("orders",),
    "frequent": ("orders", "avg_days_between_orders"),
    "regular": ("orders", "avg_days_between_orders"),
    "valuable": ("clv_tier", "predicted_clv_365d", "spend"),
    "big": ("spend", "aov"),
    "heavy": ("orders", "spend"),
    "reviewers": ("reviews", "low_ratings", "avg_rating"),
    "unhappy": ("low_ratings", "avg_rating"),
    "happy": ("avg_rating",),
    "net": ("spend",),
    "total": ("spend",),  # "spent over 200 total"; "orders total over 500" is asked, not a count
}

BANDS: dict[str, str] = {
    "high": "high", "higher": "high", "highest": "high", "top": "high", "top tier": "high", "premium": "high",
    "best": "high", "high end": "high", "elevated": "high", "severe": "high", "serious": "high",
    "medium": "medium", "mid": "medium", "middle": "medium", "moderate": "medium", "mid tier": "medium",
    "intermediate": "medium", "med": "medium",
    "low": "low", "lower": "low", "lowest": "low", "bottom": "low", "bottom tier": "low", "minimal": "low",
    "little": "low", "least": "low",
}

PREDICTORS = ("predicted", "expected", "forecast", "forecasted", "projected", "predicted to", "expected to",
              "forecast to", "projected to", "likely to", "going to", "set to", "due to", "predict",
              "prediction", "predictions", "model says", "according to the model", "estimated", "expect to",
              "we expect", "expects to", "we predict", "predicted by the model to")

AGE_CUES = ("aged", "age", "ages", "age band", "age group", "years of age", "year olds", "year old", "years old",
            "yo", "y/o", "yr olds", "year-olds", "age bands", "age groups", "age brackets", "age bracket",
            "age range", "age ranges")

# phrase -> field (strong cues)
CUES: dict[str, str] = {
    # spend
    "spent": "spend", "spend": "spend", "spends": "spend", "spending": "spend", "total spend": "spend",
    "lifetime spend": "spend", "revenue": "spend", "sales": "spend", "net spend": "spend",
    "paid": "spend", "gross spend": "spend", "monetary value": "spend", "monetary": "spend",
    # aov
    "average order value": "aov", "avg order value": "aov", "aov": "aov", "average basket": "aov",
    "average basket value": "aov", "average basket size": "aov", "basket size": "aov", "basket value": "aov",
    "spend per order": "aov", "average spend per order": "aov", "average order": "aov", "order value": "aov",
    "average order size": "aov", "avg basket": "aov", "typical order value": "aov", "baskets": "aov",
    "basket": "aov",
    # returns
    "returned": "returns", "returns": "returns", "return": "returns", "sent back": "returns",
    "refunded": "returns", "refund": "returns", "refunds": "returns", "cancelled": "returns",
    "returning": "returns", "returners": "returns", "send back": "returns", "sent stuff back": "returns",
    # reviews
    "low ratings": "low_ratings", "low rating": "low_ratings", "bad review": "low_ratings",
    "bad reviews": "low_ratings", "negative review": "low_ratings", "negative reviews": "low_ratings",
    "poor review": "low_ratings", "poor reviews": "low_ratings", "1 or 2 star": "low_ratings",
    "one or two star": "low_ratings", "1 2 star": "low_ratings", "1-2 star": "low_ratings",
    "1 star": "low_ratings", "one star": "low_ratings", "2 star": "low_ratings", "two star": "low_ratings",
    "1 or 2 stars": "low_ratings", "one or two stars": "low_ratings", "1 star or 2 star": "low_ratings",
    "low star": "low_ratings", "low-star": "low_ratings", "complained": "low_ratings",
    "complaints": "low_ratings", "bad ratings": "low_ratings", "negative ratings": "low_ratings",
    "average rating": "avg_rating", "avg rating": "avg_rating", "mean rating": "avg_rating",
    "rating": "avg_rating", "ratings": "avg_rating", "rated": "avg_rating", "star rating": "avg_rating",
    "average star rating": "avg_rating", "average stars": "avg_rating", "rate": "avg_rating",
    "average review score": "avg_rating", "review score": "avg_rating", "rates": "avg_rating",
    "average review rating": "avg_rating", "avg review rating": "avg_rating", "review rating": "avg_rating",
    "average review": "avg_rating", "mean review rating": "avg_rating",
    # dates
    "last order": "last_order_date", "last order date": "last_order_date", "first order date": "first_order_date",
    "last ordered": "last_order_date", "last purchase": "last_order_date",
    "last purchased": "last_order_date", "last bought": "last_order_date", "last shopped": "last_order_date",
    "most recent order": "last_order_date", "most recent purchase": "last_order_date",
    "latest order": "last_order_date", "latest purchase": "last_order_date", "recency": "last_order_date",
    "last transaction": "last_order_date", "last time they ordered": "last_order_date",
    "last time they bought": "last_order_date", "last time they purchased": "last_order_date",
    "first order": "first_order_date", "first purchase": "first_order_date", "first bought": "first_order_date",
    "first ordered": "first_order_date", "first shopped": "first_order_date", "customer since": "first_order_date",
    "first purchased": "first_order_date", "first transaction": "first_order_date",
    "very first order": "first_order_date", "very first purchase": "first_order_date",
    "very last order": "last_order_date", "very last purchase": "last_order_date",
    "started buying": "first_order_date", "started shopping": "first_order_date",
    "joined": "signup_date", "signed up": "signup_date", "sign up": "signup_date", "signup": "signup_date",
    "registered": "signup_date", "member since": "signup_date", "became a member": "signup_date",
    "sign-up": "signup_date", "sign up date": "signup_date", "signup date": "signup_date", "enrolled": "signup_date",
    "next order": "expected_next_order_date", "next purchase": "expected_next_order_date",
    "due to order": "expected_next_order_date", "due to buy": "expected_next_order_date",
    "due to reorder": "expected_next_order_date", "due to purchase": "expected_next_order_date",
    "due for": "expected_next_order_date", "due for their next order": "expected_next_order_date",
    "reorder": "expected_next_order_date", "re-order": "expected_next_order_date",
    "buy again": "expected_next_order_date", "order again": "expected_next_order_date",
    "next buy": "expected_next_order_date", "expected next order": "expected_next_order_date",
    "next order date": "expected_next_order_date", "expected next order date": "expected_next_order_date",
    "expected order date": "expected_next_order_date", "predicted next order date": "expected_next_order_date", "purchase again": "expected_next_order_date",
    # predictions
    "predicted clv": "predicted_clv_365d", "clv": "predicted_clv_365d", "ltv": "predicted_clv_365d",
    "cltv": "predicted_clv_365d",
    "customer lifetime value": "predicted_clv_365d", "lifetime value": "predicted_clv_365d",
    "predicted value": "predicted_clv_365d", "future value": "predicted_clv_365d",
    "predicted lifetime value": "predicted_clv_365d", "clv prediction": "predicted_clv_365d",
    "predicted customer value": "predicted_clv_365d", "expected value": "predicted_clv_365d",
    "clv tier": "clv_tier", "value tier": "clv_tier", "value": "clv_tier", "clv band": "clv_tier",
    "value segment": "clv_tier", "value customers": "clv_tier",
    "churn risk": "churn_band", "risk of churn": "churn_band", "risk of churning": "churn_band",
    "churn band": "churn_band", "churn": "churn_band", "churning": "churn_band", "churn risk band": "churn_band",
    "risk of leaving": "churn_band", "attrition risk": "churn_band", "risk": "churn_band",
    "churn probability": "churn_probability", "probability of churning": "churn_probability",
    "probability of churn": "churn_probability", "chance of churning": "churn_probability",
    "churn score": "churn_probability", "churn likelihood": "churn_probability",
    "likelihood of churning": "churn_probability", "churn chance": "churn_probability",
    "chance of churn": "churn_probability", "churn prob": "churn_probability", "churn %": "churn_probability",
    "chance of leaving": "churn_probability", "probability of leaving": "churn_probability",
    "chance of still being active": "p_alive", "still active": "p_alive", "p alive": "p_alive",
    "p_alive": "p_alive", "probability alive": "p_alive", "probability of being active": "p_alive",
    "chance of being active": "p_alive", "probability still active": "p_alive", "alive probability": "p_alive",
    "probability of still being active": "p_alive", "chance they are still active": "p_alive",
    "days between orders": "avg_days_between_orders", "average days between orders": "avg_days_between_orders",
    "avg days between orders": "avg_days_between_orders", "average time between orders": "avg_days_between_orders",
    "average gap between orders": "avg_days_between_orders", "mean days between orders": "avg_days_between_orders",
    "avg gap": "avg_days_between_orders", "average gap": "avg_days_between_orders", "avg order gap":
    "avg_days_between_orders", "average order gap": "avg_days_between_orders", "avg reorder gap":
    "avg_days_between_orders",
    "average days between purchases": "avg_days_between_orders", "average spend": "aov",
    "average purchase value": "aov", "predicted spend": "predicted_clv_365d", "order every": "avg_days_between_orders",
    "orders every": "avg_days_between_orders", "buy every": "avg_days_between_orders",
    "buys every": "avg_days_between_orders", "purchase every": "avg_days_between_orders",
    "shop every": "avg_days_between_orders", "shops every": "avg_days_between_orders",
    "purchase cycle": "avg_days_between_orders", "buying cycle": "avg_days_between_orders",
    "time between orders": "avg_days_between_orders", "gap between orders": "avg_days_between_orders",
    "order interval": "avg_days_between_orders", "inter-purchase time": "avg_days_between_orders",
    "days between purchases": "avg_days_between_orders", "time between purchases": "avg_days_between_orders",
    "purchase interval": "avg_days_between_orders", "reorder cycle": "avg_days_between_orders",
    "ordered every": "avg_days_between_orders", "order frequency in days": "avg_days_between_orders",
    "gap between purchases": "avg_days_between_orders",
    "expected orders": "expected_orders_365d", "predicted orders": "expected_orders_365d",
    "forecast orders": "expected_orders_365d", "expected number of orders": "expected_orders_365d",
    "predicted number of orders": "expected_orders_365d", "expected purchases": "expected_orders_365d",
    "return rate": "return_rate", "returns rate": "return_rate", "share returned": "return_rate",
    "tenure": "tenure_days", "days as a member": "tenure_days", "membership length": "tenure_days",
    "categories bought": "distinct_categories", "different categories": "distinct_categories",
    "distinct categories": "distinct_categories", "distinct products": "distinct_products",
    "different products": "distinct_products", "unique products": "distinct_products",
    "number of products": "distinct_products", "spend trend": "spend_trend", "spending trend": "spend_trend",
    "days overdue": "days_overdue", "apart": "avg_days_between_orders", "reorder every": "avg_days_between_orders",
    "reorders every": "avg_days_between_orders", "re-order every": "avg_days_between_orders",
    "with us": "tenure_days",
    "been with us": "tenure_days", "been a member": "tenure_days", "been a customer": "tenure_days",
    "been customers": "tenure_days", "been members": "tenure_days", "with us for": "tenure_days",
    "member for": "tenure_days", "customer for": "tenure_days", "separate categories": "distinct_categories",
    "number of categories": "distinct_categories", "order trend": "order_trend", "ordering trend": "order_trend",
    "recency score": "r_score", "r score": "r_score", "frequency score": "f_score", "f score": "f_score",
    "monetary score": "m_score", "m score": "m_score",
}
# Generic cues: give way to a strong cue in the same clause.
WEAK_CUES: dict[str, str] = {
    "bought": "orders", "buy": "orders", "buys": "orders", "buying": "orders", "buyers": "orders",
    "still ordering": "orders", "still buying": "orders", "still shopping": "orders", "still purchasing": "orders",
    "buyer": "orders", "purchased": "orders", "purchase": "orders", "purchases": "orders",
    "purchasers": "orders", "purchaser": "orders", "ordered": "orders", "order": "orders", "orders": "orders",
    "shopped": "orders", "shop": "orders", "transacted": "orders", "transactions": "orders",
    "transaction": "orders", "placed an order": "orders", "made a purchase": "orders",
    "made an order": "orders", "placed orders": "orders", "customers of": "orders", "got": "orders",
    "picked up": "orders", "bought from": "orders", "bought in": "orders", "shopped in": "orders",
    "shopped for": "orders", "bought something": "orders", "bought anything": "orders",
    "review": "reviews", "reviews": "reviews", "reviewed": "reviews", "reviewer": "reviews",
    "wrote a review": "reviews", "left a review": "reviews", "written a review": "reviews",
    "left reviews": "reviews", "wrote reviews": "reviews", "written reviews": "reviews",
    "spenders": "spend", "low spenders": "spend", "small spenders": "spend",
    "posted a review": "reviews", "reviewing": "reviews", "left feedback": "reviews", "feedback": "reviews",
}
# phrase -> (field, op, value): a whole condition in a few words.
IMPLIED: dict[str, tuple[str, str, object]] = {
    "one-time buyers": ("orders", "=", 1), "one time buyers": ("orders", "=", 1),
    "one-off buyers": ("orders", "=", 1), "one off buyers": ("orders", "=", 1),
    "one-time customers": ("orders", "=", 1), "one time customers": ("orders", "=", 1),
    "single purchase": ("orders", "=", 1), "only one order": ("orders", "=", 1),
    "one-time shoppers": ("orders", "=", 1), "one-timers": ("orders", "=", 1),
    "one-and-done": ("orders", "=", 1), "one and done": ("orders", "=", 1), "one-and-dones": ("orders", "=", 1),
    "repeat buyers": ("orders", ">=", 2), "repeat customers": ("orders", ">=", 2),
    "repeat purchasers": ("orders", ">=", 2), "returning customers": ("orders", ">=", 2),
    "repeat shoppers": ("orders", ">=", 2),
    # "lapsed customers who used to order a lot": frequent and big once, gone now (the RFM segment of that name)
    **{f"used to {verb} {much}": ("rfm_segment", "=", "Can't Lose Them") for verb in ("order", "buy", "shop", "spend")
       for much in ("a lot", "loads")},
    "used to be big spenders": ("rfm_segment", "=", "Can't Lose Them"),
    "churning": ("churn_band", "=", "high"), "churning right now": ("churn_band", "=", "high"),
    "likely to churn": ("churn_band", "=", "high"), "at risk of churning": ("churn_band", "=", "high"),
    "at risk of churn": ("churn_band", "=", "high"), "churners": ("churn_band", "=", "high"),
    "likely churners": ("churn_band", "=", "high"), "about to churn": ("churn_band", "=", "high"),
    "at risk of leaving": ("churn_band", "=", "high"), "likely to leave": ("churn_band", "=", "high"),
    "churn risks": ("churn_band", "=", "high"), "might churn": ("churn_band", "=", "high"),
    "unlikely to churn": ("churn_band", "=", "low"), "safe from churn": ("churn_band", "=", "low"),
    # "high value" alone is a descriptor (segments.phrases: the CLV tier or the top past spend, asked);
    # with "tier" / "band" it names the predicted-CLV tier
    **{f"high{sep}value {word}": ("clv_tier", "=", "high") for sep in (" ", "-") for word in ("tier", "band", "clv tier")},
    "most valuable": ("clv_tier", "=", "high"), "low-value": ("clv_tier", "=", "low"),
    "low value": ("clv_tier", "=", "low"), "least valuable": ("clv_tier", "=", "low"),
    "overdue": ("days_overdue", ">", 0), "overdue for their next order": ("days_overdue", ">", 0),
    "late for their next order": ("days_overdue", ">", 0), "overdue to reorder": ("days_overdue", ">", 0),
    "past their usual reorder time": ("days_overdue", ">", 0),
    "past their expected order date": ("days_overdue", ">", 0),
    "spending less": ("spend_trend", "<", 0), "declining spend": ("spend_trend", "<", 0),
    "spend is declining": ("spend_trend", "<", 0), "spend is dropping": ("spend_trend", "<", 0),
    "ordering less": ("order_trend", "<", 0), "buying less": ("order_trend", "<", 0),
    "ordering less often": ("order_trend", "<", 0), "ordering more": ("order_trend", ">", 0),
    "buying more often": ("order_trend", ">", 0), "ordering more often": ("order_trend", ">", 0),
    "spending more": ("spend_trend", ">", 0), "growing spend": ("spend_trend", ">", 0),
    "spend is growing": ("spend_trend", ">", 0), "spend is increasing": ("spend_trend", ">", 0),
}

DEMONYMS: dict[str, str] = {
    "uk": "United Kingdom", "u.k.": "United Kingdom", "britain": "United Kingdom", "great britain": "United Kingdom",
    "british": "United Kingdom", "brits": "United Kingdom", "the uk": "United Kingdom", "gb": "United Kingdom",
    "irish": "Ireland", "french": "France", "german": "Germany", "germans": "Germany", "dutch": "Netherlands",
    "holland": "Netherlands", "the netherlands": "Netherlands", "spanish": "Spain", "spaniards": "Spain",
    "usa": "United States", "us": "United States", "american": "United States", "americans": "United States",
}
CITY_DEMONYMS: dict[str, str] = {
    "mancunians": "Manchester", "mancunian": "Manchester", "glaswegians": "Glasgow", "glaswegian": "Glasgow",
    "liverpudlians": "Liverpool", "scousers": "Liverpool", "parisians": "Paris", "parisian": "Paris",
    "brummies": "Birmingham", "geordies": "Newcastle", "berliners": "Berlin", "madrilenos": "Madrid",
    "dubliners": "Dublin", "londoners": "London", "londoner": "London", "edinburghers": "Edinburgh",
    "bristolians": "Bristol", "cardiffians": "Cardiff", "amsterdammers": "Amsterdam", "munchners": "Munich",
    "lyonnais": "Lyon", "barcelonans": "Barcelona", "belfastians": "Belfast", "corkonians": "Cork",
}
CHANNEL_ALIASES: dict[str, str] = {
    "paid search": "paid_search", "paid-search": "paid_search", "ppc": "paid_search", "google ads": "paid_search",
    "search ads": "paid_search", "paid ads": "paid_search", "social media": "social", "social ads": "social",
    "organic search": "organic", "seo": "organic", "referrals": "referral", "referred": "referral",
    "refer a friend": "referral", "friend referral": "referral", "e-mail": "email", "emails": "email",
    "via the newsletter": "email", "through the newsletter": "email", "from the newsletter": "email",
    "via newsletter": "email", "through newsletter": "email", "from newsletter": "email",
    "newsletter signups": "email", "newsletter sign-ups": "email", "affiliates": "affiliate",
    "affiliate links": "affiliate",
}
# RFM segment names that are also everyday words: only read as segments when capitalised or next to
# "segment"/"RFM".
COMMON_WORD_SEGMENTS = ("new", "lost", "loyal", "promising")

TIME_UNITS: dict[str, int] = {
    "day": 1, "days": 1, "d": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7, "fortnight": 14, "fortnights": 14,
    "month": 30, "months": 30, "mo": 30, "mos": 30, "mths": 30, "mth": 30, "quarter": 90, "quarters": 90,
    "year": 365, "years": 365, "yr": 365, "yrs": 365, "y": 365,
}
PAST_WORDS = ("last", "past", "previous", "prior", "recent", "preceding", "trailing")
FUTURE_WORDS = ("next", "coming", "following", "upcoming", "forthcoming")
WINDOW_PREPS = ("in", "within", "over", "during", "for", "from", "across", "throughout", "inside")

NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "a hundred": 100, "a thousand": 1000, "a couple of": 2, "a couple": 2, "couple of": 2, "a dozen": 12,
    "dozen": 12, "a": 1, "an": 1,
}
COUNT_ADVERBS: dict[str, int] = {"once": 1, "twice": 2, "thrice": 3}
# number followed by one of these words counts something: the field it implies.
COUNT_UNITS: dict[str, str] = {
    "times": "orders", "time": "orders", "orders": "orders", "order": "orders", "purchases": "orders",
    "purchase": "orders", "transactions": "orders", "visits": "orders", "baskets": "orders",
    "returns": "returns", "return": "returns", "refunds": "returns", "returned orders": "returns",
    "reviews": "reviews", "review": "reviews", "ratings": "reviews",
    "categories": "distinct_categories", "category": "distinct_categories",
    "products": "distinct_products", "product": "distinct_products",
}
MONEY_WORDS = ("pounds", "pound", "quid", "gbp", "euros", "euro", "eur", "dollars", "dollar", "usd", "bucks",
               "sterling", "pounds sterling")
MONEY_SYMBOLS = {"pounds": "£", "pound": "£", "quid": "£", "gbp": "£", "sterling": "£", "euros": "€", "euro": "€",
                 "eur": "€", "dollars": "$", "dollar": "$", "usd": "$", "bucks": "$"}
MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
DATE_PREPS: dict[str, str] = {
    "before": "before", "prior to": "before", "earlier than": "before", "until": "until", "till": "until",
    "up until": "until", "up to": "until", "by": "until", "after": "after", "later than": "after",
    "since": "since", "from": "since", "starting": "since", "on or after": "since", "on or before": "until",
    "on": "on", "in": "on", "during": "on",
}

# Direction words that turn "spending" / "orders" into a trend ("spending is declining").
TRENDS: dict[str, str] = {
    "declining": "<", "dropping": "<", "falling": "<", "decreasing": "<", "shrinking": "<", "slowing": "<",
    "down": "<", "dropped": "<", "fallen": "<", "declined": "<", "decreased": "<", "slowed": "<",
    "growing": ">", "rising": ">", "increasing": ">", "up": ">", "grown": ">", "increased": ">", "risen": ">",
    "rose": ">", "fell": "<", "trending down": "<", "trending downwards": "<", "trending up": ">",
    "trending upwards": ">", "going down": "<", "going up": ">", "positive": ">", "negative": "<",
}
DATE_PREP_PHRASES = ("before", "prior to", "earlier than", "until", "till", "up until", "after", "later than",
                     "since", "on or after", "on or before", "since then")
