"""RecordValidator: the fast path agrees with python-jsonschema, and errors say where and what."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from test_record import minimal_parts, seed_record

from docexport.record import build_record
from docexport.schema import load_schema
from docexport.validate import RecordValidator, SchemaIssue, json_path, validate_record

Mutation = Callable[[dict[str, Any]], None]


def locate(record: dict[str, Any], path: str) -> tuple[Any, str | int]:
    """The container holding the dotted ``path`` (list indices as numbers), and the last key."""
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
    target: Any = record
    for part in parents:
        target = target[part]
    return target, last


def setter(path: str, value: Any) -> Mutation:
    """A mutation that sets ``path`` to ``value``."""

    def mutate(record: dict[str, Any]) -> None:
        target, last = locate(record, path)
        target[last] = value

    return mutate


def deleter(path: str) -> Mutation:
    """A mutation that removes ``path``."""

    def mutate(record: dict[str, Any]) -> None:
        target, last = locate(record, path)
        del target[last]

    return mutate


# Mutations of a valid record that must still be valid: the schema must not be stricter than the
# data docexport legitimately produces.
VALID: list[tuple[str, Mutation]] = [
    ("unchanged", lambda record: None),
    ("dateline-with-year-and-date", setter("dateline.date", "2021-11-05")),
    ("leap-day", setter("dateline.date", "2020-02-29")),
    ("no-title", setter("title", "")),  # a one-paragraph brief has no headline
    ("no-subtitle", setter("subtitle", None)),
    ("no-dateline", setter("dateline", None)),
    ("no-byline", setter("byline", None)),
    ("byline-without-authors", setter("byline.authors", [])),
    ("author-without-role", setter("byline.authors.0.role", None)),
    ("no-tokens", setter("tokens", None)),
    ("no-token-count", setter("stats.tokens", None)),
    ("no-flags", setter("quality.flags", [])),
    ("empty-metadata", setter("source.metadata", [])),
    ("metadata-null-value", setter("source.metadata.0.value", None)),
    ("metadata-empty-key", setter("source.metadata.0.key", "")),
    ("jsonl-line", setter("source.line", 1)),
    ("unknown-encoding", setter("source.encoding", None)),
    ("empty-file", setter("source.bytes", 0)),
    ("traditional-output", setter("script.output", "Hant")),
    ("no-han-script", setter("script.detected", "none")),
    ("integral-float-count", setter("stats.sentences", 3.0)),  # JSON has one number type
]

# Mutations that must be rejected, with the JSON path the report must point at.
INVALID: list[tuple[str, Mutation, str]] = [
    ("missing-title", deleter("title"), "$"),
    ("missing-nested-field", deleter("dateline.month"), "$.dateline"),
    ("extra-top-level-field", setter("language", "zh"), "$"),
    ("extra-key-in-closed-object", setter("stats.words", 3), "$.stats"),
    ("extra-repair-counter", setter("repairs.emoji_removed", 1), "$.repairs"),
    ("missing-repair-counter", deleter("repairs.pinyin_removed"), "$.repairs"),
    ("id-not-a-string", setter("id", 12), "$.id"),
    ("id-upper-case", setter("id", "A" * 32), "$.id"),
    ("id-too-short", setter("id", "a" * 31), "$.id"),
    ("id-trailing-newline", setter("id", "a" * 32 + "\n"), "$.id"),
    ("wrong-schema-version", setter("schema_version", "2.0"), "$.schema_version"),
    ("empty-text", setter("text", ""), "$.text"),
    ("title-null", setter("title", None), "$.title"),
    ("subtitle-number", setter("subtitle", 5), "$.subtitle"),
    ("no-paragraphs", setter("paragraphs", []), "$.paragraphs"),
    ("empty-paragraph", setter("paragraphs.1", ""), "$.paragraphs[1]"),
    ("paragraphs-as-string", setter("paragraphs", "一段。"), "$.paragraphs"),
    ("month-13", setter("dateline.month", 13), "$.dateline.month"),
    ("day-0", setter("dateline.day", 0), "$.dateline.day"),
    ("year-as-string", setter("dateline.year", "2021"), "$.dateline.year"),
    ("date-impossible", setter("dateline.date", "2021-02-30"), "$.dateline.date"),
    ("date-not-padded", setter("dateline.date", "2021-2-3"), "$.dateline.date"),
    ("date-basic-format", setter("dateline.date", "20210203"), "$.dateline.date"),
    ("date-full-width-digits", setter("dateline.date", "２０２１-02-03"), "$.dateline.date"),
    ("date-with-time", setter("dateline.date", "2021-02-03T10:00:00"), "$.dateline.date"),
    ("author-without-name", deleter("byline.authors.0.name"), "$.byline.authors[0]"),
    ("author-empty-name", setter("byline.authors.0.name", ""), "$.byline.authors[0].name"),
    ("authors-as-strings", setter("byline.authors", ["朱虹"]), "$.byline.authors[0]"),
    ("entity-null", setter("entities.persons", [None]), "$.entities.persons[0]"),
    ("tokens-as-string", setter("tokens", "杨林兴 精准"), "$.tokens"),
    ("unknown-script", setter("script.detected", "Latn"), "$.script.detected"),
    ("negative-repair-count", setter("repairs.cleanup", -1), "$.repairs.cleanup"),
    ("fractional-repair-count", setter("repairs.cleanup", 1.5), "$.repairs.cleanup"),
    ("boolean-as-count", setter("repairs.cleanup", True), "$.repairs.cleanup"),
    ("unknown-flag", setter("quality.flags", ["mojibake", "shiny"]), "$.quality.flags[1]"),
    ("repeated-flag", setter("quality.flags", ["short", "short"]), "$.quality.flags"),
    ("ratio-above-one", setter("quality.han_ratio", 1.5), "$.quality.han_ratio"),
    (
        "negative-damage",
        setter("quality.damage_per_1000_characters", -0.1),
        "$.quality.damage_per_1000_characters",
    ),
    ("negative-sentences", setter("stats.sentences", -1), "$.stats.sentences"),
    ("zero-paragraph-count", setter("stats.paragraphs", 0), "$.stats.paragraphs"),
    ("token-count-as-string", setter("stats.tokens", "4"), "$.stats.tokens"),
    ("sha256-upper-case", setter("source.sha256", "F" * 64), "$.source.sha256"),
    ("sha256-too-long", setter("source.sha256", "f" * 65), "$.source.sha256"),
    ("line-zero", setter("source.line", 0), "$.source.line"),
    ("negative-bytes", setter("source.bytes", -1), "$.source.bytes"),
    ("empty-uri", setter("source.uri", ""), "$.source.uri"),
    ("metadata-as-object", setter("source.metadata", {"url": "u"}), "$.source.metadata"),
    ("metadata-number-value", setter("source.metadata.1.value", 2), "$.source.metadata[1].value"),
    ("metadata-extra-key", setter("source.metadata.0.type", "str"), "$.source.metadata[0]"),
]


def mutated(mutation: Mutation) -> dict[str, Any]:
    record = copy.deepcopy(seed_record())
    mutation(record)
    return record


@pytest.fixture(scope="module")
def validator() -> RecordValidator:
    return RecordValidator()


@pytest.fixture(scope="module")
def reference() -> jsonschema.protocols.Validator:
    """python-jsonschema on its own, with format checking, as the reference implementation."""
    schema = load_schema()
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.mark.parametrize(("name", "mutation"), VALID, ids=[case[0] for case in VALID])
def test_valid_records_pass_both_validators(
    name: str, mutation: Mutation, validator: RecordValidator, reference: Any
) -> None:
    record = mutated(mutation)
    assert validator.is_valid(record)
    assert list(reference.iter_errors(record)) == []
    assert validator.validate(record) == []


@pytest.mark.parametrize(("name", "mutation", "path"), INVALID, ids=[case[0] for case in INVALID])
def test_invalid_records_fail_both_validators_at_the_right_path(
    name: str, mutation: Mutation, path: str, validator: RecordValidator, reference: Any
) -> None:
    record = mutated(mutation)
    assert not validator.is_valid(record)  # the jsonschema-rs fast path
    assert list(reference.iter_errors(record)) != []  # python-jsonschema agrees
    issues = validator.validate(record)
    assert issues
    assert issues[0].path == path
    assert all(issue.message and "\n" not in validator.summary([issue]) for issue in issues)


def test_a_built_record_without_optional_parts_is_valid(validator: RecordValidator) -> None:
    assert validator.validate(build_record(**minimal_parts())) == []


def test_every_error_is_reported_not_just_the_first(validator: RecordValidator) -> None:
    record = mutated(setter("stats.sentences", -1))
    record["dateline"]["month"] = 13
    del record["title"]
    paths = {issue.path for issue in validator.validate(record)}
    assert paths == {"$", "$.dateline.month", "$.stats.sentences"}


def test_issue_messages_name_the_problem(validator: RecordValidator) -> None:
    messages = {
        name: validator.validate(mutated(mutation))[0].message
        for name, mutation in [
            ("missing", deleter("title")),
            ("extra", setter("stats.words", 3)),
            ("date", setter("dateline.date", "2021-02-30")),
            ("minimum", setter("stats.sentences", -1)),
        ]
    }
    assert "'title' is a required property" in messages["missing"]
    assert "'words' was unexpected" in messages["extra"]
    assert "is not a 'date'" in messages["date"]
    assert "-1 is less than the minimum of 0" in messages["minimum"]


def test_a_huge_offending_value_is_not_pasted_whole_into_the_message(
    validator: RecordValidator,
) -> None:
    issues = validator.validate(mutated(setter("paragraphs", "很长的一段" * 1000)))
    assert issues[0].path == "$.paragraphs"
    assert len(issues[0].message) <= 300
    assert issues[0].message.endswith("…")


def test_a_non_string_key_is_reported_not_raised(validator: RecordValidator) -> None:
    record = mutated(setter("source.metadata.0.7", "non-string key"))
    assert validator.validate(record) == [
        SchemaIssue(
            "$.source.metadata[0]", "Additional properties are not allowed (7 was unexpected)"
        )
    ]


def test_what_only_the_fast_path_cannot_read_is_still_an_issue() -> None:
    # jsonschema-rs cannot read non-string keys at all; python-jsonschema sees nothing wrong with
    # them under a permissive schema. The record must still not pass as valid.
    validator = RecordValidator({"type": "object"})
    issues = validator.validate({1: "x"})
    assert len(issues) == 1
    assert issues[0].path == "$"
    assert issues[0].message.startswith("record cannot be checked:")


def test_summary_is_one_line_led_by_the_best_match(validator: RecordValidator) -> None:
    record = mutated(setter("dateline.month", 13))
    record["quality"]["flags"] = ["shiny"]
    issues = validator.validate(record)
    summary = validator.summary(issues)
    assert "\n" not in summary
    assert summary.startswith(f"{issues[0].path}: {issues[0].message}")
    assert summary.endswith("(and 1 more issue)")
    best = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(
            load_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).iter_errors(record)
    )
    assert issues[0] == SchemaIssue(json_path(best.absolute_path), best.message)


def test_summary_of_a_valid_record() -> None:
    assert RecordValidator.summary([]) == "valid"


def test_validate_record_uses_one_shared_validator() -> None:
    assert validate_record(seed_record()) == []
    assert validate_record(mutated(setter("dateline.month", 13)))[0].path == "$.dateline.month"
    from docexport import validate

    assert validate._shared_validator() is validate._shared_validator()


def test_a_different_schema_can_be_given() -> None:
    validator = RecordValidator({"type": "object", "required": ["x"]})
    assert validator.validate({"x": 1}) == []
    assert validator.validate({}) == [SchemaIssue("$", "'x' is a required property")]


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (["dateline", "month"], "$.dateline.month"),
        (["byline", "authors", 0, "name"], "$.byline.authors[0].name"),
        (["source", "metadata", 12], "$.source.metadata[12]"),
        (["odd key"], "$['odd key']"),
        ([], "$"),
    ],
)
def test_json_path(parts: list[str | int], expected: str) -> None:
    assert json_path(parts) == expected
