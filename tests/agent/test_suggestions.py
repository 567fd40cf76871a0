"""Campaign suggestions: the situation in numbers, the play and its plan, what to measure, what not to do.

Over the built demo shop: every figure in the text is one of the facts (checked against SQL run
here, not against the code under test), no sentence appears twice, no step contradicts another;
the rules choose plays and plans as documented; a model may reword the headline only when the
rewording passes the same checks; the CLI prints the text for people and raw values with --json.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memberinsight.agent.campaigns import Fact, FactSheet, ProductFact, choose_play, suggest, suggest_campaign
from memberinsight.agent.campaigns.advice import consistency_problems, repeated_sentences, sentences
from memberinsight.agent.campaigns.plan import WEEKDAYS, build_plan
from tests.conftest import copy_workspace

SEGMENTS = ("Champions", "Loyal", "At Risk", "Can't Lose Them", "New", "Lost", "Need Attention", "No Purchases Yet")
_DATE = re.compile(r"\b((?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day) (\d{1,2}) ([A-Z][a-z]+) (\d{4})\b")
_CLOCK = re.compile(r"\b(\d{1,2})(am|pm)\b|\b(noon|midnight)\b")
_NUMBER = re.compile(r"(?<![\w.])£?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")


@pytest.fixture(scope="module")
def ws(built_workspace, tmp_path_factory):
    """A private copy of the built demo shop (suggestions write to the audit log)."""
    return copy_workspace(built_workspace, tmp_path_factory.mktemp("suggest_ws") / "workspace")


@pytest.fixture(scope="module")
def suggestions(ws) -> dict[str, object]:
    return {seg: suggest_campaign(ws, segment=seg, user="lead") for seg in SEGMENTS}


def _segment_figures(ws, segment: str) -> dict[str, float]:
    """The figures a CRM lead would check, computed here from the tables."""
    with ws.analytics(read_only=True) as con:
        n, churn, clv = con.execute(
            "SELECT count(*), 100 * avg(churn_probability), avg(predicted_clv_365d) FROM member_predictions "
            "WHERE rfm_segment = ?", [segment]).fetchone()
        everyone, all_churn, all_clv = con.execute(
            "SELECT count(*), 100 * avg(churn_probability), avg(predicted_clv_365d) FROM member_predictions").fetchone()
        mine, total = con.execute(
            "SELECT sum(CASE WHEN p.rfm_segment = ? THEN o.quantity * o.unit_price END), sum(o.quantity * o.unit_price) "
            "FROM orders o LEFT JOIN member_predictions p USING (member_id) WHERE o.member_id IS NOT NULL",
            [segment]).fetchone()
        members = con.execute("SELECT count(*) FROM members").fetchone()[0]
    assert everyone == members
    return {"n": n, "share": 100 * n / members, "churn": churn, "all_churn": all_churn, "clv": clv,
            "all_clv": all_clv, "revenue": mine or 0.0, "revenue_share": 100 * (mine or 0.0) / total}


def _pct(v: float) -> str:
    return f"{v:,.1f}".removesuffix(".0") + "%"


def _money(v: float) -> str:
    return f"£{v:,.0f}" if v >= 1000 else f"£{v:,.2f}"


def _numbers(value: object) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _numbers(v)


def _unknown_figures(s) -> list[str]:
    """Figures in the text that are neither a fact nor a plan value (at the precision written)."""
    text = s.text
    for name in s.facts.get("products", []):
        text = text.replace(name, " ")
    plan_dates = {s.plan["deadline"], s.plan["read_on"], *(x["day"] for x in s.plan["sends"])}
    bad = [m.group(0) for m in _DATE.finditer(text)
           if date(int(m.group(4)), _month(m.group(3)), int(m.group(2))).isoformat() not in plan_dates]
    text = _DATE.sub(" ", text)
    hours = {s.plan["send_window"]["from_hour"], s.plan["send_window"]["to_hour"]}
    for m in _CLOCK.finditer(text):
        hour = {"noon": 12, "midnight": 0}.get(m.group(3) or "", 0) if m.group(3) else \
            int(m.group(1)) % 12 + (12 if m.group(2) == "pm" else 0)
        if hour not in hours:
            bad.append(m.group(0))
    text = _CLOCK.sub(" ", text)
    plan = s.plan
    known = [*_numbers(s.facts), *_numbers(plan), 12, 90, 95, *(float(x) for x in re.findall(r"\d+", s.offer))]
    if plan["baseline_pct"] is not None and plan["detectable_lift_points"] is not None:
        known.append(plan["baseline_pct"] + plan["detectable_lift_points"])
    for m in _NUMBER.finditer(text):
        whole, places = m.group(1).replace(",", ""), len(m.group(2) or "")
        value = float(whole + (f".{m.group(2)}" if m.group(2) else ""))
        if not any(abs(round(k, places) - value) < 1e-9 or (places == 0 and abs(round(k) - value) < 1e-9)
                   for k in known):
            bad.append(m.group(0))
    return bad


def _month(name: str) -> int:
    return ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December"].index(name) + 1


@pytest.mark.parametrize("segment", SEGMENTS)
def test_segment_suggestion_is_grounded_complete_and_consistent(ws, suggestions, segment: str) -> None:
    s = suggestions[segment]
    assert s.passed and s.writer == "rules" and not s.problems and not s.dropped, (s.problems, s.dropped)
    assert all(r.passed and r.shipped_source == "template" for r in s.reports)
    # (1) the situation in numbers, formatted for people, equal to the tables
    f = _segment_figures(ws, segment)
    assert s.situation[0] == f"{f['n']:,} members, {_pct(round(f['share'], 1))} of all members."
    if f["revenue"]:
        assert f"Revenue: {_money(round(f['revenue'], 2))} to date ({_pct(round(f['revenue_share'], 1))} of the " \
               "shop's)" in s.text
    if f["churn"] is not None:
        assert f"Churn risk: {_pct(round(f['churn'], 1))} on average (all members: {_pct(round(f['all_churn'], 1))})." \
               in s.situation
        assert f"Predicted value over the next 12 months: {_money(round(f['clv'], 2))} per member (all members: " \
               f"{_money(round(f['all_clv'], 2))})" in s.text
    assert not _unknown_figures(s), _unknown_figures(s)
    # (2) the play with its offer, timing and products; every reason cites a figure
    assert s.recommendation[0].startswith(f"Play: {s.play_name}.")
    assert any(line.startswith("Offer: ") for line in s.recommendation)
    send = next(line for line in s.recommendation if line.startswith("Send: "))
    first = date.fromisoformat(s.plan["sends"][0]["day"])
    assert f"{WEEKDAYS[first.weekday()]} {first.day} {first.strftime('%B %Y')}" in send
    assert first > date.today() or s.plan["deadline"] == date.today().isoformat()
    if s.plan["deadline"]:
        assert first < date.fromisoformat(s.plan["deadline"]) <= date.fromisoformat(s.plan["read_on"])
    if s.facts.get("products"):
        assert s.facts["products"][0] in next(line for line in s.recommendation if line.startswith("Products: "))
    assert s.reasons and all(re.search(r"\d", r) for r in s.reasons), s.reasons
    # (3) what to measure: metric, control group, horizon
    assert s.measure[0].startswith("Metric: ") and s.measure[-1].startswith("Read the result on ")
    control = s.plan["control_group"]
    assert (f"hold back {control} of the {f['n']} members" in s.text) == (control > 0)
    assert control == (0 if f["n"] < 40 else round(f["n"] * (0.1 if f["n"] >= 1000 else 0.2)))
    # (4) what not to do, without repeating or contradicting the rest
    assert len(s.avoid) >= 3 and all(line.startswith("Don't ") for line in s.avoid)
    assert not repeated_sentences(s.text)
    said = [re.sub(r"\W+", " ", x).lower().strip() for x in sentences(s.text)]
    assert len(said) == len(set(said)), [x for x in said if said.count(x) > 1]
    n_sends = len(s.plan["sends"])
    if n_sends == 1:
        assert "Send: one " in send and "Don't add a reminder" in s.text
        assert not re.search(r"\b(?:second|third) (?:send|message|email)", s.text)
    else:
        assert "Send: two messages." in send and "Don't send more than these two messages" in s.text
    offers = {m.group(0) for m in re.finditer(r"\d+% off", s.text)}
    assert offers <= {m.group(0) for m in re.finditer(r"\d+% off", s.offer)}


def test_plays_fit_the_segments(suggestions) -> None:
    plays = {seg: s.play for seg, s in suggestions.items()}
    assert plays["Champions"] == "early_access" and plays["New"] == "welcome"
    assert plays["No Purchases Yet"] == "welcome" and "first order" in suggestions["No Purchases Yet"].offer
    assert plays["Lost"] == "reactivation" and plays["Can't Lose Them"] == "win_back"
    assert [x["channel"] for x in suggestions["Can't Lose Them"].plan["sends"]] == ["email", "SMS"]
    assert "and have agreed to texts" in suggestions["Can't Lose Them"].text


def test_member_suggestion(ws) -> None:
    with ws.analytics(read_only=True) as con:
        member_id, segment, spend, first, last, email = con.execute(
            "SELECT p.member_id, p.rfm_segment, sum(o.quantity * o.unit_price), m.first_name, m.last_name, m.email "
            "FROM member_predictions p JOIN orders o USING (member_id) JOIN members m USING (member_id) "
            "WHERE p.rfm_segment = 'At Risk' GROUP BY ALL ORDER BY 1 LIMIT 1").fetchone()
    s = suggest_campaign(ws, member_id=member_id)
    assert s.passed and not s.problems and not _unknown_figures(s), _unknown_figures(s)
    assert s.situation[0].startswith(f"One member in the {segment} segment: ")
    assert f"{_money(round(spend, 2))} spent" in s.situation[0]
    assert s.plan["control_group"] == 0 and "No control group: a single member cannot be tested" in s.text
    assert f"({'one member'}, {segment})" in s.headline
    for personal in (member_id, first, last, email):
        assert personal and personal not in s.text


def _sheet(segment: str, n: int = 500, offer: str = "", **stats: float) -> FactSheet:
    kinds = {"avg_clv": "money", "all_avg_clv": "money", "avg_spend": "money", "all_avg_spend": "money",
             "avg_days_since_last_order": "days", "usual_gap_days": "days"}
    facts = [Fact(k, k, v, kinds.get(k, "percent" if "churn" in k or "discount" in k else "number"))
             for k, v in stats.items()]
    facts.append(Fact("peak_day", "Busiest day for orders", "Thursday", "text"))
    facts += [Fact("peak_hour_from", "from", 19, "number"), Fact("peak_hour_to", "to", 22, "number")]
    return FactSheet(segment=segment, audience_size=n, offer=offer, as_of=date(2025, 3, 17),
                     deadline=date(2025, 3, 31), stats=tuple(facts), products=(ProductFact("Garden Kneeler", 12.99),))


def test_play_rules_and_plan() -> None:
    rich = dict(avg_clv=300.0, all_avg_clv=150.0, avg_churn_probability=80.0, all_avg_churn_probability=60.0)
    poor = dict(avg_clv=40.0, all_avg_clv=150.0, avg_spend=50.0, all_avg_spend=200.0)
    assert choose_play(_sheet("At Risk", **rich))[0].key == "win_back"
    assert choose_play(_sheet("At Risk", **poor))[0].key == "reactivation"
    assert choose_play(_sheet("Champions"))[0].key == "early_access"
    assert choose_play(_sheet("Champions", offer="15% off"))[0].key == "thank_you"  # early access is not a discount
    assert choose_play(_sheet("Champions", avg_days_since_last_order=6))[0].key == "review_request"
    assert choose_play(_sheet("Loyal", offer="double points"))[0].key == "loyalty_points"
    due = _sheet("Need Attention", avg_days_since_last_order=50, usual_gap_days=40)
    assert choose_play(replace(due, products=(ProductFact("Grain-Free Dog Food", 19.0, "Pets"),)))[0].key == \
        "replenishment"
    assert choose_play(due)[0].key != "replenishment"  # a garden kneeler does not run out
    assert choose_play(_sheet("New"))[0].key == "welcome"
    play, reasons = choose_play(_sheet("At Risk", **rich))
    assert reasons[0] == "Churn risk is 80% against 60% across all members, so most are unlikely to order again " \
                         "without a prompt."
    plan = build_plan(_sheet("At Risk", **rich), play)
    # first send on their busiest weekday (Thursday 20 March), reminder two days before the end (Saturday 29 March)
    assert [(x.day, x.channel, x.to) for x in plan.sends] == [(date(2025, 3, 20), "email", "all"),
                                                               (date(2025, 3, 29), "SMS", "not_acted")]
    assert plan.read_on == date(2025, 4, 7) and plan.horizon_days == 18 and plan.window == (19, 22)
    assert (plan.control, plan.control_share, plan.test_group) == (100, 20, 400)
    assert build_plan(_sheet("At Risk", n=1200, **rich), play).control == 120
    assert build_plan(_sheet("At Risk", n=30, **rich), play).control == 0
    # an offer on one category is a price-drop alert featuring that category only
    scoped = _sheet("Loyal", offer="20% off Outdoor")
    play = choose_play(scoped)[0]
    assert play.key == "price_drop" and build_plan(scoped, play).products == ()  # the Garden Kneeler is not Outdoor
    assert "Products: none of the recommended products are in Outdoor" in suggest(scoped).text
    assert choose_play(_sheet("Loyal", offer="£10 off your next order"))[0].key != "price_drop"
    recent = _sheet("Champions", avg_days_since_last_order=6)
    assert build_plan(recent, choose_play(recent)[0]).products == ()  # a review request sells nothing
    sheet = _sheet("Loyal", avg_expected_orders=0.9)
    plan = build_plan(sheet, choose_play(sheet)[0])
    assert plan.horizon_days == 18 and plan.baseline == 16.5  # 1 - exp(-0.9 * 18 / 90): ordering in 18 days anyway


def test_consistency_checks_catch_contradictions() -> None:
    rich = dict(avg_clv=300.0, all_avg_clv=150.0)
    one = build_plan(_sheet("Lost", **dict(avg_clv=10.0, all_avg_clv=150.0)), choose_play(_sheet("Lost"))[0])
    two = build_plan(_sheet("At Risk", **rich), choose_play(_sheet("At Risk", **rich))[0])
    assert len(one.sends) == 1 and len(two.sends) == 2 and two.discount
    # the example: one email, then "members who ignore the second send"
    old = "Send one reactivation email with popular products. Stop mailing members who ignore the second send."
    assert any("second" in p for p in consistency_problems(old, one))
    assert consistency_problems("Don't send a reminder.", two)
    assert consistency_problems("Send three messages in all.", two)
    assert consistency_problems("Follow up with a reminder on Friday.", one)
    assert consistency_problems("Don't offer a discount to these members.", two)
    assert consistency_problems("Don't send an SMS.", two)
    assert consistency_problems("Offer: 15% off, ending Monday 24 March 2025.", two)
    assert consistency_problems("Churn risk is high for these members. Churn risk is high for these members.", one)
    assert not consistency_problems("Don't send more than these two messages.", two)
    assert not consistency_problems("Offer: 15% off, ending Monday 31 March 2025.", two)


class ScriptedWriter:
    """A backend that answers with prepared replies, in order."""

    name = "scripted"

    def __init__(self, replies: Sequence[str]) -> None:
        self.replies = list(replies)

    def generate(self, messages, max_new_tokens=256, temperature=0.0, seed=None) -> str:
        return self.replies.pop(0) if self.replies else "nothing useful"

    def stream(self, messages, max_new_tokens=256, temperature=0.0, seed=None) -> Iterator[str]:
        yield self.generate(messages, max_new_tokens, temperature, seed)


def test_model_may_only_reword_the_headline_and_only_when_it_passes() -> None:
    sheet = _sheet("At Risk", avg_clv=300.0, all_avg_clv=150.0)
    rules = suggest(sheet)
    bad = ScriptedWriter(["Win back At Risk with 25% off from Thursday 20 March 2025.",  # invented discount
                          "Win back At Risk by email then SMS, then a third reminder on Saturday 29 March 2025."])
    s = suggest(sheet, bad, max_attempts=2)
    assert s.headline == rules.headline and s.writer == "rules" and s.passed
    head = s.reports[0]
    assert [a.source for a in head.attempts] == ["llm", "llm", "template"]
    assert any("25%" in p for p in head.attempts[0].problems)
    assert any("third" in p for p in head.attempts[1].problems)
    good = "Win back the At Risk members: email then SMS with 15% off from Thursday 20 March 2025, " \
           "tested against 100 held-back members."
    s = suggest(sheet, ScriptedWriter([good]), max_attempts=1)
    assert s.headline == good and s.writer.endswith("scripted") and s.passed
    assert s.situation == rules.situation and s.avoid == rules.avoid  # the rest is always the rules' text


def test_cli_suggest_plain_and_json(ws) -> None:
    from memberinsight.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["suggest", "--segment", "At Risk", "--json", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["passed"] and data["writer"] == "rules" and data["problems"] == []
    assert {"headline", "situation", "recommendation", "reasons", "measure", "avoid", "plan", "text"} <= set(data)
    assert isinstance(data["facts"]["avg_clv"], float) and isinstance(data["facts"]["audience_revenue"], float)
    assert date.fromisoformat(data["plan"]["sends"][0]["day"]) and data["plan"]["send_window"]["from_hour"] in range(24)
    res = runner.invoke(app, ["suggest", "--segment", "Champions", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    for title in ("Situation", "Recommendation", "Why", "What to measure", "What not to do", "Checks passed"):
        assert f"\n{title}" in res.output
    assert re.search(r"£\d{1,3},\d{3}", res.output) and re.search(r"\d+(?:\.\d)?% of all members", res.output)
    res = runner.invoke(app, ["suggest", "--segment", "Lost", "--offer", "20% off", "-w", str(ws.path)])
    assert res.exit_code == 0 and "Offer: 20% off, ending" in res.output and "15% off" not in res.output
    assert "(the usual offer" not in res.output


def test_chat_tool_and_member_page(ws) -> None:
    from memberinsight.agent.services import Services
    from memberinsight.agent.tools import campaign_suggestion
    from memberinsight.agent.types import ToolContext
    from memberinsight.config import load_settings
    from memberinsight.ui.callbacks import lookup_member

    settings = load_settings(workspace=ws.path)
    result = campaign_suggestion(ToolContext(ws=ws, settings=settings, user="ana"), "Hibernating")
    assert result.text.startswith("**") and "*What not to do*" in result.text and "✅ Checks passed" in result.text
    assert set(result.table["passed"]) == {True}
    with ws.analytics(read_only=True) as con:
        member_id = con.execute("SELECT member_id FROM member_predictions WHERE rfm_segment = 'Loyal' "
                                "ORDER BY 1 LIMIT 1").fetchone()[0]
    text, _ = lookup_member(Services(ws, settings), member_id)
    assert "### Recommended campaign" in text and "One member in the Loyal segment" in text
    assert text.index("**Member") < text.index("### Recommended campaign")


def test_deadline_today_still_plans_consistently() -> None:
    today = date(2025, 3, 17)
    sheet = FactSheet(segment="At Risk", audience_size=300, offer="15% off", as_of=today, deadline=today,
                      stats=(Fact("avg_clv", "v", 300.0, "money"), Fact("all_avg_clv", "v", 150.0, "money")))
    s = suggest(sheet)
    assert s.passed and len(s.plan["sends"]) == 1 and s.plan["sends"][0]["day"] == today.isoformat()
    assert s.plan["read_on"] == (today + timedelta(days=7)).isoformat()
    assert "Don't add a reminder" in s.text and not consistency_problems(s.text, build_plan(sheet, choose_play(
        sheet)[0]))


def test_suggestion_outputs_are_json(tmp_path: Path, suggestions) -> None:
    out = tmp_path / "s.json"
    out.write_text(json.dumps([s.to_dict() for s in suggestions.values()]), encoding="utf-8")
    assert len(json.loads(out.read_text(encoding="utf-8"))) == len(SEGMENTS)
