#!/usr/bin/env python3
"""layout_check.py SRCDIR: the folders keep the layout of CONVENTIONS.md and DESIGN.md.

A folder uses only folders below it in ORDER (common/ uses nothing of the project), and an
include of another folder's header names that folder ("common/netaddr.h"), so that the
dependency shows in the line itself. A bare include ("queue.h") must be a header of the
including file's own folder; config.h is the build's own. Read as text, with no build:
what the compiler would resolve through -I is exactly what a line names.
Prints TAP, one line per folder; exits 1 naming each include that breaks the rule.
"""
import os
import re
import sys

ORDER = ["collector", "capture", "dnslog", "web", "alerts", "report", "common"]
BUILT = {"config.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def sources(folder):
    for root, _dirs, files in os.walk(folder):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.join(root, f)


def problems(srcdir, folder):
    rank = ORDER.index(folder)
    for path in sources(os.path.join(srcdir, folder)):
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        rel = os.path.relpath(path, srcdir)
        for m in INCLUDE.finditer(text):
            inc = m.group(1)
            line = text.count("\n", 0, m.start()) + 1
            top = inc.split("/", 1)[0] if "/" in inc else None
            if top in ORDER:
                if ORDER.index(top) < rank:
                    yield f"{rel}:{line}: includes {inc}: {top}/ is above {folder}/"
            elif top is None:
                here = os.path.join(os.path.dirname(path), inc)
                if inc not in BUILT and not os.path.exists(here):
                    yield (f"{rel}:{line}: includes \"{inc}\": not a header of {folder}/; "
                           "name its folder")


def main():
    srcdir = sys.argv[1] if len(sys.argv) > 1 else "."
    print(f"1..{len(ORDER)}")
    failed = False
    for i, folder in enumerate(ORDER, 1):
        if not os.path.isdir(os.path.join(srcdir, folder)):
            print(f"not ok {i} - {folder}/: missing")
            failed = True
            continue
        found = list(problems(srcdir, folder))
        below = ", ".join(f + "/" for f in ORDER[ORDER.index(folder) + 1:]) or "nothing"
        print(f"{'not ok' if found else 'ok'} {i} - {folder}/ may use {below}")
        for p in found:
            print(f"# {p}")
        failed |= bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
