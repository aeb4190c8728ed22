"""Istio's data-plane reading of a VirtualService (``istio/match.py``), one rule a row.

Sources: the ``istio/api`` comments for ``networking/v1alpha3`` (StringMatch,
HTTPMatchRequest, HTTPRoute, HTTPRetry, HTTPFaultInjection), Istio's
``pilot/pkg/networking/core/route/route.go`` and ``route/retry/retry.go``, and
``model/config.go::ResolveShortnameToFQDN``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from canarysim.engine.trafficrouting.istio.match import (
    DEFAULT_RETRIABLE_STATUS_CODES,
    DEFAULT_RETRY_ON,
    HttpRoute,
    block_matches,
    duration_s,
    fqdn,
    host_matches,
    parse_route,
    retry_policy,
    string_match,
)
from canarysim.errors import TrafficRoutingError


@dataclass(frozen=True)
class Req:
    host: str = "reviews.default.svc.cluster.local"
    headers: tuple[tuple[str, str], ...] = ()
    uri: str = "/"
    method: str = "GET"


# ------------------------------------------------------------------------------ StringMatch


@pytest.mark.parametrize(
    ("spec", "value", "ignore_case", "expected"),
    [
        ({"exact": "Abc"}, "Abc", False, True),
        ({"exact": "Abc"}, "abc", False, False),
        ({"exact": "Abc"}, "aBC", True, True),
        ({"exact": "Abc"}, "Abcd", True, False),
        ({"exact": 5}, "5", False, True),
        ({"exact": 5}, "5", True, True),
        ({"prefix": "/Api"}, "/Api/v1", False, True),
        ({"prefix": "/Api"}, "/api/v1", False, False),
        ({"prefix": "/Api"}, "/aPI/v1", True, True),
        ({"prefix": "/Api"}, "/v1/Api", True, False),
        ({"prefix": 12}, "123", False, True),
        ({"prefix": 12}, "123", True, True),
        ({"regex": "a.c"}, "abc", False, True),
        ({"regex": "a.c"}, "abcd", False, False),  # the whole string, as RE2 in Envoy
        ({"regex": "a.c"}, "xabc", False, False),
        ({"regex": "a.c"}, "ABC", True, False),  # ignore_case is for exact and prefix
        ({"regex": 1}, "1", False, True),
        ({}, "", False, True),  # presence only
        ("not-a-map", "x", False, True),
        (None, "x", False, True),
        ({}, None, False, False),  # absent: nothing matches, not even presence
        ({"exact": ""}, None, False, False),
        # one of exact / prefix / regex: exact is read first, then prefix
        ({"exact": "a", "prefix": "ab"}, "abc", False, False),
        ({"prefix": "ab", "regex": "z"}, "abc", False, True),
        ({"exact": "abc", "regex": "z"}, "abc", False, True),
    ],
)
def test_string_match(spec, value, ignore_case, expected):
    assert string_match(spec, value, ignore_case) is expected


def test_string_match_defaults_to_case_sensitive():
    assert string_match({"exact": "A"}, "a") is False
    assert string_match({"prefix": "A"}, "ab") is False


def test_invalid_regex_is_refused_with_the_pattern():
    with pytest.raises(TrafficRoutingError) as err:
        string_match({"regex": "a("}, "a")
    assert str(err.value).startswith("invalid regex 'a(' in a VirtualService: ")
    assert err.value.__cause__ is None and err.value.__suppress_context__


# ------------------------------------------------------------------------------ HTTPMatchRequest


@pytest.mark.parametrize(
    ("block", "req", "expected"),
    [
        ({}, Req(), True),
        # uri: prefix against the whole :path, exact and regex against the path alone
        ({"uri": {"prefix": "/a?x"}}, Req(uri="/a?x=1"), True),
        ({"uri": {"exact": "/a"}}, Req(uri="/a?x=1"), True),
        ({"uri": {"exact": "/a?x=1"}}, Req(uri="/a?x=1"), False),
        ({"uri": {"regex": "/a"}}, Req(uri="/a?x=1"), True),
        ({"uri": {"exact": "/a"}}, Req(uri="/b"), False),
        ({"uri": {"exact": "/A"}}, Req(uri="/a"), False),
        ({"uri": {"exact": "/A"}, "ignoreUriCase": True}, Req(uri="/a"), True),
        ({"uri": {"prefix": "/A"}, "ignoreUriCase": True}, Req(uri="/ab"), True),
        ({"uri": {"prefix": "/A"}, "ignoreUriCase": False}, Req(uri="/ab"), False),
        ({"uri": "/a"}, Req(uri="/b"), True),  # not a StringMatch: not a condition
        # method, scheme (always http here), authority (the host)
        ({"method": {"exact": "GET"}}, Req(method="GET"), True),
        ({"method": {"exact": "GET"}}, Req(method="POST"), False),
        ({"method": "POST"}, Req(method="GET"), True),
        ({"scheme": {"exact": "http"}}, Req(), True),
        ({"scheme": {"exact": "https"}}, Req(), False),
        ({"authority": {"prefix": "reviews."}}, Req(), True),
        ({"authority": {"exact": "ratings"}}, Req(), False),
        # headers: names case-insensitive, the first of repeated headers counts
        ({"headers": {"X-User": {"exact": "a"}}}, Req(headers=(("x-user", "a"),)), True),
        ({"headers": {"x-user": {"exact": "a"}}}, Req(headers=(("X-USER", "a"),)), True),
        ({"headers": {"x-user": {"exact": "b"}}}, Req(headers=(("x-user", "a"),)), False),
        ({"headers": {"x": {"exact": "a"}}}, Req(headers=(("x", "a"), ("X", "b"))), True),
        ({"headers": {"x": {"exact": "b"}}}, Req(headers=(("x", "a"), ("X", "b"))), False),
        ({"headers": {"x": {}}}, Req(headers=(("x", ""),)), True),
        ({"headers": {"x": {}}}, Req(), False),
        ({"headers": {"x": {}, "y": {}}}, Req(headers=(("x", "1"),)), False),
        ({"headers": None}, Req(), True),
        # withoutHeaders: any header that matches rules the block out
        ({"withoutHeaders": {"X": {}}}, Req(headers=(("x", "1"),)), False),
        ({"withoutHeaders": {"x": {}}}, Req(), True),
        ({"withoutHeaders": {"x": {"exact": "1"}}}, Req(headers=(("x", "2"),)), True),
        ({"withoutHeaders": {"x": {"exact": "2"}, "y": {}}}, Req(headers=(("y", ""),)), False),
        ({"withoutHeaders": None}, Req(), True),
        # queryParams: the first value, blank values kept, names case-sensitive
        ({"queryParams": {"v": {"exact": "1"}}}, Req(uri="/?v=1&v=2"), True),
        ({"queryParams": {"v": {"exact": "2"}}}, Req(uri="/?v=1&v=2"), False),
        ({"queryParams": {"v": {"exact": ""}}}, Req(uri="/?v="), True),
        ({"queryParams": {"v": {}}}, Req(uri="/?v"), True),
        ({"queryParams": {"v": {}}}, Req(uri="/?w=1"), False),
        ({"queryParams": {"V": {}}}, Req(uri="/?v=1"), False),
        ({"queryParams": {"v": {}, "w": {}}}, Req(uri="/?v=1"), False),
        ({"queryParams": None}, Req(uri="/?v=1"), True),
    ],
)
def test_block_matches(block, req, expected):
    assert block_matches(block, req) is expected


# ------------------------------------------------------------------------------ hosts


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("reviews", "reviews.ns1.svc.cluster.local"),
        ("reviews.prod", "reviews.prod"),
        ("*", "*"),
        ("", ""),
        ("*.example.com", "*.example.com"),
    ],
)
def test_fqdn(host, expected):
    assert fqdn(host, "ns1") == expected


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("*", "anything", True),
        ("*.example.com", "a.example.com", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "a.example.org", False),
        ("a.example.com", "a.example.com", True),
        ("a.example.com", "b.example.com", False),
        ("a.example.com", "x.a.example.com", False),
    ],
)
def test_host_matches(pattern, host, expected):
    assert host_matches(pattern, host) is expected


# ------------------------------------------------------------------------------ durations


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), ("1.5s", 1.5), ("250ms", 0.25), (3, 3.0), ("0s", None)]
)
def test_duration_s(value, expected):
    assert duration_s(value, "timeout") == expected


def test_bad_duration_names_the_field():
    with pytest.raises(TrafficRoutingError) as err:
        duration_s("1x", "http[0]: timeout")
    assert str(err.value) == "http[0]: timeout: unknown unit 'x' in duration '1x'"
    assert err.value.__cause__ is None and err.value.__suppress_context__


# ------------------------------------------------------------------------------ retries


def test_no_retries_block_is_istios_default_policy():
    assert retry_policy(None) == (2, DEFAULT_RETRY_ON, DEFAULT_RETRIABLE_STATUS_CODES, None)
    assert retry_policy("x") == (2, DEFAULT_RETRY_ON, DEFAULT_RETRIABLE_STATUS_CODES, None)
    assert {503} == DEFAULT_RETRIABLE_STATUS_CODES
    assert {
        "connect-failure",
        "refused-stream",
        "unavailable",
        "cancelled",
        "retriable-status-codes",
    } == DEFAULT_RETRY_ON


@pytest.mark.parametrize("attempts", [0, -1, None])
def test_zero_attempts_turn_retries_off(attempts):
    retries: dict[str, Any] = {"retryOn": "5xx", "perTryTimeout": "1s"}
    if attempts is not None:
        retries["attempts"] = attempts
    assert retry_policy(retries) == (0, frozenset(), frozenset(), None)


def test_attempts_alone_keep_the_default_conditions():
    assert retry_policy({"attempts": 3}) == (
        3,
        DEFAULT_RETRY_ON,
        DEFAULT_RETRIABLE_STATUS_CODES,
        None,
    )
    assert retry_policy({"attempts": 1, "retryOn": ""})[1:3] == (
        DEFAULT_RETRY_ON,
        DEFAULT_RETRIABLE_STATUS_CODES,
    )


def test_retry_on_splits_conditions_from_status_codes():
    got = retry_policy(
        {"attempts": 4, "retryOn": " 5xx, 429,,gateway-error ,503", "perTryTimeout": "2s"}
    )
    assert got == (
        4,
        frozenset({"5xx", "gateway-error", "retriable-status-codes"}),
        {429, 503},
        2.0,
    )


def test_retry_on_without_codes_has_no_retriable_status_codes():
    got = retry_policy({"attempts": 1, "retryOn": "connect-failure"})
    assert got == (1, frozenset({"connect-failure"}), frozenset(), None)


@pytest.mark.parametrize(
    ("code", "kept_as_code"), [("100", True), ("599", True), ("99", False), ("600", False)]
)
def test_only_http_status_numbers_are_codes(code, kept_as_code):
    _, retry_on, codes, _ = retry_policy({"attempts": 1, "retryOn": code})
    if kept_as_code:
        assert codes == {int(code)} and retry_on == {"retriable-status-codes"}
    else:
        assert codes == frozenset() and retry_on == {code}


# ------------------------------------------------------------------------------ parse_route


def test_parse_route_reads_every_part():
    route = {
        "name": "primary",
        "match": [{"uri": {"prefix": "/"}}, "junk"],
        "route": [
            {"destination": {"host": "stable", "subset": "v1"}, "weight": 70},
            {"destination": {"host": "canary"}, "weight": 30},
        ],
        "mirror": {"host": "shadow", "subset": "v2"},
        "mirrorPercentage": {"value": 25.0},
        "timeout": "3s",
        "retries": {"attempts": 5},
        "fault": {
            "delay": {"fixedDelay": "2s", "percentage": {"value": 10.0}},
            "abort": {"httpStatus": 500, "percentage": {"value": 5.0}},
        },
    }
    assert parse_route(route, "ns1", "vs http[0]") == HttpRoute(
        name="primary",
        namespace="ns1",
        matches=({"uri": {"prefix": "/"}},),
        destinations=(("stable", "v1", 70), ("canary", None, 30)),
        mirrors=(("shadow", "v2", 0.25),),
        timeout_s=3.0,
        retry=(5, DEFAULT_RETRY_ON, DEFAULT_RETRIABLE_STATUS_CODES, None),
        fault_delay=(0.1, 2.0),
        fault_abort=(0.05, 500),
    )


def test_parse_route_defaults():
    got = parse_route({}, "ns1", "w")
    assert got == HttpRoute(
        name=None,
        namespace="ns1",
        matches=(),
        destinations=(),
        mirrors=(),
        timeout_s=None,
        retry=(2, DEFAULT_RETRY_ON, DEFAULT_RETRIABLE_STATUS_CODES, None),
        fault_delay=None,
        fault_abort=None,
    )


def test_destination_defaults():
    got = parse_route(
        {
            "route": [
                {"destination": None},
                {"destination": {"host": "a", "subset": ""}, "weight": 1},
            ]
        },
        "n",
        "w",
    )
    assert got.destinations == (("", None, 0), ("a", None, 1))


def test_a_single_destination_may_have_no_weight():
    assert parse_route({"route": [{"destination": {"host": "a"}}]}, "n", "w").destinations == (
        ("a", None, 0),
    )


def test_negative_weight_is_refused():
    with pytest.raises(TrafficRoutingError) as err:
        parse_route({"route": [{"destination": {"host": "a"}, "weight": -1}]}, "n", "vs http[2]")
    assert str(err.value) == "vs http[2]: weight -1 < 0"


def test_weights_of_several_destinations_may_not_all_be_zero():
    route = {"route": [{"destination": {"host": "a"}}, {"destination": {"host": "b"}, "weight": 0}]}
    with pytest.raises(TrafficRoutingError) as err:
        parse_route(route, "n", "vs http[1]")
    assert str(err.value) == "vs http[1]: total destination weight = 0"
    route["route"][1]["weight"] = 1
    assert parse_route(route, "n", "w").destinations == (("a", None, 0), ("b", None, 1))


@pytest.mark.parametrize(
    ("extra", "fraction"),
    [
        ({}, 1.0),
        ({"mirrorPercentage": {"value": 40}}, 0.4),
        ({"mirrorPercentage": {}}, None),  # a value of 0 mirrors nothing
        ({"mirrorPercent": 30}, 0.3),  # the deprecated integer
        ({"mirrorPercentage": {"value": 40}, "mirrorPercent": 30}, 0.4),
        ({"mirrorPercent": 0}, None),
    ],
)
def test_mirror_fraction(extra, fraction):
    got = parse_route({"mirror": {"host": "shadow"}, **extra}, "n", "w").mirrors
    assert got == (() if fraction is None else (("shadow", None, fraction),))


def test_mirrors_list_follows_the_single_mirror():
    route = {
        "mirror": {"host": "one"},
        "mirrors": [
            {"destination": {"host": "two", "subset": "s"}, "percentage": {"value": 50}},
            {"destination": {"host": "three"}},
            {"destination": {"host": "four"}, "percent": 20},
            {"destination": {"host": "five"}, "percentage": {"value": 0}},
        ],
    }
    assert parse_route(route, "n", "w").mirrors == (
        ("one", None, 1.0),
        ("two", "s", 0.5),
        ("three", None, 1.0),
        ("four", None, 0.2),
    )


@pytest.mark.parametrize(
    ("delay", "expected"),
    [
        ({"fixedDelay": "1s", "percentage": {"value": 50}}, (0.5, 1.0)),
        ({"fixedDelay": "1s", "percent": 20}, (0.2, 1.0)),
        ({"fixedDelay": "1s"}, None),  # no percentage: no request is delayed
        ({"fixedDelay": "0s", "percentage": {"value": 50}}, None),
        ({"percentage": {"value": 50}}, None),
        ("junk", None),
    ],
)
def test_fault_delay(delay, expected):
    assert parse_route({"fault": {"delay": delay}}, "n", "w").fault_delay == expected


def test_fault_delay_names_the_field_when_bad():
    with pytest.raises(TrafficRoutingError) as err:
        parse_route({"fault": {"delay": {"fixedDelay": "zz"}}}, "n", "vs http[0]")
    assert str(err.value).startswith("vs http[0]: fault.delay.fixedDelay: ")


@pytest.mark.parametrize(
    ("abort", "expected"),
    [
        ({"httpStatus": 503, "percentage": {"value": 50}}, (0.5, 503)),
        ({"httpStatus": 503, "percent": 10}, (0.1, 503)),
        ({"httpStatus": 503}, None),
        ({"percentage": {"value": 50}}, None),
        ("junk", None),
    ],
)
def test_fault_abort(abort, expected):
    assert parse_route({"fault": {"abort": abort}}, "n", "w").fault_abort == expected


def test_timeout_and_retries_are_read_from_the_route():
    route = {"timeout": "0s", "retries": {"attempts": 0}}
    got = parse_route(route, "n", "w")
    assert got.timeout_s is None and got.retry == (0, frozenset(), frozenset(), None)
    with pytest.raises(TrafficRoutingError) as err:
        parse_route({"timeout": "zz"}, "n", "vs http[3]")
    assert str(err.value).startswith("vs http[3]: timeout: ")


def test_per_try_timeout_is_named_when_bad():
    with pytest.raises(TrafficRoutingError) as err:
        retry_policy({"attempts": 1, "perTryTimeout": "zz"})
    assert str(err.value).startswith("retries.perTryTimeout: ")
