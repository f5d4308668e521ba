#!/usr/bin/env python3
"""Memory-over-time helpers (stdlib only) for bench/soak.sh and `make leakcheck`.

    report SAMPLES.tsv           the soak's per-minute samples as a table, then the verdict: flat or not
    leak-summary DIR             summarises the LeakSanitizer/AddressSanitizer reports that ASan-built pgfloat
                                 processes wrote into DIR (ASAN_OPTIONS=log_path=DIR/pgfloat): how many, bytes
                                 leaked, the leak sites grouped by their first frame in this repository's Sources,
                                 and any memory error (exit 1 when there is one, or when --pytest-rc is non-zero)

The soak verdict. Allocator arenas, the session slot table and NIO's pools grow to their working size in the first
minutes (the first failovers included), so the first minutes are a warm-up, not a trend. With N minutes sampled:
    baseline window  minutes round(N/6) .. round(N/3)      (30 min: minutes 5..10; 6 min: minutes 1..2)
    final window     the last max(2, round(N/6)) minutes   (30 min: minutes 26..30; 6 min: minutes 5..6)
RSS is flat when the final window's median is within 10% of the baseline window's median; the descriptor count
is flat when its final median is within 10% or 8 descriptors of the baseline median (pgbench's sessions come and
go with each failover, 2 descriptors each). The least-squares slope of RSS over the minutes after the warm-up is
printed as well: a leak shows up there as a steady KB/min even when the 10% band hides it in a short run.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------

COLUMNS = [  # (tsv column, header, align right)
    ("minute", "minute", True),
    ("rss_kb", "VmRSS KB", True),
    ("fds", "fds", True),
    ("threads", "threads", True),
    ("cur_conns", "sessions now", True),
    ("cum_conns", "sessions total", True),
    ("failovers", "failovers", True),
    ("primary", "primary", False),
]


def windows(n: int) -> tuple[list[int], list[int]]:
    """Minute numbers (1-based) of the baseline and final windows for n sampled minutes."""
    lo, hi = max(1, round(n / 6)), max(1, round(n / 3))
    tail = max(2, round(n / 6))
    return list(range(lo, hi + 1)), list(range(max(1, n - tail + 1), n + 1))


def slope(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else 0.0


def report(args) -> int:
    with open(args.samples) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows:
        print("no samples", file=sys.stderr)
        return 1
    cols = [c for c in COLUMNS if c[0] in rows[0]]
    print("| " + " | ".join(h for _, h, _ in cols) + " |")
    print("|" + "|".join("---:" if right else "---" for _, _, right in cols) + "|")
    for r in rows:
        print("| " + " | ".join(r[k] for k, _, _ in cols) + " |")

    by_minute = {int(r["minute"]): r for r in rows}
    n = max(m for m in by_minute if m > 0) if any(m > 0 for m in by_minute) else 0
    if n < 3:
        print(f"\nverdict: too short ({n} sampled minutes) to judge")
        return 0
    base_m, final_m = windows(n)

    def med(key: str, minutes: list[int]) -> float:
        return statistics.median(float(by_minute[m][key]) for m in minutes if m in by_minute)

    rss_base, rss_final = med("rss_kb", base_m), med("rss_kb", final_m)
    fd_base, fd_final = med("fds", base_m), med("fds", final_m)
    rss_change = (rss_final - rss_base) / rss_base
    rss_flat = abs(rss_change) <= 0.10
    fd_flat = abs(fd_final - fd_base) <= max(8, 0.10 * fd_base)
    after_warmup = [(m, float(by_minute[m]["rss_kb"])) for m in sorted(by_minute) if m >= base_m[0]]
    kb_per_min = slope(after_warmup)
    print()
    print(f"baseline window minutes {base_m[0]}..{base_m[-1]}, final window minutes {final_m[0]}..{final_m[-1]}")
    print(f"RSS: baseline median {rss_base:.0f} KB, final median {rss_final:.0f} KB ({rss_change:+.1%}); "
          f"slope after warm-up {kb_per_min:+.1f} KB/min -> {'flat' if rss_flat else 'NOT flat'}")
    print(f"fds: baseline median {fd_base:.0f}, final median {fd_final:.0f} -> {'flat' if fd_flat else 'NOT flat'}")
    print(f"verdict: {'FLAT' if rss_flat and fd_flat else 'NOT FLAT'}")
    return 0 if rss_flat and fd_flat else 2


# ---------------------------------------------------------------------------
# leak-summary
# ---------------------------------------------------------------------------

LEAK_HEAD = re.compile(r"^(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object\(s\) allocated from:")
FRAME = re.compile(r"^\s+#(\d+) 0x[0-9a-f]+ in (.*)$")
ERROR = re.compile(r"ERROR: AddressSanitizer: ([\w-]+)")
SUMMARY = re.compile(r"^SUMMARY: AddressSanitizer: (\d+) byte\(s\) leaked in (\d+) allocation\(s\)")
# Frames that only say "memory was allocated": the site is the first frame after them.
ALLOCATOR = re.compile(r"^(malloc|calloc|realloc|strdup|strndup|posix_memalign|aligned_alloc|operator new|"
                       r"swift_slowAlloc|swift_allocObject|swift_allocEmptyBox|swift_allocBox|_swift_\w*alloc|"
                       r"\$ss\w*_allocate|std::|__gnu_cxx::|__libc_)")
COMMANDS = {"RunCommand": "run", "CtlCommand": "ctl", "CheckCommand": "check", "ImportCommand": "import"}


def demangle(symbols: set[str]) -> dict[str, str]:
    """Swift symbols made readable by swift-demangle when it is there (the names stay mangled otherwise)."""
    tool = shutil.which("swift-demangle") or ("/opt/swift/usr/bin/swift-demangle"
                                               if os.path.exists("/opt/swift/usr/bin/swift-demangle") else None)
    names = sorted(s for s in symbols if s.startswith("$s"))
    if not tool or not names:
        return {}
    try:
        out = subprocess.run([tool, "--simplified", "--compact"], input="\n".join(names) + "\n",
                             capture_output=True, text=True, timeout=60).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return {}
    return dict(zip(names, out)) if len(out) == len(names) else {}


def split_frame(text: str) -> tuple[str, str]:
    """`SYMBOL /path/file.swift:LINE:COL` or `SYMBOL (/lib/module.so+0x...)`: C++ symbols hold spaces."""
    text = re.sub(r" \(BuildId: [0-9a-f]+\)$", "", text)
    if m := re.match(r"^(.*?) (/.*:\d+(?::\d+)?)$", text):
        return m.group(1), m.group(2)
    if m := re.match(r"^(.*) \((/\S+)\)$", text):
        return m.group(1), m.group(2)
    return text, ""


def parse_report(path: Path) -> dict:
    """One log_path file: its leaks (kind, bytes, objects, frames), memory errors, command, summary line."""
    leaks, errors, command = [], [], "?"
    current = None
    summary = None
    for line in path.read_text(errors="replace").splitlines():
        if m := LEAK_HEAD.match(line):
            current = {"kind": m.group(1), "bytes": int(m.group(2)), "objects": int(m.group(3)), "frames": []}
            leaks.append(current)
            continue
        if m := ERROR.search(line):
            if "LeakSanitizer" not in line:
                errors.append(m.group(1))
            continue
        if m := SUMMARY.match(line):
            summary = (int(m.group(1)), int(m.group(2)))
            continue
        if m := FRAME.match(line):
            symbol, where = split_frame(m.group(2))
            for marker, name in COMMANDS.items():
                if marker in symbol:
                    command = name
            if current is not None:
                current["frames"].append((symbol, where))
            continue
        if not line.strip():
            current = None
    return {"path": path, "leaks": leaks, "errors": errors, "command": command, "summary": summary}


def short_symbol(symbol: str) -> str:
    """A C++ function without its parameter list and template arguments; Swift and C names as they are."""
    if "::" not in symbol:
        return symbol
    depth, out = 0, ""
    for ch in symbol.split("(")[0] if not symbol.startswith("(") else symbol:
        depth += ch == "<"
        if depth == 0:
            out += ch
        depth -= ch == ">"
    return out


def leak_site(frames: list[tuple[str, str]], repo: str) -> tuple[str, str, str, str]:
    """(first frame in the repo's Sources, its file:line, first frame past the allocator, its location)."""
    origin = next(((s, w) for s, w in frames if not ALLOCATOR.match(s)), ("(the stack stops in the allocator)", ""))
    own = next(((s, w) for s, w in frames if f"{repo}/Sources/" in w), ("(no frame in Sources/)", ""))
    short = lambda w: re.sub(r"^.*?/(Sources|checkouts)/", r"\1/", w.split(" (")[0])  # noqa: E731
    return own[0], short(own[1]), origin[0], short(origin[1])


def leak_summary(args) -> int:
    root = Path(args.dir)
    files = sorted(p for p in root.iterdir() if p.is_file() and re.match(r".*\.\d+$", p.name))
    reports = [parse_report(p) for p in files]
    repo = str(Path(args.repo).resolve())
    with_leaks = [r for r in reports if r["leaks"]]
    errors = [(r["path"].name, e) for r in reports for e in r["errors"]]
    total_bytes = sum(x["bytes"] for r in reports for x in r["leaks"])
    direct = sum(x["bytes"] for r in reports for x in r["leaks"] if x["kind"] == "Direct")

    print(f"leakcheck: {len(reports)} sanitizer report file(s) in {root} "
          "(a pgfloat process that leaked nothing writes none)")
    by_cmd: dict[str, list[int]] = defaultdict(list)
    for r in with_leaks:
        by_cmd[r["command"]].append(sum(x["bytes"] for x in r["leaks"]))
    print(f"leakcheck: {len(with_leaks)} leak report(s), {total_bytes} bytes leaked in total "
          f"({direct} direct, {total_bytes - direct} indirect)")
    for cmd, sizes in sorted(by_cmd.items()):
        print(f"  pgfloat {cmd}: {len(sizes)} process(es), bytes per process min {min(sizes)} "
              f"median {statistics.median(sizes):.0f} max {max(sizes)}")

    # Grouped twice: by the first frame in this repository's Sources (who asked for the memory), and within
    # that by the first frame past the allocator (what allocated it, usually a dependency).
    sites: dict[tuple, list] = defaultdict(lambda: [0, 0, set()])  # bytes, objects, reports
    for r in with_leaks:
        for x in r["leaks"]:
            own, own_at, origin, origin_at = leak_site(x["frames"], repo)
            entry = sites[(own, own_at, short_symbol(origin), origin_at.rsplit(":", 2)[0])]
            entry[0] += x["bytes"]
            entry[1] += x["objects"]
            entry[2].add(r["path"].name)
    names = demangle({k[0] for k in sites} | {k[2] for k in sites})
    owners: dict[tuple, list] = defaultdict(lambda: [0, 0, set(), []])
    for (own, own_at, origin, origin_at), (nbytes, objects, in_reports) in sites.items():
        o = owners[(own, own_at)]
        o[0] += nbytes
        o[1] += objects
        o[2] |= in_reports
        o[3].append((nbytes, origin, origin_at))
    if owners:
        print(f"\nleak sites by first frame in Sources/ (bytes, objects, reports), then what allocated:")
        for (own, own_at), (nbytes, objects, in_reports, origins) in sorted(owners.items(),
                                                                            key=lambda kv: -kv[1][0])[:args.top]:
            print(f"  {nbytes:>8} B {objects:>6} obj {len(in_reports):>3} rep  {names.get(own, own)} [{own_at}]")
            merged: dict[tuple, int] = defaultdict(int)
            for b, origin, at in origins:
                merged[(names.get(origin, origin), at)] += b
            for (origin, at), b in sorted(merged.items(), key=lambda kv: -kv[1])[:3]:
                print(f"  {'':>8}   {b:>8} B  <- {origin} [{at}]")
    if errors:
        print(f"\nleakcheck: {len(errors)} AddressSanitizer memory error(s):")
        for name, kind in errors:
            print(f"  {name}: {kind}")
    rc = 1 if errors else 0
    if args.pytest_rc is not None and args.pytest_rc != 0:
        print(f"\nleakcheck: the integration tests failed (pytest exit {args.pytest_rc})")
        rc = 1
    return rc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("report")
    r.add_argument("samples")
    r.set_defaults(func=report)
    s = sub.add_parser("leak-summary")
    s.add_argument("dir")
    s.add_argument("--repo", default=str(Path(__file__).resolve().parents[1]))
    s.add_argument("--top", type=int, default=12)
    s.add_argument("--pytest-rc", type=int, default=None)
    s.set_defaults(func=leak_summary)
    args = ap.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
