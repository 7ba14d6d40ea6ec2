#!/usr/bin/env python3
"""Validates a results JSON file against reports/results.schema.json.

Exit codes: 0 valid, 1 invalid, 2 usage or unreadable file, 77 jsonschema not installed (ctest
treats 77 as skipped)."""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python jsonschema is not installed (Debian: python3-jsonschema); skipping")
    sys.exit(77)

if len(sys.argv) != 3:
    print("usage: check_json_schema.py SCHEMA.json RESULTS.json", file=sys.stderr)
    sys.exit(2)
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        document = json.load(f)
except (OSError, ValueError) as e:
    print(f"cannot read: {e}", file=sys.stderr)
    sys.exit(2)

validator_class = jsonschema.validators.validator_for(schema)
validator_class.check_schema(schema)
errors = sorted(validator_class(schema).iter_errors(document), key=lambda e: list(e.path))
for e in errors:
    where = "/".join(str(p) for p in e.path) or "(document)"
    print(f"{sys.argv[2]}: {where}: {e.message}")
sys.exit(1 if errors else 0)
