"""What the writer is asked, and how its decoding is guided.

Customer copy is written with **placeholders**: the writer sees the facts as a table
(``{offer} = 15% off``) and a worked example that uses the placeholders, and code fills them in
(:mod:`agent.campaigns.slots`). With a local model the decoding is also **constrained**
(:func:`guidance`): tokens carrying digits, currency signs or ``%`` cannot be produced, nor
first-person words, month and weekday names, number words, brackets, hashtags or links, so the
model cannot state a figure or a date itself; short parts end at their first line break; an SMS
starts with the brand and an email body with the greeting.
"""

from __future__ import annotations

from datetime import date

from memberinsight.agent.campaigns.facts import Fact, FactSheet, ProductFact, quote_data
from memberinsight.agent.campaigns.grounding import LIMITS
from memberinsight.agent.campaigns.slots import fill, slots
from memberinsight.agent.llm.chat import Message
from memberinsight.agent.llm.constraints import DIGITS_AND_MONEY, Guidance
from memberinsight.untrusted import UNTRUSTED_OPEN, UNTRUSTED_RULE

PART_WORDS = {"subject": "email subject line", "preview": "email preview text", "body": "short email body",
              "sms": "SMS text message", "push": "push notification", "rationale": "explanation"}
PART_TOKENS = {"subject": 40, "preview": 50, "body": 220, "sms": 70, "push": 50, "rationale": 140}
EXAMPLES: dict[str, str] = {
    "subject": "{first_name}, your {offer} is waiting",
    "preview": "New season picks, chosen for you, with {offer} until {deadline}.",
    "body": "Hi {first_name},\n\nIt has been a while, so here is {offer} on your next order until {deadline}. "
            "Our {product_1} is back in stock too.\n\nShop now at {brand}.\n\nThe {brand} team",
    "sms": "{brand}: {first_name}, {offer} everything until {deadline}.",
    "push": "{first_name}, your {offer} ends {deadline}. Tap to shop.",
}
"""Worked answers, with placeholders, for :data:`EXAMPLE_FACTS` (shown as an earlier exchange; the
SMS opt-out line is added by code)."""
EXAMPLE_FACTS = FactSheet(segment="Lapsed", audience_size=120, offer="20% off", deadline=date(2024, 5, 12),
                          as_of=date(2024, 5, 1), brand="Bloom & Co",
                          stats=(Fact("avg_spend", "Average spend per member", 64.0, "money"),),
                          products=(ProductFact("Linen Throw", 35.0),))
"""The invented shop of the :data:`EXAMPLES` (its names are in ``claims.EXAMPLE_ONLY_NAMES``)."""
EXAMPLES_2: dict[str, str] = {
    "subject": "{offer} is yours until {deadline}, {first_name}",
    "preview": "A thank-you from {brand}: {offer} on your next order.",
    "body": "Hi {first_name},\n\nThank you for shopping with {brand}. Until {deadline} you get {offer} on "
            "everything.\n\nThe {product_1} is a customer favourite, at {price_1}.\n\nSee you soon,\nThe {brand} team",
    "sms": "{brand}: {offer} for you, {first_name}. Ends {deadline}.",
    "push": "{offer} ends {deadline}. Have a look, {first_name}.",
}
EXAMPLE_FACTS_2 = FactSheet(segment="Loyal", audience_size=80, offer="free delivery", deadline=date(2024, 6, 7),
                            as_of=date(2024, 5, 31), brand="Fern & Field",
                            products=(ProductFact("Oak Serving Board", 28.0),))
SHOTS: tuple[tuple[FactSheet, dict[str, str]], ...] = ((EXAMPLE_FACTS, EXAMPLES), (EXAMPLE_FACTS_2, EXAMPLES_2))
"""The worked exchanges shown before the ask (two shops, two wordings, so the model blends rather
than copies); a reply equal to one of them with the sheet's facts filled in is rejected."""
SHOTS_USED = 2
COPY_NGRAM = 6
"""No run of this many tokens may be copied from a worked example or repeated within the reply."""
PREFIXES = {"sms": "{brand}:", "body": "Hi {first_name},\n"}
"""Forced starts (local models): the SMS names the sender first, the email body opens with the greeting
(filled in before the model sees them, so it does not repeat the brand)."""
OFFER_PARTS = frozenset({"sms", "push", "body", "subject"})
"""Parts that must state the offer (as the checker requires): guided decoding cannot end without {offer}."""
GREETINGS = ("Dear", "Hi", "Hello", "Hey")
REPETITION_PENALTY = 1.0
REQUIRE_BLOCKS_END = False
REQUIRE_BIAS = 2.0
"""For guided copy: no penalty on reusing the prompt's words (facts, brief, the worked example)."""
FIRST_PERSON = ("I", "I'm", "I've", "I'll", "I'd", "Im", "my", "My", "mine")
MONTH_AND_DAY_NAMES = tuple(
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split())
NUMBER_WORDS = tuple(w for base in (
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million percent "
    "half dozen double triple").split() for w in (base, base.capitalize()))
BANNED_FRAGMENTS = ("http", "www", ".com", ".co")
BANNED_CHARS = DIGITS_AND_MONEY + "[]<>#@*|~^"
BODY_PARAGRAPHS = 5
"""An email body ends at its fifth paragraph break: the greeting and at most four short paragraphs."""
MONTH_AND_DAY_NAMES += ("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
                        "Mon", "Tue", "Tues", "Wed", "Thu", "Thur", "Thurs", "Fri", "Sat", "Sun")


def fact_block(facts: FactSheet, part: str) -> str:
    """The facts as the writer sees them: context lines, then the placeholder table (copy parts).

    Imported text (the audience, the products' names and notes) is screened by the sheet and
    shown last, inside one data block (:func:`agent.campaigns.facts.quote_data`); the product
    placeholders (and their prices) are listed there, the rest of the table above it.
    """
    if part not in EXAMPLES:
        return facts.to_prompt()
    lines = [f"Brand voice: {facts.brand_voice}"]
    if not facts.offer:
        lines.append("Offer: no discount; a reason to come back")
    if facts.churn_reasons:
        lines.append("Why they may leave: " + "; ".join(facts.churn_reasons))
    if facts.landing_url:
        lines.append(f"Link: {facts.landing_url}")
    table, imported = [], facts.audience_lines()
    for s in slots(facts):
        if s.name.startswith(("product_", "price_")):  # a product's price stays next to its name
            reason = next((p.reason for p in facts.products if p.name == s.value and p.reason), "")
            imported.append(f"{s.token} = {s.value}" + (f" ({reason})" if reason else ""))
        else:
            table.append(f"{s.token} = {s.value}")
    return ("\n".join(lines) + "\nPlaceholders (write them in braces; each is filled in with its value):\n"
            + "\n".join(table) + "\n" + quote_data(imported))


def _ask_text(part: str, facts: FactSheet, brief: str) -> str:
    limit = LIMITS.get(part)
    ask = f"Write one {PART_WORDS[part]}"
    if limit and part != "rationale":
        ask += f" of at most {int(limit * 0.8)} characters"
    if facts.offer and part in ("sms", "push", "body", "subject"):
        ask += " that states the offer as {offer}" if part in EXAMPLES else f' that states the offer "{facts.offer}"'
    return ask + ". " + brief + " Reply with the text only."


def messages(part: str, facts: FactSheet, tone: str, brief: str) -> list[Message]:
    """The chat for one piece: rules, then (for copy) a worked example as an earlier exchange, then the ask.

    A 135M model imitates a demonstrated answer far better than a described one, so the example
    is a prior user/assistant turn about another shop (:data:`EXAMPLE_FACTS`); its invented names
    are rejected by the checker if copied (``claims.EXAMPLE_ONLY_NAMES``).
    """
    if part in EXAMPLES:
        system = (f"You write marketing copy. Tone: {tone}. Write the facts only as the listed placeholders in "
                  "braces, such as {offer} and {deadline}; never write numbers, prices, dates or names yourself. "
                  "Write {first_name} where the customer's first name goes.")
    else:
        system = (f"You write marketing copy. Tone: {tone}. Use only the facts you are given: never invent numbers, "
                  "prices, dates, products, names or links. Write {first_name} where the customer's first name goes.")
    if UNTRUSTED_OPEN in fact_block(facts, part):
        system += " " + UNTRUSTED_RULE
    out: list[Message] = [{"role": "system", "content": system}]
    if part in EXAMPLES:
        for shot_facts, answers in SHOTS[:SHOTS_USED]:
            out += [{"role": "user", "content": f"Facts:\n{fact_block(shot_facts, part)}\n\n"
                                                f"{_ask_text(part, shot_facts, brief)}"},
                    {"role": "assistant", "content": answers[part]}]
    out.append({"role": "user", "content": f"Facts:\n{fact_block(facts, part)}\n\n{_ask_text(part, facts, brief)}"})
    return out


def _cased(words: str) -> tuple[str, ...]:
    return tuple(v for w in words.split() for v in (w, w.capitalize(), w.upper()))


CHATTER_WORDS = ("Here", "example", "Example", "sample", "Sample", "template", "Template", "response", "Response",
                 "message", "article")
SMS_OPT_OUT_WORDS = ("Reply", "reply", "STOP", "Stop", "stop")
"""The SMS opt-out line is code's to add, so the model may not write it (or cut it short)."""
"""Words that make the checker read copy as talk about the task (``Here is a``, ``this message``)."""
MECHANIC_WORDS: dict[str, tuple[str, ...]] = {
    "free": _cased("free"), "voucher": _cased("voucher vouchers coupon coupons cashback rebate"),
    "points": _cased("points"), "code": _cased("code codes"), "bogo": _cased("bogo bogof"),
}
"""Offer words the checker allows only when the offer has them, banned while the offer lacks them."""


def guidance(part: str, facts: FactSheet) -> Guidance | None:
    """How a local model's decoding is constrained for ``part`` (copy parts only: rationales cite figures).

    The model may write only the sheet's placeholders inside braces; it cannot produce digits,
    currency signs, ``%``, number, month or weekday words, first-person words, brackets, hashtags,
    links, emoji, or offer words (free, voucher, points, code) its offer does not have.
    """
    if part not in EXAMPLES:
        return None
    offer = facts.offer.lower()
    mechanics = tuple(w for key, words in MECHANIC_WORDS.items() if key not in offer for w in words)
    extra = GREETINGS if part in ("subject", "preview") else SMS_OPT_OUT_WORDS if part == "sms" else ()
    return Guidance(prefix=fill(PREFIXES.get(part, ""), facts)[0], forbid_chars=BANNED_CHARS,
                    forbid_words=FIRST_PERSON + MONTH_AND_DAY_NAMES + NUMBER_WORDS + CHATTER_WORDS + mechanics
                    + extra, forbid_fragments=BANNED_FRAGMENTS, ascii_only=True,
                    slots=tuple(s.name for s in slots(facts)) + ("first_name",),
                    max_lines=BODY_PARAGRAPHS if part == "body" else 1,
                    require=("offer",) if facts.offer.strip() and part in OFFER_PARTS else (),
                    require_bias=REQUIRE_BIAS, require_blocks_end=REQUIRE_BLOCKS_END,
                    avoid_copying=tuple(answers[part] for _, answers in SHOTS[:SHOTS_USED]), ngram=COPY_NGRAM,
                    repetition_penalty=REPETITION_PENALTY)
