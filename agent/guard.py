"""What the chat declines: changing data, sending, exporting, personal data, and questions outside the job.

The decision is made by rules over the words, not by a list of sentences:

* **destructive or acting requests**: a clause whose main verb (after "please", "can you", "I want
  you to"...) changes data or acts in the world (delete, wipe, change, move, approve, send now, export)
  and whose object is the shop's data (members, reviews, orders, a segment, the database, a member id);
* **personal data**: contact and identity details of members (phone numbers, e-mail or home addresses,
  dates of birth, payment details), whatever the verb;
* **a change aimed at the shop's own names**: moving members between segments, merging or renaming
  them ("make all Hibernating customers Lost", "rename Champions to VIPs"), awarding points, handing
  out a file of members ("email me the list"), releasing a campaign ("schedule the email for Friday");
* **out of scope**: a message far from every tool's examples (the router's similarity) that names
  nothing of the shop (no segment, member, category, channel or domain word) is general knowledge
  or small talk, and so is a question about the world (:func:`general_knowledge`: who won, the
  weather, films) whatever segment word it holds ("the Champions League"). That check lives in
  :mod:`agent.policy`, which has the router's scores.

A refusal says what the agent can do instead.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

CAN_DO = ("I can answer questions about members, segments, churn risk, forecasts, products and "
          "recommendations, write campaign copy and suggest campaigns, and summarise the review queue, "
          "the fraud queue and the data. Type **help** for examples.")

_CHANGE_VERBS = frozenset(
    "delete remove wipe erase purge drop truncate destroy clear change update edit modify alter set move "
    "rename reassign assign overwrite reset merge insert add ban block suspend deactivate disable cancel "
    "refund unsubscribe subscribe mark flag unflag archive restore import upload replace fix correct "
    "transfer put create make upgrade downgrade demote award grant credit deduct".split())
_DECIDE_VERBS = frozenset("approve reject escalate dismiss accept decline".split())
# Verbs that release something already made ("schedule the Champions email", "launch the campaign").
_RELEASE_VERBS = frozenset("schedule launch publish post blast".split())
_RELEASED = re.compile(r"\b(?:e-?mails?|sms|texts?|messages?|campaigns?|promos?|promotions?|newsletters?|push(?:es)?|"
                       r"notifications?|posts?|blast|offers?|it|this|that|copy|drafts?)\b")
_SEND_VERBS = frozenset("send email mail text message sms blast publish post schedule launch notify push "
                        "contact call ring".split())
_EXPORT_VERBS = frozenset("export download dump extract".split())
_RUN_VERBS = frozenset("rerun retrain rebuild recompute recalculate reindex refresh retrigger train run build "
                       "reprocess reingest".split())
# "run a forecast", "build me a comparison": asking for an answer, not for a model run.
_ANSWER_VERBS = frozenset({"run", "build", "do"})
_ANSWER_OBJECT = re.compile(r"\s*(?:me\s+|us\s+)?(?:a|an|the|some|my|our)?\s*(?:quick\s+|new\s+|fresh\s+|demand\s+|"
                            r"sales\s+|weekly\s+|simple\s+|short\s+)*(?:forecasts?|predictions?|projections?|reports?|"
                            r"analys[ie]s|comparisons?|summary|breakdown|overview|numbers)\b(?!\s+(?:models?|again|"
                            r"pipeline|job|training))(?!.*\b(?:model|retrain|pipeline|again)\b)")
_RUN_OBJECTS = re.compile(r"\b(models?|forecasts?|index(?:es)?|pipeline|build|training|scores?|screening|"
                          r"segmentation|clustering|ingest|import|data|churn|clv)\b")
# Jobs that are not this agent's: it answers about the shop's data, it does not translate or book.
_OTHER_JOB_VERBS = frozenset("translate book reserve remind sing tweet print pay invoice dial phone ring "
                             "play".split())
_DATA_OBJECTS = re.compile(
    r"\b(members?|customers?|clients?|users?|accounts?|people|everyone|everybody|reviews?|orders?|products?|"
    r"prices?|data|database|db|tables?|records?|rows?|segments?|queue|history|everything|all|them|those|these|"
    r"him|her|list|file|csv|spreadsheet|excel|stock|inventory|categor(?:y|ies)|campaigns?|emails?|"
    r"points|balance|ratings?|member|segment|clusters?|bands?|tiers?|scores?|labels?|status|statuses|churn|clv|"
    r"fields?|columns?|values?)\b|\b[a-z]{1,3}\d{3,}\b|\b\d{4,}\b")
_POLITE = frozenset(
    "please pls kindly can could would will you u i we id d like want need to go ahead and just ok okay hey "
    "hi hello now then also lets let us me help quickly simply actually so right yes sure great thanks "
    "maybe perhaps possibly be able youd youll immediately asap straight away urgently".split())
# Creating or making copy, lists and segments is the agent's job, not a change of data: only a
# change verb aimed at existing data refuses ("make an email" is fine, "make M0001 a Champion" is not).
_SOFT_CHANGE = frozenset({"create", "make", "add", "put", "set", "mark", "flag", "fix", "correct"})
_SOFT_OBJECT = re.compile(r"\b(into|to|as|from|in|on)\s+(?:the\s+)?(?:segment|champions?|[a-z]+ segment|"
                          r"database|db|table|list|queue)\b|\b[a-z]{1,3}\d{3,}\b|\b(?:database|table|db)\b|"
                          r"^\s*(?:(?:a|an|the|new|all|every|some|this|that|these|those|our|my|their|each|another|"
                          r"fake|test|dummy|few)\s+){0,3}(?:members?|customers?|clients?|orders?|reviews?|products?|"
                          r"prices?|records?|rows?|accounts?|points|balance|users?)\b")
_MARK_AS = re.compile(r"\bas\s+(?:approved|removed|fake|genuine|spam|real|escalated|pending|ok|legit\w*)\b")
_SEND_NOW = re.compile(r"\b(now|today|tonight|immediately|right away|straight away|out|asap|tomorrow|"
                       r"at \d|this (?:morning|afternoon|evening)|on (?:monday|tuesday|wednesday|thursday|friday|"
                       r"saturday|sunday))\b")
# "send the email", "send it to them": a message that exists already is sent, not written.
_SENT_OBJECT = re.compile(r"^\s*(?:the|this|that|it|these|those)\s*(?:e-?mails?|sms|texts?|messages?|campaigns?|"
                          r"copy|newsletters?|push(?:es)?|notifications?|blast|variants?|drafts?|one)?\b(?!\s+\w+\s+"
                          r"(?:for|about))")
# "email me the list", "send me a csv of them": a file of members handed out is an export.
_GIVE_VERBS = frozenset("give get pass hand forward share".split())
_TO_ME_FILE = re.compile(r"\s*(?:me|us|over|across|it|them)?\s*(?:the|a|an|that|this|those|these|our|full|whole)?\s*"
                         r"(?:full\s+|whole\s+|complete\s+)?(?:lists?|csv|excel|spreadsheet|file|export|extract|dump|"
                         r"sheet|xlsx?|download)\b")
_POINTS = re.compile(r"\b\d[\d,]*\s+(?:bonus\s+|loyalty\s+|reward\s+|extra\s+)?points\b|\b(?:bonus|loyalty|reward)"
                     r"\s+points\s+to\b")
_SQL = re.compile(r"\b(drop|truncate)\s+(table|database)\b|\bdelete\s+from\b|\binsert\s+into\b|"
                  r"\bupdate\s+\w+\s+set\b|\balter\s+table\b")

PII = re.compile(
    r"\b(phone|mobile|telephone|cell)\s*(numbers?|nos?|#)|\b(their|his|her|members?|customers?)\s+(phones?|mobiles?)\b|\bcontact\s+(details|info|information|numbers?)\b|"
    r"\be-?mail\s*(address(es)?|adress(es)?|addr)\b|"
    r"\b(home|postal|street|billing|shipping|delivery|physical|mailing|their|his|her|members?|customers?|"
    r"everyones?)\s+address(es)?\b|\baddresses\b|\bpost\s?codes?\b|\bzip\s?codes?\b|"
    r"\b(date of birth|dob|passwords?|credit cards?|card (numbers?|details)|bank (details|accounts?)|"
    r"payment (details|information|info)|ip address(es)?|passport|national insurance|social security|"
    r"personal (data|details|information|info))\b|"
    r"\b(their|his|her|members?|customers?|everyones?|all the)\s+e-?mails\b|\be-?mails\s+and\s+(phone|numbers?)\b|"
    r"\b(full|real|first and last|last)\s+names?\b|\bnames\s+and\s+(addresses|e-?mails|numbers)\b|"
    r"\b(their|his|her)\s+names?\b|\bnames?\s+of\s+(?:the\s+|our\s+|all\s+|these\s+|those\s+)?(?:top\s+\d+\s+)?"
    r"(?:[a-z-]+\s+)?(?:members?|customers?|clients?|buyers?|people)\b|\be-?mails?\s+of\b")
# A member's contact detail asked for through a possessive ("what's their email", "her mobile?"), where
# "write their email" or "an email to them" is campaign copy.
_CONTACT_OF = re.compile(r"^(?!.*\b(?:write|draft|compose|create|make|send|campaign|copy|subject)\b).*(?:\b(?:their|his|her)\s+"
                         r"(?:e-?mail|phone|mobile|cell|telephone|address|contact|number|landline)|\b(?:[a-z]{1,3}\d{3,}|"
                         r"members?|customers?)(?:'?s)?\s+(?:e-?mail|phone|mobile|cell|telephone|address|contact|landline))"
                         r"\b(?!\s+(?:campaign|copy|subject|template|open|click))")
# General knowledge: questions about the world, not the shop ("who won the Champions League").
_GENERAL_KNOWLEDGE = re.compile(
    r"\bwho (?:won|wins|will win|scored|is winning|invented|wrote|directed|painted|sang|discovered|founded|"
    r"is the (?:president|prime minister|king|queen|pope|ceo of|richest|tallest))\b|"
    r"\b(?:the|whats the|what is the|hows the|how is the)\s+weather\b|\bweather (?:forecast|like|today|tomorrow|"
    r"this|next|in|for|going)\b|"
    r"\b(?:capital|population|president|prime minister|currency|king|queen) of\b|\bjokes?\b|"
    r"\bwhat(?:s| is) (?:the )?(?:plot|final score|meaning of life|time in|date today)\b|"
    r"\b(?:recommend|suggest)\s+(?:me\s+)?(?:a|an|some)\s+(?:good\s+|nice\s+|great\s+|new\s+)?(?:film|movie|book|"
    r"song|show|tv show|series|restaurant|recipe|podcast|album|holiday destination)s?\b|"
    r"\b(?:tv|television|netflix) (?:show|series)\b|\b(?:world cup|champions league|premier league|olympics|"
    r"super bowl|eurovision|election)\b|\b(?:stock|share) prices?\b|\bstock market\b|\bbitcoin\b|"
    r"\bexchange rates?\b|\binterest rates?\b")
# Private life of a member: asked about a person, never answered.
_SENSITIVE = re.compile(r"\b(married|marital|wife|husband|spouse|girlfriend|boyfriend|religion|religious|ethnicity|"
                        r"race|health|medical|illness|salary|income|sexual\w*|gender|pregnan\w*|how old|age|"
                        r"lives?|living)\b")
_WORLD_FACTS = re.compile(r"\b(?:stock|share) prices?\b|\bstock market\b|\bbitcoin\b|\bexchange rates?\b|"
                          r"\binterest rates?\b|\bftse\b|\bnasdaq\b|\bdow jones\b")
# Money moved for an order or a member ("issue a full refund for order 55123", "give her a £10 credit").
_MONEY_ACTION = re.compile(r"\b(?:issue|process|give|grant|make|do|apply|pay|send|action|raise|authori[sz]e)\s+(?:\w+\s+)?"
                           r"(?:a\s+|an\s+|the\s+)?(?:full\s+|partial\s+)?(?:refunds?|credit notes?|chargebacks?|"
                           r"compensation|reimbursements?|goodwill (?:gesture|credit|payment)s?)\b")
_CONTACT_VERBS = frozenset("email e-mail mail text message sms call ring phone contact notify".split())
# Reaching one person ("email the customer to confirm", "ring her back", "call M0001234").
_CONTACT_ONE = re.compile(r"^\s*(?:the|that|this)?\s*(?:customer|member|client|shopper|buyer|person|him|her|"
                          r"[a-z]{1,3}\d{3,})\b(?!\s*(?:base|segment|list|campaign|copy))")
_PERSON_REF = re.compile(r"\b(he|she|him|her|his|hers|member|customer|client|[a-z]{1,3}\d{3,})\b")


@dataclass(frozen=True)
class Refusal:
    """Why a message is declined (``kind``) and the reply that says what the agent can do instead."""

    kind: str
    reply: str


REPLIES = {
    "change": ("I can't change, move or delete data from the chat: I only read the workspace. Changes go "
               "through the data import (Data tab or `memberinsight ingest`). " + CAN_DO),
    "decide": ("I don't make review decisions: approve, remove or escalate reviews one by one in the "
               "Review queue tab, where each decision is recorded with your name. I can summarise the "
               "queue for you."),
    "send": ("I can't send or schedule messages. I write and check campaign copy; send it from your email "
             "or SMS tool (the audience export in the Campaigns tab, or `memberinsight export-audience`, "
             "gives you the list)."),
    "export": ("I don't export files from the chat. Use the audience export (Campaigns tab, or "
               "`memberinsight export-audience`), which writes the list for your email or SMS tool and "
               "records who exported it."),
    "run": ("I don't run or retrain models from the chat: an admin refreshes them with `memberinsight build` "
            "(or after an import in the Data tab). I can tell you when the data and models were last built."),
    "personal data": ("Members' contact and personal details are personal data, so I don't show them in the "
                      "chat. To reach a segment, use the audience export (Campaigns tab, or "
                      "`memberinsight export-audience`), which writes them to a file for your email or SMS "
                      "tool."),
    "out of scope": "That is outside what I can help with here. " + CAN_DO,
}


def clauses(text: str) -> list[str]:
    """``text`` (lower case) split into clauses at punctuation and joining words."""
    parts = re.split(r"[.,;:!?()]+|\s-\s|\b(?:and then|then|and|but|so that|so)\b", text)
    return [p.strip() for p in parts if p and p.strip()]


def _main_verb(clause: str) -> tuple[str, str]:
    """(first word after politeness, the rest of the clause)."""
    words = re.findall(r"[a-z0-9']+", clause.replace("'", ""))
    i = 0
    while i < len(words) and words[i] in _POLITE:
        i += 1
    if i >= len(words):
        return "", ""
    return words[i], " ".join(words[i + 1:])


_MADE_THINGS = re.compile(r"\b(?:e-?mails?|sms|texts?|messages?|copy|campaigns?|push|newsletters?|offers?|plans?|"
                          r"lists?|comparisons?|charts?|reports?|summary|summaries|forecasts?|drafts?|versions?)\b")


@functools.lru_cache(maxsize=16)
def _names_re(names: tuple[str, ...]) -> re.Pattern[str] | None:
    words = sorted({re.sub(r"[^a-z0-9 ]+", "", n.lower()).strip() for n in names} - {""}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b") if words else None


def _recast(verb: str, rest: str, names: re.Pattern[str] | None) -> bool:
    """True when ``verb`` + ``rest`` moves members between the shop's named groups: "make all Hibernating
    customers Lost", "merge Loyal and Champions", "rename Champions to VIPs"."""
    if names is None:
        return False
    named = names.findall(rest)
    if verb in _CHANGE_VERBS - _SOFT_CHANGE:
        return bool(named)
    if verb not in ("make", "mark", "set", "put", "turn") or (verb in ("make", "turn") and _MADE_THINGS.search(rest)) \
            or re.search(r"\b(?:side by side|next to each other|alongside|against|versus|vs|compar\w*)\b", rest):
        return False  # "make an email for Champions and Loyal" is copy
    return len(named) >= 2 or bool(re.search(rf"\b(?:into|to|as|in|on)\s+(?:the\s+)?(?:{names.pattern})", rest))


def check(text: str, names: tuple[str, ...] = ()) -> Refusal | None:
    """A refusal for ``text`` (lower case, spelling corrected) when it asks to change, send or export
    data or for personal details; None when the agent may answer. ``names``: the shop's segment names
    (a change aimed at one of them is a change of data; their members' names are personal data)."""
    named = _names_re(names)
    if PII.search(text) or _CONTACT_OF.search(text) or (_SENSITIVE.search(text) and _PERSON_REF.search(text)) \
            or (named is not None and re.search(rf"\bnames?\s+(?:of|in)\s+(?:the\s+|our\s+|all\s+)?(?:{named.pattern})",
                                                text)):
        return Refusal("personal data", REPLIES["personal data"])
    if _SQL.search(text):
        return Refusal("change", REPLIES["change"])
    if _WORLD_FACTS.search(text):  # "what's Amazon's stock price today": markets, not the shop
        return Refusal("out of scope", REPLIES["out of scope"])
    if _MONEY_ACTION.search(text):
        return Refusal("change", REPLIES["change"])
    for clause in clauses(text):
        verb, rest = _main_verb(clause)
        if not verb:
            continue
        if verb in _CONTACT_VERBS and _CONTACT_ONE.match(rest):
            return Refusal("send", REPLIES["send"])  # "email the customer to confirm"
        if (verb in _DECIDE_VERBS and rest.strip()) \
                or (verb in _CHANGE_VERBS and _MARK_AS.search(rest)):
            return Refusal("decide", REPLIES["decide"])
        if verb in _RUN_VERBS and _RUN_OBJECTS.search(rest) and not (verb in _ANSWER_VERBS and _ANSWER_OBJECT.match(rest)):
            return Refusal("run", REPLIES["run"])
        if verb in _OTHER_JOB_VERBS and not re.match(r"\s*(?:a|the)?\s*(?:campaign|segment|email|sms)\b", rest):
            return Refusal("out of scope", REPLIES["out of scope"])
        if verb in _SEND_VERBS | _GIVE_VERBS and _TO_ME_FILE.match(rest):
            return Refusal("export", REPLIES["export"])  # "email me the list of Lost customers"
        if verb in _GIVE_VERBS and _POINTS.search(rest):
            return Refusal("change", REPLIES["change"])  # "give the VIPs 500 bonus points"
        if verb in _SEND_VERBS and not re.match(r"\s*(me|us)\b", rest) and (
                _SEND_NOW.search(rest) or (verb == "send" and _SENT_OBJECT.match(rest))
                or (verb in _RELEASE_VERBS and _RELEASED.search(rest))):
            return Refusal("send", REPLIES["send"])
        if verb in _EXPORT_VERBS and (_DATA_OBJECTS.search(rest) or (verb != "extract" and rest.strip())):
            return Refusal("export", REPLIES["export"])
        if verb in _CHANGE_VERBS - _SOFT_CHANGE and re.fullmatch(r"\s*(?:it|this|that|them|those|these|all|"
                                                                r"everything)?\s*", rest):
            return Refusal("change", REPLIES["change"])  # "delete", "delete it", "wipe everything"
        if verb in _CHANGE_VERBS and _recast(verb, rest, named):
            return Refusal("change", REPLIES["change"])
        if verb in _CHANGE_VERBS and _DATA_OBJECTS.search(rest) and not re.match(r"\s*(me|us)\b", rest):
            if verb in _SOFT_CHANGE and not _SOFT_OBJECT.search(rest):
                continue
            return Refusal("change", REPLIES["change"])
    return None


def acting_verb(text: str) -> bool:
    """True when ``text`` (lower case) starts, after politeness, with a verb that changes, sends, exports
    or runs something ("clear the chat", "delete my last message")."""
    verb, _ = _main_verb(text)
    return verb in _CHANGE_VERBS | _DECIDE_VERBS | _SEND_VERBS | _EXPORT_VERBS | _RUN_VERBS


def general_knowledge(text: str) -> bool:
    """True when ``text`` (normalised) asks about the world rather than the shop: who won, the weather,
    films and shows, capitals... (the caller checks that nothing of the shop is named too)."""
    return bool(_GENERAL_KNOWLEDGE.search(text))


def out_of_scope() -> Refusal:
    """The refusal for a message about nothing the agent knows."""
    return Refusal("out of scope", REPLIES["out of scope"])


def vocabulary_words() -> set[str]:
    """The words these rules read (so that spelling correction knows them: "adress" -> "address")."""
    words = set(_CHANGE_VERBS | _DECIDE_VERBS | _SEND_VERBS | _EXPORT_VERBS | _RUN_VERBS | _OTHER_JOB_VERBS)
    words.update("address addresses phone number numbers mobile telephone contact details birth password "
                 "database table reviews members customers everyone personal spreadsheet".split())
    return words
