#!/usr/bin/env bash
# Runs each fuzzer (default: all five) for FUZZ_SECONDS (default 45) on a temporary copy of its committed seed
# corpus, so a run never grows Fuzz/corpus. Fails when any fuzzer finds a crash, a leak, a timeout (10 s for one
# input) or runs out of memory (2 GiB), and prints the input that did it, kept in $FUZZ_BUILD_DIR/artifacts.
#
# Reproduce a finding: .build-fuzz/bin/NAME PATH (with the environment below); minimise it: add -minimize_crash=1
# -runs=10000. A finding becomes an XCTest regression test in the target's test folder.
set -uo pipefail
cd "$(dirname "$0")/.."

OUT=${FUZZ_BUILD_DIR:-.build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-45}
if [ $# -gt 0 ]; then fuzzers=("$@"); else fuzzers=(vrrp-decode pg-first-packet pg-backend-key admin-command config-load); fi

# Swift's own crash handler would race libFuzzer's, and it reads memory AddressSanitizer then reports as an error.
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS=suppressions=$PWD/Fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}

failed=()
for name in "${fuzzers[@]}"; do
    work=$(mktemp -d)
    cp -R "Fuzz/corpus/$name/." "$work/corpus"
    artifacts=$OUT/artifacts/$name
    mkdir -p "$artifacts"
    options=(-max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$artifacts/")
    [ -f "Fuzz/dict/$name.dict" ] && options+=(-dict="Fuzz/dict/$name.dict")
    # TOMLKit leaks on every parse (Fuzz/lsan.supp), which would make libFuzzer run a full leak scan after every
    # new input, 20 times slower; the suppressed check at exit still runs.
    [ "$name" = config-load ] && options+=(-detect_leaks=0)

    "$OUT/bin/$name" "${options[@]}" "$work/corpus" >"$work/log" 2>&1
    status=$?
    last=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' <<<"$last")
    echo "fuzz: $name: ${runs:-?} runs, ${rate:-?}/s, ${cov:-no coverage line}, exit $status"
    if [ "$status" -ne 0 ]; then
        failed+=("$name")
        echo "---- $name: end of the fuzzer's log ----"
        tail -n 60 "$work/log"
        echo "----"
        grep -oE 'Test unit written to .*' "$work/log" | sed "s|^Test unit written to |fuzz: $name: failing input: |"
    fi
    rm -rf "$work"
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzz: all ${#fuzzers[@]} fuzzers ran ${SECONDS_EACH}s each without a finding"
