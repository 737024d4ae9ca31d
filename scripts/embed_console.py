#!/usr/bin/env python3
# Build step: the console's files (console/*.html, *.js, *.css, *.svg) -> a C++ table of their
# bytes, content types and ETags, so the binary serves the console with nothing beside it.
# Usage: embed_console.py OUT.inc FILE...
import hashlib
import os
import sys

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


def main() -> int:
    out, files = sys.argv[1], sorted(sys.argv[2:], key=os.path.basename)
    lines = ["// Generated from console/ by scripts/embed_console.py; do not edit."]
    entries = []
    for i, path in enumerate(files):
        name = os.path.basename(path)
        ext = os.path.splitext(name)[1]
        if ext not in TYPES:
            print(f"{path}: no content type for {ext}", file=sys.stderr)
            return 1
        with open(path, "rb") as f:
            data = f.read()
        etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
        body = ",".join(str(b) for b in data)
        lines.append(f"static const unsigned char kConsoleFile{i}[] = {{{body},0}};")
        entries.append(
            f'  {{"{name}", "{TYPES[ext]}", reinterpret_cast<const char*>(kConsoleFile{i}), '
            f"{len(data)}, R\"ETAG({etag})ETAG\"}},"
        )
    lines.append("static const ConsoleFile kConsoleFiles[] = {")
    lines.extend(entries)
    lines.append("};")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
