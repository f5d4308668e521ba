#!/usr/bin/env bash
# Builds the five libFuzzer targets into $FUZZ_BUILD_DIR/bin (default .build-fuzz/bin).
#
# swiftc and the toolchain's clang++ are called directly instead of SwiftPM: a SwiftPM build would either share
# .build with the other builds or resolve every dependency of the package again, and only the pure targets are
# needed. Each module is compiled once (whole-module, -O, coverage and sanitizers on) and shared by the fuzzers
# that import it; a module is rebuilt only when one of its inputs is newer than its object.
#
# Environment: FUZZ_BUILD_DIR, FUZZ_SANITIZERS (default "fuzzer,address"; "fuzzer" alone runs ~2x faster but misses
# out-of-bounds reads through unsafe pointers, which -O does not check), TOMLKIT_DIR (a TOMLKit checkout).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${FUZZ_BUILD_DIR:-.build-fuzz}
SANITIZERS=${FUZZ_SANITIZERS:-fuzzer,address}
SWIFTC=${SWIFTC:-$(command -v swiftc)}
# The toolchain's own clang++: its coverage instrumentation matches the libFuzzer runtime swiftc links.
CXX=${CXX_FOR_FUZZ:-$(dirname "$(readlink -f "$SWIFTC")")/clang++}
MOD=$OUT/modules
OBJ=$OUT/obj
BIN=$OUT/bin
mkdir -p "$MOD" "$OBJ" "$BIN"

# Objects are compiled for linking into a fuzzer: clang spells that "fuzzer-no-link".
CXX_SANITIZERS=${SANITIZERS/fuzzer/fuzzer-no-link}
SWIFT_FLAGS=(-O -wmo -swift-version 5 -parse-as-library -sanitize="$SANITIZERS" -I "$MOD")

# TOMLKit (ConfigModel's TOML parser, Swift over toml++): the checkout the main build uses, read-only, or a resolve
# of the package's dependencies into a scratch path of our own when there is none (a fresh clone).
TOMLKIT_DIR=${TOMLKIT_DIR:-}
if [ -z "$TOMLKIT_DIR" ]; then
    for candidate in .build/checkouts/TOMLKit "$OUT/spm/checkouts/TOMLKit"; do
        if [ -d "$candidate/Sources/CTOML" ]; then TOMLKIT_DIR=$candidate; break; fi
    done
fi
if [ -z "$TOMLKIT_DIR" ]; then
    echo "fuzz: no TOMLKit checkout; resolving dependencies into $OUT/spm"
    swift package resolve --scratch-path "$OUT/spm" >/dev/null
    TOMLKIT_DIR=$OUT/spm/checkouts/TOMLKit
fi
CTOML_INCLUDE=$TOMLKIT_DIR/Sources/CTOML/include/CTOML

# needs_build OUTPUT INPUT...: true when OUTPUT is missing or older than an input (or than this script).
needs_build() {
    local output=$1
    shift
    [ -e "$output" ] || return 0
    local input
    for input in "$@" "$0"; do
        [ "$input" -nt "$output" ] && return 0
    done
    return 1
}

# swift_module NAME DIR [DEPENDENCY...]: compiles every .swift file under DIR as module NAME.
swift_module() {
    local name=$1 dir=$2
    shift 2
    local sources=() dependencies=()
    mapfile -d '' sources < <(find "$dir" -name '*.swift' -print0 | sort -z)
    local dependency
    for dependency in "$@"; do dependencies+=("$MOD/$dependency.swiftmodule"); done
    # Not our code to fix: TOMLKit's warnings would only bury ours. Line tables name its files in leak reports,
    # which is how Fuzz/lsan.supp tells its leaks from ours.
    local quiet=()
    [ "$name" = TOMLKit ] && quiet=(-suppress-warnings -gline-tables-only)
    if needs_build "$OBJ/$name.o" "${sources[@]}" "${dependencies[@]}"; then
        echo "fuzz: compiling $name"
        "$SWIFTC" "${SWIFT_FLAGS[@]}" "${quiet[@]}" -module-name "$name" -emit-module \
            -emit-module-path "$MOD/$name.swiftmodule" -Xcc -I"$CTOML_INCLUDE" -c "${sources[@]}" -o "$OBJ/$name.o"
    fi
}

# CTOML: toml++ behind a C interface. Its five files are compiled in parallel, the slowest step of the build.
ctoml=()
pids=()
for source in "$TOMLKIT_DIR"/Sources/CTOML/Sources/*.cpp; do
    unit=CTOML-$(basename "$source" .cpp | tr -c 'A-Za-z0-9\n' '_')
    object=$OBJ/$unit.o
    ctoml+=("$unit")
    if needs_build "$object" "$source" "$TOMLKIT_DIR"/Sources/CTOML/Sources/*.hpp; then
        echo "fuzz: compiling CTOML $(basename "$source")"
        # Line tables and frame pointers: leak reports name CTOML's files, which Fuzz/lsan.supp matches.
        "$CXX" -std=c++17 -O1 -w -gline-tables-only -fno-omit-frame-pointer -DTOML_EXCEPTIONS=1 \
            -fsanitize="$CXX_SANITIZERS" -I"$CTOML_INCLUDE/.." -c "$source" -o "$object" &
        pids+=($!)
    fi
done

# The Swift modules, dependencies first, while clang++ works on CTOML.
swift_module NetTypes Sources/NetTypes
swift_module MonotonicTime Sources/MonotonicTime
swift_module VRRPCore Sources/VRRPCore NetTypes MonotonicTime
swift_module PGWire Sources/PGWire
for pid in "${pids[@]}"; do wait "$pid"; done
swift_module TOMLKit "$TOMLKIT_DIR/Sources/TOMLKit"
swift_module ConfigModel Sources/ConfigModel NetTypes TOMLKit
swift_module HealthCore Sources/HealthCore ConfigModel MonotonicTime
swift_module AdminCore Sources/AdminCore HealthCore

# fuzzer NAME DIR MODULE...: links DIR/main.swift and the shared input reader with the modules' objects.
fuzzer() {
    local name=$1 dir=$2
    shift 2
    local objects=()
    local module
    for module in "$@"; do objects+=("$OBJ/$module.o"); done
    if needs_build "$BIN/$name" "$dir/main.swift" Fuzz/Support/FuzzInput.swift "${objects[@]}"; then
        echo "fuzz: linking $name"
        "$SWIFTC" "${SWIFT_FLAGS[@]}" -module-name "$(basename "$dir")Fuzz" -use-ld=lld \
            -Xcc -I"$CTOML_INCLUDE" "$dir/main.swift" Fuzz/Support/FuzzInput.swift "${objects[@]}" \
            -lstdc++ -o "$BIN/$name"
    fi
}

fuzzer vrrp-decode Fuzz/VRRPDecode NetTypes MonotonicTime VRRPCore
fuzzer pg-first-packet Fuzz/PGFirstPacket PGWire
fuzzer pg-backend-key Fuzz/PGBackendKey PGWire
fuzzer admin-command Fuzz/AdminCommand NetTypes MonotonicTime "${ctoml[@]}" TOMLKit ConfigModel HealthCore AdminCore
fuzzer config-load Fuzz/ConfigLoad NetTypes "${ctoml[@]}" TOMLKit ConfigModel
echo "fuzz: fuzzers in $BIN"
