"""Property tests (hypothesis) of request building and body validation through the Python binding:
for any id, filter and body, the client either refuses before sending (a ValidationError naming the
field) or sends what the simulator reads back exactly as given."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualys_cs import Client, errors
from qualys_cs.testing import Simulator

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

#: Text with what breaks URLs and JSON: separators, escapes, dots, controls, non-ASCII.
NASTY = st.lists(
    st.one_of(
        st.sampled_from(["/", "\\", "?", "#", "%", "%2e", "%2F", ".", "..", " ", "+", "&", "=", "\r", "\n", "\0", "é"]),
        st.text(max_size=4),
    ),
    max_size=10,
).map("".join)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | NASTY,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(NASTY, inner, max_size=5),
    max_leaves=20,
)


def faithful(v: Any) -> bool:
    """JSON can carry `v` as it is: finite floats, integers within 64 bits, str keys."""
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return True
    if isinstance(v, int):
        return -(2**63) <= v < 2**64
    if isinstance(v, list):
        return all(faithful(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and faithful(x) for k, x in v.items())
    return False


def client(sim: Simulator) -> Client:
    sim.clear_requests()
    return sim.client(max_retries=0)


@SETTINGS
@given(image_id=NASTY)
def test_an_id_is_one_segment(sim: Simulator, image_id: str) -> None:
    c = client(sim)
    try:
        c.images.get(image_id)
    except errors.ValidationError as e:
        assert e.field == "sha" and not sim.requests(endpoint="S19")
        return
    except errors.APIError:
        pass  # the simulator has no such image: the request is what counts
    [req] = sim.requests(endpoint="S19")
    assert req["decoded_path"] == "/csapi/v1.3/images/" + image_id
    assert "/" not in req["path"].removeprefix("/csapi/v1.3/images/")


@SETTINGS
@given(filter=NASTY, page_size=st.integers(min_value=1, max_value=1000))
def test_a_filter_arrives_as_given(sim: Simulator, filter: str, page_size: int) -> None:
    c = client(sim)
    try:
        next(iter(c.images.list(filter=filter, page_size=page_size).pages()), None)
    except errors.ValidationError as e:
        assert e.field == "filter" and not sim.requests(endpoint="S17")
        return
    except errors.APIError:
        pass  # a filter the simulator's QQL refuses
    req = sim.requests(endpoint="S17")[0]
    pairs = [tuple(p) for p in req["query_pairs"]]
    assert [v for k, v in pairs if k == "filter"] == [filter]
    assert ("pageSize", str(page_size)) in pairs and ("pageNumber", "1") in pairs


@SETTINGS
@given(body=st.one_of(JSON, st.fixed_dictionaries({"name": NASTY}, optional={"extra": JSON})))
def test_a_body_arrives_as_given_or_is_refused(sim: Simulator, body: Any) -> None:
    c = client(sim)
    try:
        c.tags.create(body)
    except errors.ValidationError as e:
        assert not sim.requests(endpoint="P25")
        # What JSON cannot carry as given is refused, and named.
        assert (e.field or "").split(".")[0].split("[")[0] == "body" or faithful(body), e
        return
    except errors.APIError:
        pass  # the simulator refused the tag: what it received is what counts
    assert faithful(body), f"sent a body JSON cannot carry as given: {body!r}"
    [req] = sim.requests(endpoint="P25")
    assert req["body"] == body
