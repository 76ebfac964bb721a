#!/usr/bin/python3
"""
summary: the reliability report (issue 7). Reads the JSON every suite wrote into the results
directory during this ctest run and prints one table: cases tried, passed, crashes, sessions
flapped, mutations lost, per suite and in total, then "N passed, N failed". Exits non-zero if
anything failed or a counter that must be zero is not.
"""
import glob
import json
import os
import sys


class Tee:
    """Prints and keeps the text, so scripts/test.sh can show the table after ctest (which hides
    a passing test's output): results/summary.txt."""

    def __init__(self):
        self.lines = []

    def __call__(self, text=""):
        print(text)
        self.lines.append(text)


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else "results"
    print = Tee()  # noqa: A001
    rows = []
    for path in sorted(glob.glob(os.path.join(results, "*.json"))):
        with open(path) as f:
            rows.append(json.load(f))
    print("reliability summary (issue 7)")
    head = (f"{'suite':<22}{'tried':>7}{'passed':>8}{'failed':>8}{'crashes':>9}{'flapped':>9}"
            f"{'lost':>6}{'seconds':>9}")
    print(head)
    print("-" * len(head))
    tot = {"tried": 0, "passed": 0, "failed": 0, "crashes": 0, "flaps": 0, "lost": 0,
           "seconds": 0.0}
    for r in rows:
        print(f"{r['suite']:<22}{r['tried']:>7}{r['passed']:>8}{r['failed']:>8}{r['crashes']:>9}"
              f"{r['flaps']:>9}{r['lost']:>6}{r['seconds']:>9.0f}")
        for k in tot:
            tot[k] += r[k]
    print("-" * len(head))
    print(f"{'total':<22}{tot['tried']:>7}{tot['passed']:>8}{tot['failed']:>8}"
          f"{tot['crashes']:>9}{tot['flaps']:>9}{tot['lost']:>6}{tot['seconds']:>9.0f}")
    for r in rows:
        for c in r["cases"]:
            if not c["ok"]:
                print(f"FAILED {r['suite']} {c['id']}: {c['detail'].splitlines()[0][:300]}")
    if not rows:
        print("no suite wrote results")
    print(f"{tot['passed']} passed, {tot['failed']} failed")
    if os.path.isdir(results):
        with open(os.path.join(results, "summary.txt"), "w") as f:
            f.write("\n".join(print.lines) + "\n")
    bad = not rows or tot["failed"] or tot["crashes"] or tot["flaps"] or tot["lost"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
