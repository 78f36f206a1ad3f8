#!/usr/bin/env python3
"""Prints every failed test of the .trx files in a folder, with the first lines of its message.

.ci/run prints this last, so that the tail of a CI log (often all that is kept) names what failed."""
import glob, html, re, sys

folder = sys.argv[1] if len(sys.argv) > 1 else "."
found = 0
for trx in sorted(glob.glob(f"{folder}/*.trx")):
    text = open(trx, encoding="utf-8", errors="replace").read()
    for m in re.finditer(r'<UnitTestResult [^>]*?testName="([^"]*)"[^>]*?outcome="Failed".*?(?:</UnitTestResult>|/>)', text, re.S):
        found += 1
        message = re.search(r"<Message>(.*?)</Message>", m.group(0), re.S)
        lines = html.unescape(message.group(1)).strip().splitlines()[:8] if message else []
        print(f"FAILED {html.unescape(m.group(1))}")
        for line in lines:
            print(f"    {line[:300]}")
if found:
    print(f"{found} failed test(s) above")
