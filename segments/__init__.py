"""Custom segments: a typed definition language, plain-words parsing, safe SQL, saved segments.

Public API::

    SegmentDefinition, Condition, Group, Not            # the definition language (JSON/YAML)
    parse_definition(data) -> SegmentDefinition           # validate untrusted data (forms, files, models)
    canonicalize(defn) -> SegmentDefinition
    FIELDS, CATALOGUE, catalogue_rows()                   # the field whitelist
    parse_sentence(sentence, vocab, matcher=None, workspace=None) -> ParseResult
                                                          # .status understood|ask|refused, .readback,
                                                          # .questions (Question/Option), .confidence,
                                                          # .counts (with a workspace: per condition, total,
                                                          # why empty)
    parse_or_refuse(sentence, vocab) -> ParseResult       # raises SegmentParseError if refused or nothing understood
    load_vocabulary(ws) -> Vocabulary; evaluation.evaluation_vocabulary() for the evaluation sets
    describe(defn) -> str; editable_rows(defn) -> list[dict]
    compile_definition(defn) -> CompiledQuery             # parameterised DuckDB SQL
    segment_members(ws, defn) -> list[str]; segment_size(ws, defn) -> int
    member_rows(ws, defn, limit=10) -> list[dict]         # first members with the values their conditions test
    shop_currency(ws) -> str | None                       # the shop's currency sign (£ on the demo)
    save_segment / get_segment / list_segments / delete_segment / refresh_sizes
    resolve_segment_members(ws, segment) -> list[str]      # THE resolver for other packages: member ids of a
                                                          # saved segment, RFM segment (loose names too),
                                                          # cluster ("cluster 2" / its label) or definition
    resolve_segment(ws, segment) -> SegmentDefinition     # the definition behind any of those
    prediction_quality_report(ws, settings) / quality_figure(report)   (segments.quality)
"""

from __future__ import annotations

from memberinsight.segments.audience import segment_member_ids
from memberinsight.segments.canonical import canonicalize
from memberinsight.segments.compiler import (
    CompiledQuery,
    compile_definition,
    run_query,
    segment_members,
    segment_size,
)
from memberinsight.segments.definition import (
    Condition,
    Group,
    Not,
    SegmentDefinition,
    parse_definition,
)
from memberinsight.segments.describe import describe, describe_condition, editable_rows
from memberinsight.segments.errors import SegmentDefinitionError, SegmentParseError
from memberinsight.segments.fields import CATALOGUE, FIELDS, Field, catalogue_rows
from memberinsight.segments.parser import definition_from_model_text, parse_or_refuse, parse_sentence
from memberinsight.segments.result import Counts, Option, ParseResult, Question
from memberinsight.segments.rows import member_rows
from memberinsight.segments.store import (
    SavedSegment,
    SizePoint,
    delete_segment,
    get_segment,
    list_segments,
    refresh_sizes,
    resolve_segment,
    resolve_segment_members,
    save_segment,
)
from memberinsight.segments.vocabulary import Vocabulary, load_vocabulary, shop_currency

__all__ = [
    "CATALOGUE", "FIELDS", "CompiledQuery", "Condition", "Counts", "Field", "Group", "Not", "Option", "ParseResult",
    "Question", "SavedSegment",
    "SegmentDefinition", "SegmentDefinitionError", "SegmentParseError", "SizePoint", "Vocabulary",
    "canonicalize", "catalogue_rows", "compile_definition", "definition_from_model_text", "delete_segment",
    "describe", "describe_condition", "editable_rows", "get_segment", "list_segments",
    "load_vocabulary", "member_rows", "parse_definition", "parse_or_refuse", "parse_sentence", "refresh_sizes",
    "resolve_segment", "resolve_segment_members", "segment_member_ids", "run_query", "save_segment", "segment_members",
    "segment_size", "shop_currency",
]
