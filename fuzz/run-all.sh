#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 600) with its seeds; new inputs go to corpus/TARGET,
# crashes to artifacts/TARGET. Prints libFuzzer's final stats per target; exits non-zero on the
# first crash, hang (-timeout) or out-of-memory. FUZZ_DEV=1 builds unoptimised (CI's quick smoke
# run). See docs/robustness.md.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
targets=(native_toml native_json terraform_json hcl service_tags data_overrides estate_semantics)
[ $# -gt 1 ] && targets=("${@:2}")
# cargo fuzz passes -Z flags; this lets the one stable toolchain the machine has accept them.
export RUSTC_BOOTSTRAP=1
profile=()
[ "${FUZZ_DEV:-0}" = 1 ] && profile=(--dev)
# Seeds: fuzz/seeds/TARGET, plus the project's own inputs read where they live (libFuzzer reads
# extra corpus directories recursively and writes only to the first).
extra_seeds() {
    case "$1" in
        native_toml) echo ../examples ;;
        native_json) echo ../examples ;;
        terraform_json) echo ../crates/adbflow-import/tests/fixtures/terraform ;;
        hcl) echo ../crates/adbflow-import/tests/fixtures/hcl ;;
    esac
}
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    echo "== $t ($seconds s)"
    seeds=()
    [ -d "seeds/$t" ] && seeds+=("seeds/$t")
    extra=$(extra_seeds "$t")
    [ -n "$extra" ] && seeds+=("$extra")
    cargo fuzz run "${profile[@]}" -s none "$t" "corpus/$t" "${seeds[@]}" -- \
        -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -max_len=262144 \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"artifacts/$t.log" 2>&1 || {
        tail -60 "artifacts/$t.log"
        echo "fuzz target $t failed: the crashing input is in fuzz/artifacts/$t/" >&2
        exit 1
    }
    grep -E '^(Done|stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb))' "artifacts/$t.log"
done
