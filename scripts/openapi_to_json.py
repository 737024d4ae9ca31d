#!/usr/bin/env python3
# Build step: docs/openapi.yaml -> a C++ raw string literal holding its JSON (served at
# /v1/openapi.json), so the served description is always the YAML in the tree.
import json
import sys

import yaml


def main() -> int:
    src, out = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    if not isinstance(spec, dict) or not str(spec.get("openapi", "")).startswith("3.1"):
        print(f"{src}: not an OpenAPI 3.1 document", file=sys.stderr)
        return 1
    text = json.dumps(spec, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    if ")OPENAPI\"" in text:
        print(f"{src}: contains the raw-string delimiter", file=sys.stderr)
        return 1
    with open(out, "w", encoding="utf-8") as f:
        f.write("// Generated from docs/openapi.yaml by scripts/openapi_to_json.py; do not edit.\n")
        f.write('R"OPENAPI(' + text + ')OPENAPI"\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
