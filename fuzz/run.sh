#!/usr/bin/env bash
# Bounded runs of every fuzz target: FUZZ_SECONDS each (default 10), from a seed corpus made of
# the recorded API answers (tests/fixtures) and a few hand-written inputs. A crash, a panic, an
# input that takes over 10 s or a run over 2 GB fails the run; the input is left in
# fuzz/artifacts/<target>/. Longer runs: tests/README.md.
#
# cargo fuzz needs unstable compiler flags: on a stable toolchain RUSTC_BOOTSTRAP=1 allows them.
# FUZZ_SANITIZER (default none: the targets are safe Rust, and a build without AddressSanitizer
# is much quicker) may be `address`.
set -euo pipefail
cd "$(dirname "$0")"
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
FUZZ_SANITIZER=${FUZZ_SANITIZER:-none}
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

seeds() {
    local t=$1 dir=corpus/$1
    mkdir -p "$dir"
    case $t in
        link_header)
            printf '%s' '<http://qualysapi.qualys.com/csapi/v1.3/containers/list?limit=2&paginationQuery=updated%3E%3D1594876830694+AND+not+uuid%3A+%5B65eff01b%5D>;rel=next' >"$dir/seed-doc"
            printf '%s' '<http://qualysapi.qualys.com/csapi/v1.3/images/list?limit=2&paginationQuery=x<;rel=next' >"$dir/seed-open"
            printf '%s' 'null' >"$dir/seed-null"
            printf '%s\n%s' '<http://a/?limit=1>;rel=prev' '</csapi/v1.3/images/list?paginationQuery=abc>; rel="next"' >"$dir/seed-two"
            ;;
        page_decode | response_output)
            local f n=0
            for f in ../tests/fixtures/*/*.response.json; do
                n=$((n + 1))
                { printf '\x00'; cat "$f"; } >"$dir/seed-$n-a"
                { printf '\x01'; cat "$f"; } >"$dir/seed-$n-b"
            done
            printf '\x00%s' '{"data": {"sha": "one object"}, "count": 1}' >"$dir/seed-one"
            printf '\x01%s' '{"limit": 5, "data": null}' >"$dir/seed-null"
            # Numbers beyond f64, in one object and in a list (found by a 10-minute run).
            printf '\x00%s' '{"data": {"sha":11e1111}}' >"$dir/seed-beyond-f64-one"
            printf '\x01%s' '{"data": [{"n": -1e400}, {"n": 2}], "limit": 5}' >"$dir/seed-beyond-f64-list"
            ;;
        request_build)
            printf 'sha256:abc\xffvulnerabilities.severity:5 and name:"a b"' >"$dir/seed-1"
            printf '..\xff%%2e%%2e/\\?#' >"$dir/seed-2"
            ;;
        options_read)
            printf '\x00%s' '{"username": "me", "password": "pw-123456", "timeout": 30, "platform": "US2", "max_retries": 3, "rate_limit": false}' >"$dir/seed-python"
            printf '\x01%s' '{"baseUrl": "https://h.example", "token": "t", "timeout": 30000, "maxConcurrency": 8, "validate": true}' >"$dir/seed-node"
            printf '\x02%s' '{"--timeout": "30", "--validate": "no", "--auth": "basic", "--base-url": "http://localhost:8080", "--username": "u"}' >"$dir/seed-flag"
            printf '\x03%s' '{"platform": "eu1", "timeout": "2.5", "prefetch": 4, "proxy": "http://proxy:3128"}' >"$dir/seed-config"
            printf '\x04%s' '{"QUALYS_TOKEN": "t", "QUALYS_MAX_RETRIES": "x", "QUALYS_ALLOW_INSECURE_HTTP": "on"}' >"$dir/seed-env"
            printf '\x00%s' '[[0, "a"], [1, 2], [2, true], [3, null], [4, 1.5], [5, "x"], [6, "1e400"], [7, -1]]' >"$dir/seed-pairs"
            ;;
        filter_check)
            printf '\x00\x00%s' 'vulnerabilities.severity:5 and repo.tag:latest' >"$dir/seed-filter"
            printf '\x00\x05%s' 'name:"café" or not uuid: [65eff01b, "x"]' >"$dir/seed-filter-2"
            printf '\x00\x09 ' >"$dir/seed-blank"
            local f n=0
            for f in ../tests/fixtures/*/*.request.json; do
                n=$((n + 1))
                # Arguments mode, a few endpoints apart for each recorded request body.
                { printf "\\x01\\x$(printf %02x $((n * 7 % 256)))"; printf '{"body": '; cat "$f"; printf '}'; } >"$dir/seed-body-$n"
            done
            ;;
        cli_args)
            argv() { printf '%s\0' "$@" | head -c -1; }
            argv images list --filter 'vulnerabilities.severity:5' --all -o table --dry-run --base-url https://h.example >"$dir/seed-list"
            argv gate vulns sha256:abc --max-severity 4 --report out.sarif >"$dir/seed-gate"
            argv --profile prod --timeout 2.5 --validate false images get sha256:abc >"$dir/seed-profile"
            argv --token tok-12345678 --base-url http://example.com registries list >"$dir/seed-http"
            argv mcp --http 127.0.0.1:0 --allow-writes --max-wait 30 --platform US2 --username u >"$dir/seed-mcp"
            argv completion zsh >"$dir/seed-completion"
            argv registries schedules create --registry-id r1 --body '{"onDemand": true}' --dry-run --platform EU1 >"$dir/seed-body"
            ;;
    esac
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in $(cargo fuzz list); do
    seeds "$t"
    echo "fuzz: $t for ${FUZZ_SECONDS}s"
    if ! cargo fuzz run -O -s "$FUZZ_SANITIZER" "$t" "corpus/$t" -- \
        -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        echo "fuzz: $t failed; the input is in fuzz/artifacts/$t" >&2
        exit 1
    fi
    grep -E '^Done' "$log" || true
done
