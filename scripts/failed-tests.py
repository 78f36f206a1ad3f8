#!/usr/bin/env python3
"""Prints every failed test of the .trx files in a folder, with the first lines of its message and the frames of its
stack trace that are in the project's own files (where it failed; the message alone often does not say).

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
        trace = re.search(r"<StackTrace>(.*?)</StackTrace>", m.group(0), re.S)
        ours = [l.strip() for l in html.unescape(trace.group(1)).splitlines() if " in /" in l and "TechLink" in l] if trace else []
        for line in ours[:6]:
            print(f"    {line[:300]}")
if found:
    print(f"{found} failed test(s) above")
