#!/usr/bin/env python3
"""Writes the input constraints of a botocore model (KMS by default, or SSM) as a compact JSON file.

For every operation of `kms/2014-11-01/service-2.json.gz` (or `ssm/2014-11-06/...`; only the
operations a service list names, for SSM Parameter Store's) from the installed botocore, every
input member with its shape's name and type and, where the model sets them, `min`, `max`,
`pattern`, `enum` and `sensitive`; the members of structures, lists and maps are described the
same way, recursively, where a constraint exists somewhere below them. The test suite reads the
committed file, so it needs no botocore.

The model's patterns are Java regular expressions that a test written in Rust cannot evaluate
without a regex engine, so each pattern also gets `pattern_samples`, computed here with Python's
`re` (ASCII `\\w`, as in Java): `matching` (a character the pattern accepts repeated to any
length, to build a value that breaks only a length bound; `null` when there is none),
`violating` (a one-character string it refuses) and `empty_matches`.

Run: python3 scripts/model_constraints.py > crates/trent-wire/tests/models/kms-constraints.json
     python3 scripts/model_constraints.py ssm > crates/trent-wire/tests/models/ssm-constraints.json
"""
import gzip
import json
import os
import re
import sys

import botocore

MODELS = {"kms": "2014-11-01", "ssm": "2014-11-06"}
SERVICE = sys.argv[1] if len(sys.argv) > 1 else "kms"
if SERVICE not in MODELS:
    sys.exit(f"unknown service {SERVICE!r}: one of {sorted(MODELS)}")
VERSION = MODELS[SERVICE]
# Systems Manager is far larger than Parameter Store: only these operations are written.
ONLY = {
    "ssm": {
        "AddTagsToResource", "DeleteParameter", "DeleteParameters", "DescribeParameters", "GetParameter",
        "GetParameterHistory", "GetParameters", "GetParametersByPath", "GetServiceSetting",
        "LabelParameterVersion", "ListTagsForResource", "PutParameter", "RemoveTagsFromResource",
        "ResetServiceSetting", "UnlabelParameterVersion", "UpdateServiceSetting",
    },
}
CONSTRAINTS = ("min", "max", "pattern", "enum", "sensitive")
# Tried in order; the first the pattern accepts (or refuses) becomes the sample.
MATCHING_CANDIDATES = ["a", "A", "0", "_"]
VIOLATING_CANDIDATES = ["!", " ", "#", "\u0100", "\u0000"]


def load_model():
    path = os.path.join(os.path.dirname(botocore.__file__), "data", SERVICE, VERSION, "service-2.json")
    if os.path.exists(path + ".gz"):
        with gzip.open(path + ".gz") as f:
            return json.load(f)
    with open(path) as f:
        return json.load(f)


# Java's Unicode classes, which Python's `re` lacks, as ranges close enough to pick samples
# (they are only used inside character classes in the models).
UNICODE_CLASSES = {r"\p{L}": "a-zA-Z\u00c0-\u024f", r"\p{Z}": " \u00a0", r"\p{N}": "0-9"}


def python_pattern(pattern):
    for java, python in UNICODE_CLASSES.items():
        pattern = pattern.replace(java, python)
    return pattern


def pattern_samples(pattern):
    """One accepted and one refused character for `pattern` (full match, ASCII `\\w`)."""
    compiled = re.compile(python_pattern(pattern), re.ASCII)

    def accepts(text):
        return compiled.fullmatch(text) is not None

    # A character that can be repeated to any length (`null` for patterns such as a fixed
    # prefix, which no single repeated character satisfies).
    matching = next((c for c in MATCHING_CANDIDATES if all(accepts(c * n) for n in (1, 2, 300))), None)
    violating = next((c for c in VIOLATING_CANDIDATES if not accepts(c)), None)
    if violating is None:
        sys.exit(f"no violating sample for pattern {pattern!r}: extend VIOLATING_CANDIDATES")
    return {"matching": matching, "violating": violating, "empty_matches": accepts("")}


def describe(shapes, name, seen):
    """The shape `name` as {"shape", "type", constraints..., nested...}, or None if it and
    everything below it is unconstrained (only asked for nested members)."""
    shape = shapes[name]
    out = {"shape": name, "type": shape["type"]}
    for key in CONSTRAINTS:
        if key in shape:
            out[key] = shape[key]
    if "pattern" in shape:
        out["pattern_samples"] = pattern_samples(shape["pattern"])
    if name in seen:  # a recursive shape: described once, on its first visit
        return out
    seen = seen | {name}
    kind = shape["type"]
    if kind == "structure":
        members = {}
        for member, ref in shape.get("members", {}).items():
            nested = describe(shapes, ref["shape"], seen)
            if constrained(nested):
                members[member] = nested
        if members:
            out["members"] = members
        if shape.get("required"):
            out["required"] = shape["required"]
    elif kind == "list":
        nested = describe(shapes, shape["member"]["shape"], seen)
        if constrained(nested):
            out["member"] = nested
    elif kind == "map":
        for part in ("key", "value"):
            nested = describe(shapes, shape[part]["shape"], seen)
            if constrained(nested):
                out[part] = nested
    return out


def constrained(desc):
    """Whether a description carries a constraint, itself or below."""
    if any(key in desc for key in ("min", "max", "pattern", "enum", "required")):
        return True
    return any(key in desc for key in ("members", "member", "key", "value"))


def operation(shapes, op):
    ref = op.get("input")
    if ref is None:
        return {"members": {}}
    shape = shapes[ref["shape"]]
    members = {member: describe(shapes, r["shape"], {ref["shape"]}) for member, r in shape.get("members", {}).items()}
    out = {"input": ref["shape"], "members": members}
    if shape.get("required"):
        out["required"] = shape["required"]
    return out


def main():
    model = load_model()
    shapes = model["shapes"]
    only = ONLY.get(SERVICE)
    ops = {
        name: operation(shapes, op)
        for name, op in sorted(model["operations"].items())
        if only is None or name in only
    }
    out = sys.stdout
    out.write("{\n")
    out.write(f'  "service": "{SERVICE}",\n  "version": "{VERSION}",\n')
    out.write(f'  "botocore": "{botocore.__version__}",\n')
    out.write('  "generator": "scripts/model_constraints.py",\n')
    out.write('  "operations": {\n')
    lines = [f"    {json.dumps(name)}: {json.dumps(desc, ensure_ascii=True)}" for name, desc in ops.items()]
    out.write(",\n".join(lines))
    out.write("\n  }\n}\n")


if __name__ == "__main__":
    main()
