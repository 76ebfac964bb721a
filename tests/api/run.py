#!/usr/bin/python3
"""Runs API integration test modules against a vbrd binary.

  /usr/bin/python3 tests/api/run.py --vbrd build/vbrd [--valgrind-supp FILE] test_rpc [...]
  /usr/bin/python3 tests/api/run.py --vbrd build/vbrd test_rpc.GroupTests.test_create_defaults

Exit status 0 when every test passed. ctest calls this (tests/api/CMakeLists.txt).
"""
import argparse
import os
import sys
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vbrd", required=True)
    ap.add_argument("--valgrind-supp", default="")
    ap.add_argument("-q", "--quiet", action="store_true")
    ap.add_argument("names", nargs="+", help="modules, classes or tests (unittest names)")
    a = ap.parse_args()
    os.environ["VBRD"] = os.path.abspath(a.vbrd)
    if a.valgrind_supp:
        os.environ["VBRD_VALGRIND_SUPP"] = os.path.abspath(a.valgrind_supp)
    sys.path.insert(0, HERE)
    import vbrtest
    vbrtest.VBRD = os.environ["VBRD"]
    vbrtest.VALGRIND_SUPP = os.environ.get("VBRD_VALGRIND_SUPP", "")
    if not os.access(vbrtest.VBRD, os.X_OK):
        print("no vbrd at %s" % vbrtest.VBRD, file=sys.stderr)
        return 1
    vbrtest.generate_stubs()
    suite = unittest.defaultTestLoader.loadTestsFromNames(a.names)
    result = unittest.TextTestRunner(verbosity=1 if a.quiet else 2, stream=sys.stdout,
                                     buffer=False).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
