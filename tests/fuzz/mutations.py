"""Hypothesis strategies for bad input: seed examples from the docs, then mutated.

:func:`mutated_json` takes a valid JSON object (from ``tests/fixtures/seed_examples.json``) and
drops fields, changes their types, puts NaN/Infinity/1e400/huge/negative numbers in, or renames
tags; :func:`raw_bodies` turns a document into bytes, sometimes truncated, padded to an
oversized body, or replaced by random (also non-UTF-8) bytes, an HTML page or nothing.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

SEEDS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "seed_examples.json").read_text()
)

BAD_SCALARS: list[Any] = [
    None,
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "9" * 400,
    "-5",
    "0",
    "-0",
    "",
    "abc",
    "１２３",
    "\udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    10**30,
    -(10**30),
    2**64,
    -1,
    0,
    1.5,
    True,
    [],
    {},
    [1, 2],
    {"x": 1},
    "2019-13-45T99:99:99Z",
    "BTC_JPY",
    "UNKNOWN_TAG",
]


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``doc`` (dict keys and list indexes)."""
    out: list[tuple[Any, ...]] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            out.append((*prefix, key))
            out += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out.append((*prefix, i))
            out += _paths(value, (*prefix, i))
    return out


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


@st.composite
def mutated_json(draw: st.DrawFn, seed: Any, *, tag_fields: tuple[str, ...] = ()) -> Any:
    """``seed`` with 1-4 mutations (or, rarely, none: valid frames must pass as well)."""
    doc = copy.deepcopy(seed)
    for _ in range(draw(st.integers(0, 4))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        action = draw(st.sampled_from(["drop", "replace", "replace", "tag", "grow"]))
        key = path[-1]
        if action == "drop":
            del parent[key]
        elif action == "tag" and tag_fields and isinstance(doc, dict):
            field = draw(st.sampled_from(tag_fields))
            doc[field] = draw(st.sampled_from(["unknownChannel", "XYZ", "", 7, None, "ORDERBOOKS"]))
        elif action == "grow" and isinstance(parent[key], list) and 0 < len(parent[key]) < 100:
            parent[key] = copy.deepcopy(parent[key] * draw(st.integers(2, 20)))
        else:
            parent[key] = copy.deepcopy(  # (never share a mutable value between documents)
                draw(
                    st.one_of(
                        st.sampled_from(BAD_SCALARS),
                        st.text(max_size=12),
                        st.integers(),
                        st.floats(allow_nan=False, allow_infinity=False),
                    )
                )
            )
    return doc


def dumps(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")


HTML = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@st.composite
def raw_bodies(draw: st.DrawFn, doc: st.SearchStrategy[Any], *, big: int = 70_000) -> bytes:
    """Bytes on the wire: the document, truncated, with literal NaN/1e400 numbers, oversized,
    random (incl. non-UTF-8), an HTML page, or empty."""
    kind = draw(
        st.sampled_from(
            [
                "doc",
                "doc",
                "doc",
                "doc",
                "truncated",
                "literal",
                "oversized",
                "random",
                "html",
                "empty",
            ]
        )
    )
    if kind == "random":
        return draw(st.binary(min_size=1, max_size=200))
    if kind == "html":
        return HTML
    if kind == "empty":
        return b""
    body = dumps(draw(doc))
    if kind == "truncated":
        return body[: draw(st.integers(0, max(len(body) - 1, 0)))]
    if kind == "literal":
        literal = draw(st.sampled_from([b"NaN", b"Infinity", b"-Infinity", b"1e400", b"1" * 500]))
        return re.sub(rb'"-?[0-9][0-9.]*"', lambda _: literal, body, count=1)
    if kind == "oversized":
        return body[:-1] + b', "pad": "' + b"x" * big + b'"}'
    return body
