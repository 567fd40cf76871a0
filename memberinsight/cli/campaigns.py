"""Campaign and LLM commands: ``copy``, ``suggest``, ``export-audience``, ``llm warmup``, ``llm generate``."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from memberinsight.cli.common import JsonOpt, WorkspaceOpt, cli_actor, emit, open_workspace, settings

SegmentOpt = Annotated[str | None, typer.Option(
    "--segment", "-s", help="A saved segment's name or an RFM segment, e.g. 'At Risk'.")]
MemberOpt = Annotated[str | None, typer.Option(
    "--member", help="One member id: copy from their profile (personal fields are never used).")]
MembersOpt = Annotated[Path | None, typer.Option(
    "--members", help="File of member ids (one per line, or a CSV with a member_id column) instead of a segment.")]
NoLlmOpt = Annotated[bool, typer.Option("--no-llm", help="Write from the deterministic templates only.")]

llm_app = typer.Typer(help="The local language model: warm-up (convert + cache) and direct generation.",
                      no_args_is_help=True)


def _member_ids(path: Path | None) -> list[str] | None:
    """Member ids from a text/CSV file (``member_id`` column when there is a header)."""
    if path is None:
        return None
    import csv

    from memberinsight.errors import DataValidationError

    if not path.is_file():
        raise DataValidationError("file not found", file=str(path))
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.reader(fh) if r and r[0].strip()]
    if not rows:
        raise DataValidationError("no member ids in the file", file=str(path))
    header = [c.strip().lower() for c in rows[0]]
    if "member_id" in header:
        col = header.index("member_id")
        return [r[col].strip() for r in rows[1:] if len(r) > col and r[col].strip()]
    return [r[0].strip() for r in rows]


def _deadline(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {value}", param_hint="--deadline") from exc


def _offer(value: str) -> str:
    """``value`` once the offer grammar reads it; otherwise a usage error on ``--offer`` that says why
    and lists offers that work (checked before the workspace is opened)."""
    if not value.strip():
        return value
    from memberinsight.agent.campaigns.offers import parse_offer
    from memberinsight.errors import DataValidationError

    try:
        parse_offer(value, today=date.today())
    except DataValidationError as exc:
        raise typer.BadParameter(exc.detail, param_hint="--offer") from exc
    return value


def _need_audience(segment: str | None, members: Path | None, member: str | None = None) -> None:
    given = [name for name, value in (("--segment", segment), ("--members", members), ("--member", member))
             if value is not None and value != ""]
    if not given:
        raise typer.BadParameter("give --segment, --members or --member", param_hint="--segment")
    if len(given) > 1:
        raise typer.BadParameter(f"give only one of {', '.join(given)}", param_hint=given[1])


def register(app: typer.Typer) -> None:
    app.add_typer(llm_app, name="llm")

    @app.command("copy")
    def copy_cmd(
        segment: SegmentOpt = None,
        offer: Annotated[str, typer.Option("--offer", help=(
            "The offer, e.g. '15% off', '£10 off your next order', 'free delivery over £40', 'buy one get one "
            "free', 'double points this weekend', 'early access to the winter sale'. Its own deadline "
            "('this weekend', 'until Sunday') replaces the default."))] = "",
        channel: Annotated[str, typer.Option("--channel", "-c", help="email, sms or push.")] = "email",
        tone: Annotated[str, typer.Option(help="friendly, premium (or professional), playful or urgent.")] = "friendly",
        variants: Annotated[int, typer.Option(help="How many variants (subject lines for email).")] = 3,
        deadline: Annotated[str | None, typer.Option(help="Offer end date YYYY-MM-DD (default: in 14 days).")] = None,
        brand: Annotated[str | None, typer.Option(help="Brand name (default: the workspace's shop name).")] = None,
        attempts: Annotated[int, typer.Option(help="Model attempts per piece before the template.")] = 3,
        members: MembersOpt = None,
        member: MemberOpt = None,
        no_llm: NoLlmOpt = False,
        as_json: JsonOpt = False,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Write grounded campaign copy for a segment or one member; every piece shows its check report."""
        from memberinsight.agent.campaigns import generate_campaign

        _need_audience(segment, members, member)
        offer = _offer(offer)
        result = generate_campaign(open_workspace(workspace), settings(workspace), segment=segment,
                                   member_ids=_member_ids(members), member_id=member, channel=channel, offer=offer,
                                   n_variants=variants, tone=tone, deadline=_deadline(deadline), brand=brand,
                                   use_llm=not no_llm, max_attempts=attempts,
                                   user=cli_actor(settings(workspace)))
        if as_json:
            emit(result.to_dict(), True)
            return
        lines = [f"{channel.upper()} copy for {result.segment} ({result.facts.get('audience_size')} members), "
                 f"play: {result.play}, writer: {result.backend}, {result.seconds} s"]
        if terms := result.facts.get("offer_terms"):
            lines.append(f"Offer: {terms['phrase']}" + (f" ({terms['terms']})" if terms["terms"] else ""))
        lines += [f"Imported text withheld from the copy: {w['note']}" for w in result.facts.get("withheld", [])]
        for v in result.variants:
            lines.append(f"\n--- variant {v.index}" + (f" ({v.angle})" if v.angle else "") + f" ---\n{v.text}")
            for piece in v.pieces:
                rep = piece.report
                rejected = len(rep.rejected)
                lines.append(f"  [{piece.part}] check {'passed' if rep.passed else 'FAILED'}; shipped attempt "
                             f"{rep.shipped_attempt} ({rep.shipped_source}), {rejected} rejected; "
                             f"length {rep.length}/{rep.limit}")
                lines.append(f"      {rep.provenance}")
                for att in rep.rejected:
                    lines.append(f"      attempt {att.number} rejected: {'; '.join(att.problems)[:200]}")
        emit(None, False, "\n".join(lines))

    @app.command()
    def suggest(
        segment: SegmentOpt = None,
        offer: Annotated[str, typer.Option("--offer", help="Offer to consider (default: the play's usual one).")] = "",
        members: MembersOpt = None,
        member: MemberOpt = None,
        use_llm: Annotated[bool, typer.Option(
            "--llm/--no-llm", help="Let the configured model reword the headline (it ships only when it passes "
                                   "the checks); the rules write everything else either way.")] = False,
        as_json: JsonOpt = False,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Recommend a campaign for a segment or one member: the situation in numbers, the play with its offer,
        timing and products, why, what to measure and what not to do (every figure checked)."""
        from memberinsight.agent.campaigns import suggest_campaign

        _need_audience(segment, members, member)
        offer = _offer(offer)
        result = suggest_campaign(open_workspace(workspace), settings(workspace), segment=segment,
                                  member_ids=_member_ids(members), member_id=member, offer=offer,
                                  use_llm=use_llm, user=cli_actor(settings(workspace)))
        if as_json:
            emit(result.to_dict(), True)
            return
        notes = [f"Imported text withheld: {w['note']}" for w in result.facts.get("withheld", [])]
        verdict = ("Checks passed: every figure, date and product is in the facts; no sentence repeats; no step "
                   "contradicts another" if result.passed else "Checks FAILED: " + "; ".join(
                       result.problems + [p for r in result.reports for p in r.problems]))
        emit(None, False, "\n\n".join([result.text, *notes, f"{verdict} (written by: {result.writer})."]))

    @app.command("export-audience")
    def export_audience_cmd(
        reason: Annotated[str, typer.Option(
            "--reason", help="Why this contact list leaves the workspace (required; goes to the audit log).")],
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", help="CSV file to write (default: a new <segment>_<channel>_<time>.csv directly "
                                "inside <workspace>/exports/).")] = None,
        segment: SegmentOpt = None,
        members: MembersOpt = None,
        channel: Annotated[str, typer.Option(help="email (rows need an email), sms (rows need a phone) or push "
                                                  "(member ids only).")] = "email",
        include_without_contact: Annotated[bool, typer.Option(
            "--include-without-contact", help="Keep members lacking the channel's contact field.")] = False,
        as_json: JsonOpt = False,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Export a segment's contact list (email, first_name, last_name, ...) for an email or SMS tool (audited).

        This bypasses campaign approval: refused (and audited) unless ``[campaigns] direct_export = true``;
        contact lists otherwise leave through an approved campaign (``memberinsight campaign export``)."""
        from memberinsight.governance import export_direct

        _need_audience(segment, members)
        ws = open_workspace(workspace)
        listed = _member_ids(members)
        label = segment if members is None else f"members {members.name}"
        cfg = settings(workspace)
        report = export_direct(ws, label, channel, actor=cli_actor(cfg), reason=reason, out=out, member_ids=listed,
                               include_without_contact=include_without_contact, settings=cfg, surface="cli")
        emit(report, as_json, f"Wrote {report.written} rows to {report.path} "
                              f"({report.without_contact} without {channel} contact"
                              f"{' kept' if include_without_contact else ' left out'}, "
                              f"{report.not_found} ids not found); sha256 {report.sha256}\n{report.summary}")

    @llm_app.command("warmup")
    def warmup_cmd(as_json: JsonOpt = False) -> None:
        """Convert the packaged GGUF once into the cache and load it (later loads take about a second)."""
        from memberinsight.agent.llm import warmup

        info = warmup(settings())
        emit(info, as_json, "\n".join(f"{k}: {v}" for k, v in info.items()))

    @llm_app.command("generate")
    def generate_cmd(
        prompt: Annotated[str, typer.Argument(help="The user message.")],
        system: Annotated[str | None, typer.Option(help="Optional system message.")] = None,
        max_new_tokens: Annotated[int | None, typer.Option(help="Token budget (default: settings).")] = None,
        temperature: Annotated[float, typer.Option(help="0 for greedy decoding.")] = 0.0,
        seed: Annotated[int | None, typer.Option(help="Sampling seed.")] = None,
        stream: Annotated[bool, typer.Option("--stream", help="Print tokens as they are produced.")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Send one prompt to the configured model and print the reply."""
        import time

        from memberinsight.agent.llm import get_backend
        from memberinsight.agent.llm.chat import Message

        s = settings()
        backend = get_backend(s)
        messages: list[Message] = ([{"role": "system", "content": system}] if system else [])
        messages.append({"role": "user", "content": prompt})
        budget = max_new_tokens or s.llm_max_new_tokens
        start = time.perf_counter()
        if stream and not as_json:
            for piece in backend.stream(messages, max_new_tokens=budget, temperature=temperature, seed=seed):
                sys.stdout.write(piece)
                sys.stdout.flush()
            sys.stdout.write("\n")
            return
        text = backend.generate(messages, max_new_tokens=budget, temperature=temperature, seed=seed)
        emit({"text": text, "backend": backend.name, "seconds": round(time.perf_counter() - start, 3)}, as_json, text)
