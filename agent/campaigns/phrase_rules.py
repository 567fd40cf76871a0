"""What a phrase in the bank may not say, and the needs its wording implies (checked at load).

Blind raters marked down families of wording, not single sentences; each family is a pattern here,
so a phrase a CRM team adds later is held to the same rule (:func:`problems_with`):

* internal vocabulary and unsupported claims (segment, churn, best-selling, your order...);
* pressure tactics (hurry, last chance): urgency comes from stating the real deadline plainly;
* gimmicks (``Long time no see``, ``Guess what?``, ``Wondering...``, ``Psst``, teaser previews
  such as ``Open up to find out``): wrong for lapsed or valuable customers, cheap for anyone;
* generic lines that could go to anyone (``something for you``, ``just for you``, ``a little
  something``, ``a personal note`` on a template, ``Try something new``);
* stacked questions in one phrase, a comma between the offer and its ``until``, and a short
  piece (SMS, push) that speaks of picks without naming one.

Some wording only reads true in some cases, so it adds a need (:func:`implied_needs`): ``it`` after
a product needs a singular product name; ``just {product_price}`` needs a price that is low for its
category; an offer called *saved*, *kept aside* or *yours* needs an offer without a minimum spend.
"""

from __future__ import annotations

import re

INTERNAL_WORDS = re.compile(r"\b(?:segments?|churn\w*|risk\w*|scores?|models?|horizon|cohorts?|clv|rfm|forecast\w*"
                            r"|audience|predicted|members of this)\b", re.I)
"""Analytics vocabulary that never belongs in customer copy."""
UNSUPPORTED_CLAIMS = re.compile(
    r"\bbest[- ]?sell\w*|\baward[- ]winning\b|\bguarantee\w*|\blowest\s+price|\bnext[- ]day\b|\bonly\s+\w+\s+left\b"
    r"|\b(?:few|limited)\s+(?:left|stock|items)\b|\bselling\s+fast\b|\byour\s+(?:last\s+|recent\s+)?order\b"
    r"|\byour\s+(?:basket|cart)\b|\bwe\s+noticed\b|\bleft\s+(?:\w+\s+)?in\s+your\b|\bmost\s+loyal\b|\bin\s+stock\b",
    re.I)
"""Claims no fact sheet supports (rankings, stock, the member's orders or basket)."""
PRESSURE = re.compile(
    r"\bclock\s+is\s+ticking\b|\bnot\s+a\s+day\s+longer\b|\bbe\s+quick\b|\bhurry\b|\bwon'?t\s+last\b|\bslip\s+away\b"
    r"|\bdon'?t\s+miss\b|\blast\s+chance\b|\bkeep\s+(?:this|it)\s+(?:short|quick)\b|\bact\s+(?:now|fast)\b"
    r"|\bbefore\s+it'?s\s+(?:gone|too\s+late)\b|\bgoing\s+fast\b|\bnow\s+or\s+never\b|\bquick,\s+go\s+on\b"
    r"|\b(?:get|be)\s+caught\s+short\b|\bmiss(?:ing)?\s+out\b|\bhate\s+for\s+you\s+to\s+miss\b"
    r"|\bdidn'?t\s+want\s+you\s+to\s+miss\b|\bdon'?t\s+leave\s+it\b|\bbefore\s+it\s+ends\b"
    r"|\bsooner\s+rather\s+than\s+later\b", re.I)
"""Pressure tactics: the brand voice is warm and clear, so urgency comes from stating the real deadline
plainly ("runs until Sunday 20 December"), never from alarm (blind raters marked these down)."""
GIMMICK = re.compile(
    r"\blong\s+time\s+no\s+see\b|\bguess\s+(?:what|who)\b|\bwonder(?:ing|ed)?\b|\bpsst\b|\bkeep\s+a\s+secret\b"
    r"|\balert\b|\bhunch\b|\bsomething\s+tells\s+us\b|\bopen\s+(?:up|it)\b|\bfind\s+out\b|\bfresh\s+look\b"
    r"|\bfancy\b|\bcurious\b|\bup\s+our\s+sleeve\b|\bthanks\s+a\s+million\b|\bmade\s+our\s+day\b|\bas\s+it\s+happens\b"
    r"|\brack\s+(?:them|'em)\s+up\b|\bstraight\s+to\s+it\b|\bpeek\b|\bsneak\b|\bwhat'?s\s+inside\b|\binside\.?$"
    r"|\bready\s+for\s+more\b|\bmore\s+for\s+less\b|\bgood\s+news\b|\bbe\s+honest\b|\bgo\s+on\b", re.I)
"""Gimmicks and teasers: cheesy or flippant openings, clickbait previews, winks. Raters read them as the
wrong register for lapsed or valuable customers and as filler for everyone else."""
GENERIC = re.compile(
    r"\bsomething\s+(?:for\s+you|special|(?:is\s+)?waiting|to\s+say|extra|aside)\b|\bsomething'?s\s+waiting\b"
    r"|\b(?:just|especially|all)\s+for\s+you\b|\ba\s+little\s+something\b|\bsaved\s+something\b"
    r"|\bpersonal\s+note\b|\btry\s+something\s+new\b|\ba\s+(?:thank-you|treat|reward)\s+for\s+you\b"
    r"|\bwhat'?s\s+waiting\b|\bthis\s+one'?s\s+for\s+you\b|\bwe\s+have\s+(?:a\s+few|some)\s+ideas\b"
    r"|\ba\s+few\s+ideas\s+(?:for\s+you|to\s+start|we\s+think)\b|\bnext\s+discovery\b|\bwhat\s+will\s+you\s+discover\b"
    r"|\bsomething\s+we\s+think\b|\bwe\s+have\s+(?:a\s+little\s+)?something\b|\bit'?s\s+your\s+turn\b"
    r"|\bwe\s+picked\s+something\b|\A(?:\{brand\}:\s+)?for\s+you,", re.I)
"""Lines that say nothing about this audience or this offer: raters wanted the customer's situation (a first
order, a gap since the last one, thanks once to a regular) and the concrete offer instead."""
STIFF = re.compile(
    r"\bwe\s+(?:believe|trust)\s+you\s+will\b|\bshould\s+anything\s+catch\s+your\s+eye\b|\bgesture\s+of\s+thanks\b"
    r"|\bwhile\s+this\s+offer\s+is\s+on\b|\bwe\s+hope\s+you\s+enjoy\s+\{offer\}|\bthe\s+only\s+question\s+is\b"
    r"|,\s+and\s+now\s+is\s+a\s+good\s+time\b|\bget\s+you\s+started\b", re.I)
"""Stiff or broken joins raters marked down in set 7 ("We hope you enjoy buy one, get one free", "Double points,
should anything catch your eye", "so the only question is where to start", "the X (£11.41), and now is a good
time to treat yourself", "a gesture of thanks"; "to get you started" to a customer who has already bought)."""
OPENERS = re.compile(
    r"\bwhere\s+(?:will\s+you|to|shall\s+we)\s+start\b|\bshall\s+we\s+start\b|\bhere'?s\s+a\s+thought\b"
    r"|\bplenty\s+to\s+choose\b|\bwhenever\s+you'?re\s+ready\b|\bnext\s+favourite\b|\bplace\s+to\s+start\b"
    r"|\bmight\s+we\s+suggest\s+(?:what|where|a\s+few\s+things)\b", re.I)
"""Generic openers that could begin any message to anyone (set 8: "where will you start?" to regulars and lapsed
customers, "Shall we start with", "Here's a thought", "Plenty to choose from, whenever you're ready", "Looking for
your next favourite?"): a line opens with the customer's situation or the offer instead."""
FILLER = re.compile(
    r"\bfor\s+a\s+(?:short|limited)\s+(?:time|while)\b|\bshort\s+time\s+only\b|\blimited\s+time\b"
    r"|\bno\s+better\s+(?:moment|time)\b|\bshop\s+now\b|\b(?:excellent|perfect|great)\s+(?:moment|time)\b"
    r"|\bvisit\s+again\s+soon\b|\bput\s+\{offer\}\s+towards\b|\bhelp\s+your\s+points\b", re.I)
"""Pushy or empty filler (set 8: "for a short time only", "available for a limited time", "no better moment",
"Shop now", "an excellent moment", "a reason to visit again soon" to the best customers, "Put £10 off your next
order towards...", "help your points go further"): say the real deadline, the reason, or nothing."""
STOCK = re.compile(
    r"\bhad\s+in\s+mind\b|\b(?:fine|good)\s+reason\s+to\s+(?:choose|pick)\b|\bof\s+late\b|\bmak(?:e|ing)\s+the\s+most\s+of\b"
    r"|\b(?:is|are)\s+on\s+now\b|\bhow\s+shall\s+we\s+say\b|\bwhatever\s+you\s+choose\b|\bacross\s+the\s+shop\b"
    r"|\btreat\s+yourself\b|\bcustomers\s+like\s+you\b|\b(?:may|might)\s+help\b|\byou\s+may\s+enjoy\b"
    r"|\bperfect\s+excuse\b|\bfine\s+time\b", re.I)
"""Stock phrases (set 9: "Is there anything you have had in mind? ... a fine reason to choose something new", "so often
of late", "Make the most of buy one, get one free", "is on now", "How shall we say thank you, {first_name}? Buy one,
get one free", "Whatever you choose, you'll get early access", "A few ideas from across the shop" over one
category's picks, "treat yourself", "Customers like you", "Planning a larger order? ... may help")."""
MODAL_QUESTION = re.compile(
    r"\b(?:may|might|shall)\s+we\b|\bwhere\s+would\s+you\s+start\b|\bwe\s+would\s+suggest\b"
    r"|\bit\s+has\s+been\s+some\s+time\.", re.I)
"""Formal rhetorical questions and stiff openings (set 10: "may we thank you for your custom?", "It has been some time.
Might we show you ...", "Might we make a suggestion or two? We would suggest", "Where would you start with early
access?"): a real shop says it plainly ("Thank you for shopping with us", "We've picked a few things for you")."""
NON_SEQUITUR = re.compile(
    r"\byou\s+know\s+(?:us|\{brand\})\s+well\b|\blove\s+rewarding\s+our\s+customers\b|\byour\s+picks\b"
    r"|\banother\s+look\b|\bmany\s+more\s+visits\b|\binviting\s+you\s+in\s+early\b", re.I)
"""Lines that do not follow or say nothing true (set 10: "you know us well, so we have chosen ..." (knowing us is no
reason for picks), "we love rewarding our customers" (say what they did), "Your picks" (ours, not theirs),
"Ready for another look?" to a first-time buyer, "Here's to many more visits", "in early. Early access")."""
STATUS_QUESTION = re.compile(
    r"\bone\s+of\s+our\s+[\w-]+\?|\bare\s+you\s+(?:one\s+of|a\s+(?:regular|new|loyal))\b", re.I)
"""Questions about who the customer is (set 11, rated 2: "{first_name}, one of our regulars? Here's our thank-you"):
we know who they are, so the copy says it ("Thank you for shopping with us so often") or leaves it out."""
PHYSICAL_SHOP = re.compile(
    r"\b(?:pop|drop|nip|call)\s+(?:in|by|into|round)\b|\bvisit\s+(?:our|the)\s+(?:store|shop)\b|\bin[- ]store\b"
    r"|\bcome\s+in\s+for\b|\b(?:pick\s+up|grab|snap\s+up)\s+\{offer\}", re.I)
"""Shop-floor words for an online shop ("pop in", "drop in", "visit our store", "in store"), and a verb glued to the
offer's name ("pick up buy one, get one free" reads as if the offer were a product; set 11, rated 2)."""
SOCIAL_PROOF = re.compile(
    r"\b(?:shoppers|customers|people|others)\s+like\s+you\b|\bpeople\s+we\s+tell\s+first\b|\bwhat'?s\s+new\b"
    r"|\bfavourites?\s+(?:with|among)\b|\bamong\s+the\s+people\b", re.I)
"""Claims about other shoppers, early notice or new stock that a reader cannot check ("a favourite with shoppers like
you", "among the people we tell first", "see what's new"; set 11): they read as invented even where data backs them."""
WEAK = re.compile(
    r"\bhow\s+does\b[^?.!]*\bsound\b|\ball\s+the\s+details\s+are\s+below\b|\bideal\s+moment\b"
    r"|\bnow\s+available\s+to\s+you\b|\bcosts?\s+less\b|\bmade\s+it\s+more\s+so\b"
    r"|\b(?:lovely|good|nice|great)\s+to\s+see\s+you\s+(?:lately|recently|so\s+often)\b|\bit\s+has\s+been\s+some\s+time\b"
    r"|\b(?:details|picks|recommendations)\s+(?:are\s+)?below\b|\bfind\s+the\s+details\b"
    r"|\byou\s+shop\s+with\s+us\s+(?:so\s+)?often\b|\bcoming\s+so\s+often\b", re.I)
"""Weak or stiff lines (set 11): "How does {offer} sound, {first_name}?" (a question that could go to anyone), a preview
that says "All the details are below", "an ideal moment to return", "is now available to you", "so your next order
costs less", "we've made it more so". Set 13: "lovely / good to see you lately" (an online shop does not see its
customers), "It has been some time" (stiff: "It has been a while"), previews that only point down ("Our picks are
below", "You will find the details below"), "You shop with us often" (stiff; thank them instead) and "Thanks for
coming so often" (a double entendre)."""
STOCK_UP = re.compile(r"\bstock\s+up\b", re.I)
"""``stock up`` fits things that run out (set 11: "stock up" beside a litter tray or a power bank): need ``consumable``."""
SMS_FRAGMENT = re.compile(r"[.?!]\s+(?:A\s+|An\s+)?\{Offer\}(?:\s+until\s+\{deadline\})?\.")
"""A text message whose offer is a verbless sentence after a statement ("... since your last visit. A free gift with
orders over £50 until Monday."): flat, with no warmth or reason; join it ("Come back for {offer}") or give it a verb."""
GENERIC_PREVIEW = re.compile(
    r"\bworth\s+knowing\b|\bgood\s+(?:moment|time)\s+to\s+(?:shop|pick\s+up)\b|\bjust\s+got\s+better\s+value\b", re.I)
"""Previews that fit any audience (set 10: "Worth knowing before your next order" to a lapsed buyer, "A good moment
to shop"): a preview speaks to the customer's situation or names the picks."""
RAW_SLOT = re.compile(r"\b(?:in|from|for)\s+\{category\}(?!\s+(?:range|picks|favourites|collection|selection))", re.I)
"""A category shown raw as a noun ("Looking for something in Outdoor?"): name it only before range, picks..."""
ENDS_EARLY = re.compile(r"\bbefore\s+\{deadline\}", re.I)
"""``before {deadline}`` reads as ending a day early (set 9): say ``until {deadline}`` or ``ends {deadline}``."""
_OWN_FILLER = frozenset("""enjoy enjoying happy shopping hello dear please pleased available offer offers
here's there's just with your have from that this until ends""".split())
SHORT_OWN_WORDS = 2
"""The fewest words of its own (besides the offer, dates, brand and name) a text message or push needs: an offer
and its end date alone ("{first_name}, 20% off until Monday 21 December") says nothing to this audience."""
PUSH_SHOWN = 85
"""The characters a push notification shows: longer ones are cut on the lock screen."""
DEADLINE_LED = "leads with the deadline; a subject leads with the reason or the customer's situation, the deadline after"
SCHEME = re.compile(r"\byour\s+points\b|\bpoints\s+(?:go|going)\s+further\b|\bpoints\s+balance\b", re.I)
"""Wording that assumes the customer knows the points scheme: not for a first-time customer (need ``knows_points``)."""
PROMISES = re.compile(r"\bhelp\s+you\s+(?:choose|find|pick|decide)\b|\bshall\s+we\s+help\b", re.I)
"""Promises of help the message does not give (raters: "promises help choosing but gives none")."""
EXCLUSIVE = re.compile(
    r"\bbefore\s+(?:anyone|everyone|everybody)\s+else\b|\bhear\s+about\s+(?:this|it)\s+first\b"
    r"|\b(?:to|for)\s+you\s+first\b|\bamong\s+the\s+first\b|\bget\s+in\s+first\b|\bfirst\s+through\s+the\s+doors\b",
    re.I)
"""Exclusivity no fact supports: several audiences get the same early access, so "before anyone else" is untrue."""
FRAGMENT = re.compile(r"(?:^|[.!?]\s+)\{Offer\}(?:,\s|:\s+where\b)")
"""An email sentence that is the offer alone with a clause hung on it ("Double points, should anything catch your
eye."; "Early access to the winter sale, so ..."): the offer needs a verb in a body sentence."""
BODY_PARTS = frozenset({"hook", "offer_line", "product_line", "cta"})
PICKS = re.compile(r"\b(?:picked|picks|chose|chosen|selection|selected|ideas)\b", re.I)
"""A short piece that speaks of picks must name one (raters: "'Picked for you' but nothing is picked")."""
OFFER_COMMA_UNTIL = re.compile(r"\{[Oo]ffer\},\s+until\b")
"""``{offer}, until {deadline}``: the comma splits the offer from when it ends (raters: a stray comma)."""
_IT = re.compile(r"\{product\}(?:[^{]|\{product_price\})*?\b(?:it|it's|its)\b"
                 r"|\{product\}(?:\s*\(\{product_price\}\))?,?\s+(?:is|was|has|makes|goes)\b", re.I)
"""``it``/``is`` after the product: a plural name ("Running Shoes ... we chose it"; set 9) reads wrongly."""
_LOW_PRICE = re.compile(r"\b(?:just|only)\s+\{product_price\}")
_GIFTING = re.compile(r"\b(?:saved|set\s+aside|kept|keep|waiting|with\s+your\s+name|yours|on\s+us)\b", re.I)


def problems_with(text: str, part: str) -> str | None:
    """Why the phrase ``text`` for ``part`` may not be used, or None (one message, the first found)."""
    for pattern, why in ((INTERNAL_WORDS, "uses internal vocabulary {m!r}; copy speaks to customers"),
                         (UNSUPPORTED_CLAIMS, "makes a claim no fact can support: {m!r}"),
                         (PRESSURE, "uses a pressure tactic {m!r}; state the deadline plainly instead"),
                         (GIMMICK, "is a gimmick or teaser {m!r}; say what the offer is and why it suits them"),
                         (GENERIC, "is generic {m!r}; name the customer's situation or the offer instead"),
                         (STIFF, "is stiff or a broken join {m!r}; write it as you would say it"),
                         (PROMISES, "promises help {m!r} the message does not give; name a pick instead"),
                         (EXCLUSIVE, "claims exclusivity {m!r}; other customers may get the same offer"),
                         (STATUS_QUESTION, "asks who the customer is {m!r}; we know: say it or leave it out"),
                         (PHYSICAL_SHOP, "speaks of a physical shop or glues a verb to the offer {m!r}; we sell online"),
                         (SOCIAL_PROOF, "claims what other shoppers do {m!r}; readers cannot check it"),
                         (WEAK, "is weak or stiff {m!r}; give the reason or the real deadline")):
        if m := pattern.search(text):
            return why.format(m=m.group())
    if part in BODY_PARTS and (m := FRAGMENT.search(text)):
        return f"states the offer as a fragment {m.group().strip()!r}; give the offer a verb (is on, runs until)"
    for pattern, why in ((OPENERS, "is a generic opener {m!r}; open with their situation or the offer"),
                         (FILLER, "is pushy or empty filler {m!r}; give the reason or the real deadline"),
                         (STOCK, "is a stock phrase {m!r}; say what this audience gets and why"),
                         (MODAL_QUESTION, "is stilted {m!r}; say it plainly, as a real shop would"),
                         (NON_SEQUITUR, "does not follow or says nothing true {m!r}; give the real reason"),
                         (RAW_SLOT, "shows a category raw {m!r}; write 'our {{category}} range' or leave it out"),
                         (ENDS_EARLY, "says {m!r}, which reads as ending a day early; write 'until {{deadline}}'")):
        if m := pattern.search(text):
            return why.format(m=m.group())
    if part == "subject" and (led := _subject_problem(text)):
        return led
    if part == "subject" and "{product}" in text and re.search(r"\{[Oo]ffer\}", text):
        return "pairs a product with the offer in a subject; it reads as if only that item were discounted"
    if part == "preview" and (m := GENERIC_PREVIEW.search(text)):
        return f"is a preview that fits anyone {m.group()!r}; speak to the customer's situation or name the picks"
    if part == "sms" and (m := SMS_FRAGMENT.search(text)):
        return f"states the offer as a flat fragment {m.group().strip()!r}; join it to a reason (Come back for {{offer}})"
    if part == "push" and re.search(r"\{[Oo]ffer\}", text) and not re.search(r"\{(?:first_name|deadline)\}", text):
        return "has neither name nor deadline; a push with an offer names the customer or says when it ends"
    if part in ("sms", "push") and text.count("{brand}") > 1:
        return "names the brand twice; the sender line already says who it is from"
    if text.count("?") > 1:
        return "asks more than one question; one question at most, then say something"
    if OFFER_COMMA_UNTIL.search(text):
        return "puts a comma between the offer and 'until'; write '{offer} until {deadline}'"
    if part == "preview" and re.search(r"\{(?:[Oo]ffer|deadline|days_left)\}", text):
        return ("states the offer or its deadline; the subject states them, so the preview adds a reason "
                "(the customer's situation, the picks) instead of repeating them")
    if part in ("sms", "push") and PICKS.search(text) and "{product}" not in text:
        return "speaks of picks without naming one; use {product} or leave the picks out"
    if part in ("sms", "push") and re.search(r"\{[Oo]ffer\}", text) and (short := _short_problem(text)):
        return short
    if part == "product_line" and "{product}" in text and "{product_price}" not in text:
        return "names the product without its price; every product an email names shows its price"
    return None


def _short_problem(text: str) -> str | None:
    """A text message or push with an offer that pairs it with a product ("Seen the X? 20% off": the hook has
    nothing to do with the offer and reads as if only X were discounted) or carries the offer alone."""
    if "{product}" in text:
        return "pairs a product with the offer in a short piece; it reads as if only that item were discounted"
    own = [w for w in re.findall(r"[a-z][a-z'-]{3,}", re.sub(r"\{[^{}]*\}", " ", text).lower()) if w not in _OWN_FILLER]
    if len(own) < SHORT_OWN_WORDS:
        return ("carries only the offer (and its date); give this audience's situation or a reason to act "
                "(a gap to acknowledge, a specific thank-you, a second order)")
    return None


def _subject_problem(text: str) -> str | None:
    """A subject that leads with its deadline, or is the offer and its deadline with no name and no reason."""
    when = re.search(r"\{(?:deadline|days_left)\}", text)
    if when is None:
        return None
    offer = re.search(r"\{[Oo]ffer\}", text)
    if offer is None or when.start() < offer.start() or re.search(r"\b(?:ends?|before|until)\b", text[:offer.start()], re.I):
        return f"{DEADLINE_LED}: {text!r}"
    if "{first_name}" not in text and not text[:offer.start()].strip():
        return f"is the offer and its deadline alone, with no name and no reason: {text!r}"
    return None


def implied_needs(text: str) -> set[str]:
    """Needs the wording implies: ``singular`` (``it`` refers to the product), ``low_price`` (``just
    {product_price}``), ``no_threshold`` (the offer is *saved*, *kept* or *yours*: untrue of a minimum spend),
    ``knows_points`` (``your points``: not for a first-time customer, who may never have earned any),
    ``consumable`` (``stock up``: only beside things that run out)."""
    needs = set()
    if _IT.search(text):
        needs.add("singular")
    if _LOW_PRICE.search(text):
        needs.add("low_price")
    if re.search(r"\{[Oo]ffer\}", text) and _GIFTING.search(text):
        needs.add("no_threshold")
    if SCHEME.search(text):
        needs.add("knows_points")
    if STOCK_UP.search(text):
        needs.add("consumable")
    return needs
