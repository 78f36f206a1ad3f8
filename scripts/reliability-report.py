#!/usr/bin/env python3
"""Turns the reliability tests' figures (JSON lines written through TechLink.Testing.ReliabilityLog) into
docs/reliability.md: one table per area, what was tried, how many times, what was lost.

usage: scripts/reliability-report.py FIGURES.jsonl [--out docs/reliability.md] [--ci-summary "N passed, ..."]
"""
import json, subprocess, sys, platform, os, datetime

AREAS = ["Faults", "Receivers", "Network guard", "Fuzz", "Tenancy", "Portal", "Secrets", "Hostile review, round two", "Retention"]
WHAT_LOST_MEANS = {
    "Faults": "committed events never delivered",
    "Receivers": "attempts that overran timeout + 1 s, memory over its bound, redirects followed, excerpts over the cap",
    "Network guard": "connections made to a forbidden address",
    "Fuzz": "5xx answers, answers that are not problem details, half-written changes",
    "Tenancy": "answers other than 404/403, another company's ids seen, changes made",
    "Portal": "posts accepted without antiforgery, limits not enforced, redirects from the API",
    "Secrets": "secrets found in clear",
    "Hostile review, round two": "probes of the second hostile review that got through (issue 16): overlays, live sessions, broken histories, 500s, lockouts and leaks, unlimited sends, missing headers, readable secrets",
    "Retention": "deliveries slower than the bound (change to receiver) while the retention sweeper deletes a large backlog",
}

def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    src = args[0]
    out = args[args.index("--out") + 1] if "--out" in args else None
    ci = args[args.index("--ci-summary") + 1] if "--ci-summary" in args else None
    rows = []
    if os.path.exists(src):
        with open(src, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    rows.append(json.loads(line))
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False).stdout.strip() or "?"
    except OSError:
        commit = "?"
    nproc = os.cpu_count()
    lines = []
    lines.append("# Reliability and security: what we tried, how often, what was lost")
    lines.append("")
    lines.append("Every row is written by a test in CI (`bash .ci/run`) through `TechLink.Testing.ReliabilityLog` after it measured")
    lines.append("it; this page is generated from the last run by `scripts/reliability-report.py`. A row with *lost* above 0 is a failing test.")
    lines.append("")
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines.append(f"Last run: {when}, commit `{commit}`, {platform.system()} {platform.machine()}, {nproc} cores" + (f"; CI: {ci}" if ci else "") + ".")
    lines.append("")
    total_tries = sum(int(r.get("tries", 0)) for r in rows)
    total_lost = sum(int(r.get("lost", 0)) for r in rows)
    lines.append(f"**{len(rows)} checks, {total_tries:,} tries, {total_lost:,} lost.**")
    lines.append("")
    areas = AREAS + sorted({r["area"] for r in rows} - set(AREAS))
    for area in areas:
        mine = [r for r in rows if r["area"] == area]
        if not mine:
            continue
        lines.append(f"## {area}")
        lines.append("")
        if area in WHAT_LOST_MEANS:
            lines.append(f"*Lost* counts {WHAT_LOST_MEANS[area]}.")
            lines.append("")
        lines.append("| what was tried | tries | lost | measured |")
        lines.append("|---|---:|---:|---|")
        seen = set()
        for r in mine:
            key = (r["what"], r.get("detail", ""))
            if key in seen:
                continue
            seen.add(key)
            detail = str(r.get("detail", "")).replace("|", "\\|").replace("\n", " ")
            what = str(r["what"]).replace("|", "\\|")
            lines.append(f"| {what} | {int(r['tries']):,} | {int(r['lost']):,} | {detail} |")
        lines.append("")
    if not rows:
        lines.append("No figures were recorded (was `TECHLINK_RELIABILITY_LOG` set?).")
        lines.append("")
    text = "\n".join(lines)
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        print(text)
    return 0

if __name__ == "__main__":
    sys.exit(main())
