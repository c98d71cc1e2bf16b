"""Closing line of tests/run_all.sh: pytest cases from JUnit files plus the command-line stages."""
from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("junit", nargs="*")
    parser.add_argument("--stages", type=int, default=0, help="lint and Rasa CLI stages that ran")
    parser.add_argument("--failed-stages", type=int, default=0, help="how many of those failed")
    args = parser.parse_args()
    passed = failed = skipped = 0
    for path in args.junit:
        if not Path(path).exists():
            failed += 1                       # the suite did not even produce a report
            continue
        for suite in ET.parse(path).getroot().iter("testsuite"):
            total, fail = int(suite.get("tests", 0)), int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skip = int(suite.get("skipped", 0))
            passed += total - fail - skip
            failed += fail
            skipped += skip
    passed += args.stages - args.failed_stages
    failed += args.failed_stages
    print(f"{passed} passed, {failed} failed, {skipped} skipped")


if __name__ == "__main__":
    main()
