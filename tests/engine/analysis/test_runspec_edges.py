"""Edges of run creation and the reconcile checks that the Argo tables in ``test_runspec.py``
leave open (found by mutation testing): unnamed metrics and rules, invalid regexps, boundaries of
``ValidateMetric``, Go's duration and ``Atoi`` syntax, ``valueFrom`` merging, nested template
lookups, and the escapes ``strconv.Quote`` writes that JSON does not read."""

from __future__ import annotations

import pytest

from canarysim.engine.analysis.runspec import (
    RunSpecError,
    TemplateNotFound,
    collect_templates,
    dry_run_metrics,
    go_duration_error,
    int_value,
    new_run_spec,
    resolve_metric_args,
    retention_limits,
    validate_metric,
    validate_metrics,
)

PROM = {"prometheus": {}}


def metric(name="m", **fields):
    return {"name": name, "provider": PROM, **fields}


def unnamed(**fields):
    return {"provider": PROM, **fields}


def template(name, **spec):
    return {"metadata": {"name": name}, "spec": spec}


# ValidateMetric at its boundaries: (metric fields, Argo's error or None)
VALIDATE_EDGES = [
    # failureLimit 0 counts as enabled: count against 0 + consecutiveSuccessLimit
    ({"count": 1, "consecutiveSuccessLimit": 2},
     "count (1) must be >= failureLimit + consecutiveSuccessLimit (0 + 2) if both >= 0"),
    ({"count": 2, "interval": "1s", "consecutiveSuccessLimit": 2}, None),
    # failureLimit -1 (disabled): count against consecutiveSuccessLimit alone
    ({"count": 1, "failureLimit": -1, "consecutiveSuccessLimit": 2},
     "count must be >= consecutiveSuccessLimit"),
    ({"count": 2, "interval": "1s", "failureLimit": -1, "consecutiveSuccessLimit": 2}, None),
    ({"count": 1, "inconclusiveLimit": 1}, None),
    ({"count": 1}, None),  # one measurement needs no interval
    ({"provider": {"plugin": {"argoproj-labs/sample": {}}}}, None),
    ({"provider": {"prometheus": {}, "plugin": {"argoproj-labs/sample": {}}}},
     "multiple providers specified"),
    ({"provider": {"plugin": {"a": {}, "b": {}}}}, "multiple providers specified"),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "error"), VALIDATE_EDGES)
def test_validate_metric_boundaries(fields, error):
    if error is None:
        validate_metric(metric(**fields))
    else:
        with pytest.raises(RunSpecError) as info:
            validate_metric(metric(**fields))
        assert str(info.value) == error


# time.ParseDuration on a metric's interval: (text, Go's error or None)
GO_DURATIONS = [
    ("0", None),
    ("-0", None),
    ("+0", None),
    ("30", 'time: missing unit in duration "30"'),
    ("-30", 'time: missing unit in duration "-30"'),
    ("00", 'time: missing unit in duration "00"'),  # only a lone "0" is special
    ("--5", 'time: invalid duration "--5"'),  # Go consumes one sign
    ("1m30", 'time: missing unit in duration "1m30"'),
    ("5x", 'time: unknown unit "x" in duration "5x"'),
    ("1m30s", None),
]


@pytest.mark.parametrize(("text", "error"), GO_DURATIONS)
def test_go_duration_error(text, error):
    assert go_duration_error(text) == error


# IntOrString.IntValue: (value, int)
INT_VALUES = [
    (7, 7),
    ("7", 7),
    ("+7", 7),
    ("-7", -7),
    ("seven", 0),
    (" 7", 0),  # Atoi takes no spaces
    ("1_000", 0),  # nor underscores
    ("99999999999999999999", 2**63 - 1),  # Atoi's range error keeps the clamped value
    ("-99999999999999999999", -(2**63)),
    (True, 0),
    (None, 0),
    (1.5, 0),
]


@pytest.mark.parametrize(("value", "expected"), INT_VALUES)
def test_int_value(value, expected):
    assert int_value(value) == expected


def test_unnamed_metrics_have_the_empty_name():
    """Metric.Name is "" when unset: two unnamed metrics are duplicates named ''."""
    with pytest.raises(RunSpecError, match=r"^metrics\[1\]: duplicate name ''$"):
        validate_metrics([unnamed(), unnamed()])
    with pytest.raises(RunSpecError, match=r"^two metrics have the same name ''$"):
        new_run_spec([template("t", metrics=[unnamed(), unnamed()])], [], [])


def test_rules_match_unnamed_metrics_by_the_empty_name():
    assert dry_run_metrics([{"metricName": ".*"}], [unnamed()]) == {""}
    assert retention_limits([{"metricName": ".*", "limit": 2}], [unnamed()]) == {"": 2}


def test_a_rule_without_metric_name_matches_every_metric():
    """An empty regexp matches every name."""
    assert dry_run_metrics([{}], [metric("a"), metric("b")]) == {"a", "b"}


def test_an_invalid_regexp_matches_nothing():
    with pytest.raises(RunSpecError, match=r"^dryRun\[0\]: Rule didn't match any metric name"):
        dry_run_metrics([{"metricName": "("}], [metric("(")])


def test_retention_limit_of_one_is_kept():
    assert retention_limits([{"metricName": "m", "limit": 1}], [metric("m")]) == {"m": 1}


def test_later_retention_rule_wins_for_a_metric_both_match():
    rules = [{"metricName": ".*", "limit": 3}, {"metricName": "b", "limit": 5}]
    assert retention_limits(rules, [metric("a"), metric("b")]) == {"a": 3, "b": 5}


def test_two_rules_without_metric_name_are_duplicates():
    t = template("t", metrics=[metric()], dryRun=[{}, {}])
    with pytest.raises(RunSpecError, match=r"^two Dry-Run metric rules have the same name ''$"):
        new_run_spec([t], [], [])


def test_templates_dry_run_duplicates_are_named_dry_run():
    a = template("a", metrics=[metric("a")], dryRun=[{"metricName": "x"}])
    b = template("b", metrics=[metric("b")], dryRun=[{"metricName": "x"}])
    with pytest.raises(RunSpecError, match=r"^two Dry-Run metric rules have the same name 'x'$"):
        new_run_spec([a, b], [], [])


def test_templates_retention_duplicates():
    a = template("a", metrics=[metric("a")], measurementRetention=[{"metricName": "x"}])
    b = template("b", metrics=[metric("b")], measurementRetention=[{"metricName": "x"}])
    with pytest.raises(
        RunSpecError, match=r"^two Measurement Retention metric rules have the same name 'x'$"
    ):
        new_run_spec([a, b], [], [])


def test_rollout_retention_rules_come_first_and_clash_with_the_templates():
    t = template("t", metrics=[metric("a"), metric("b")],
                 measurementRetention=[{"metricName": "a", "limit": 2}])  # fmt: skip
    spec = new_run_spec([t], [], [], measurement_retention=[{"metricName": "b", "limit": 4}])
    assert spec.measurement_retention == (
        {"metricName": "b", "limit": 4},
        {"metricName": "a", "limit": 2},
    )
    with pytest.raises(
        RunSpecError, match=r"^two Measurement Retention metric rules have the same name 'a'$"
    ):
        new_run_spec([t], [], [], measurement_retention=[{"metricName": "a"}])


def test_every_arg_of_a_template_is_kept_in_order():
    t = template("t", metrics=[metric()],
                 args=[{"name": "a", "value": "1"}, {"name": "b", "value": "2"}])  # fmt: skip
    assert new_run_spec([t], [], []).args == (
        {"name": "a", "value": "1"},
        {"name": "b", "value": "2"},
    )


def test_rollout_value_from_resolves_a_template_arg():
    """MergeArgs: an incoming valueFrom fills a template arg that has no value."""
    secret = {"secretKeyRef": {"name": "creds", "key": "token"}}
    t = template("t", metrics=[metric()], args=[{"name": "token"}])
    spec = new_run_spec([t], [], [{"name": "token", "valueFrom": secret}])
    assert spec.args == ({"name": "token", "valueFrom": secret},)


def test_a_template_without_spec_contributes_nothing():
    spec = new_run_spec([{"metadata": {"name": "empty"}}], [{"spec": None}], [])
    assert (spec.metrics, spec.args, spec.dry_run, spec.measurement_retention) == (
        (),
        (),
        (),
        (),
    )


def test_unresolved_tag_named_is_the_last_of_three():
    with pytest.raises(RunSpecError, match=r"^failed to resolve \{\{args.c\}\}$"):
        resolve_metric_args(metric(query="{{args.a}} {{args.b}} {{args.c}}"), [])


@pytest.mark.parametrize(
    ("value", "letter"),
    [("\x07", "a"), ("\x0b", "v"), ("\x01", "x"), ("\U000e0001", "U")],
)
def test_quoted_value_that_is_not_json(value, letter):
    """strconv.Quote's \\a, \\v, \\xNN and \\UNNNNNNNN break the metric's JSON: Go's decoder
    names the letter after the backslash."""
    with pytest.raises(RunSpecError) as info:
        resolve_metric_args(metric(query="x{{args.v}}"), [{"name": "v", "value": value}])
    assert str(info.value) == f"invalid character '{letter}' in string escape code"


def test_template_not_found_carries_name_scope_and_nesting():
    parent = template("parent", templates=[{"templateName": "gone"}])

    def lookup(name, scoped):
        return parent if (name, scoped) == ("parent", False) else None

    with pytest.raises(TemplateNotFound) as info:
        collect_templates([{"templateName": "parent"}], lookup)
    err = info.value
    assert (err.name, err.cluster_scope, err.nested) == ("gone", False, True)
    assert str(err) == "AnalysisTemplate 'gone' not found"
    with pytest.raises(TemplateNotFound) as info:
        collect_templates([{"templateName": "x", "clusterScope": True}], lookup)
    assert (info.value.name, info.value.cluster_scope, info.value.nested) == ("x", True, False)


def test_a_ref_without_template_name_looks_up_the_empty_name():
    asked = []

    def lookup(name, scoped):
        asked.append((name, scoped))

    with pytest.raises(TemplateNotFound, match=r"^AnalysisTemplate '' not found$"):
        collect_templates([{}], lookup)
    assert asked == [("", False)]


def test_a_deep_chain_of_included_templates_is_followed_to_its_end():
    """Argo follows nested templates without a depth limit."""
    chain = {
        f"t{i}": template(f"t{i}", templates=[{"templateName": f"t{i + 1}"}] if i < 29 else [])
        for i in range(30)
    }
    plain, cluster = collect_templates([{"templateName": "t0"}], lambda n, s: chain.get(n))
    assert [t["metadata"]["name"] for t in plain] == [f"t{i}" for i in range(30)]
    assert cluster == []


def test_a_template_including_itself_is_kept_once():
    me = template("me", templates=[{"templateName": "me"}])
    plain, _ = collect_templates([{"templateName": "me"}], lambda n, s: me)
    assert plain == [me]


def test_a_template_named_twice_does_not_stop_the_refs_after_it():
    found = {"a": template("a"), "b": template("b")}
    refs = [{"templateName": "a"}, {"templateName": "a"}, {"templateName": "b"}]
    plain, _ = collect_templates(refs, lambda n, s: found.get(n))
    assert plain == [found["a"], found["b"]]


def test_a_rollout_arg_no_template_declares_does_not_stop_the_merge():
    t = template("t", metrics=[metric()], args=[{"name": "foo", "value": "bar"}])
    spec = new_run_spec([t], [], [{"name": "extra", "value": "1"}, {"name": "foo", "value": "x"}])
    assert spec.args == ({"name": "foo", "value": "x"},)
