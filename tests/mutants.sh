#!/usr/bin/env bash
# Mutation testing of the security-relevant modules (tests/MUTANTS.md): cargo-mutants over each
# module, every mutant against the tests that exercise it (the unit tests, plus the integration
# test targets named), one mutant at a time. Prints caught / viable per module and fails when a
# mutant survives that tests/mutants-kept.txt does not list (a kept survivor is equivalent or
# harmless, and MUTANTS.md says why). Timeouts count as caught: the tests noticed the mutant (it
# hung a wait they bound).
#
#   bash tests/mutants.sh                 # every module
#   bash tests/mutants.sh ratelimit paginate
#
# MUTANTS_OUT (default target/mutants) holds each module's mutants.out; MUTANTS_JOBS (default 1)
# the parallel builds; CARGO the cargo to run.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${MUTANTS_OUT:-target/mutants}
JOBS=${MUTANTS_JOBS:-1}
KEPT=tests/mutants-kept.txt

# name | package | files | name filter (regex over the mutants' descriptions; empty: all) | test targets
MODULES=(
    "gate|qualys-cs-cli|cli/src/gate.rs||--lib --test gate"
    "audit|qualys-cs-cli|cli/src/mcp/audit.rs||--lib"
    "redaction|qualys-cs|core/src/client/errors.rs core/src/response.rs core/src/client/mod.rs|Secrets|api_error|redirect_target|Redact|decode_error|redact|is_secret_key|dry_run|--lib --test hostile"
    "origin|qualys-cs|core/src/client/builder.rs|redirect_policy|is_loopback|check_base_url|--lib --test hostile"
    "ratelimit|qualys-cs|core/src/ratelimit.rs||--lib"
    "paginate|qualys-cs|core/src/paginate.rs|LoopGuard|hash_of|next_cursor|link_values|paginate_with|default_size|numbered|cursor|last_page|page_count|cut_by_cap|Pager<T>::(endpoint|page_size|pages)|--lib --test client --test hostile"
    "validate|qualys-cs|core/src/validate.rs||--lib --test validation"
    "retry|qualys-cs|core/src/client/retry.rs||--lib"
    "deadline|qualys-cs|core/src/client/budget.rs core/src/client/execute.rs|Call::|execute_in_span|pause|unsent_rate_limited|--lib --test deadline"
)

run_module() {
    local spec=$1 name package files filter tests
    name=${spec%%|*}
    spec=${spec#*|}
    package=${spec%%|*}
    spec=${spec#*|}
    files=${spec%%|*}
    spec=${spec#*|}
    tests=${spec##*|}
    filter=${spec%|*}
    local args=(mutants -p "$package" -j "$JOBS" --output "$OUT/$name")
    local f t
    for f in $files; do args+=(--file "$f"); done
    [[ -n $filter ]] && args+=(-F "$filter")
    # As cargo arguments (not only test arguments), so that only these test targets are built.
    for t in $tests; do args+=(-C "$t"); done
    echo "mutants: $name"
    mkdir -p "$OUT/$name"
    "${CARGO:-cargo}" "${args[@]}"
    # 0: all caught; 2: some missed; 3: some timed out. Anything else: the run itself failed.
    case $? in 0 | 2 | 3) ;; *) echo "mutants: $name: the run failed" >&2 && return 1 ;; esac
}

wanted=("$@")
failed=0
summary=()
for m in "${MODULES[@]}"; do
    name=${m%%|*}
    if ((${#wanted[@]})) && [[ ! " ${wanted[*]} " == *" $name "* ]]; then
        continue
    fi
    run_module "$m" || {
        failed=1
        continue
    }
    dir=$OUT/$name/mutants.out
    count() {
        if [[ -f $dir/$1.txt ]]; then grep -c . "$dir/$1.txt"; else echo 0; fi
    }
    caught=$(($(count caught) + $(count timeout)))
    missed=$(count missed)
    viable=$((caught + missed))
    summary+=("$(printf '%-10s %4d / %-4d caught (%s unviable)' "$name" "$caught" "$viable" "$(count unviable)")")
    # A survivor is kept when its file and description (line and column aside) are listed.
    while IFS= read -r line; do
        [[ -z $line ]] && continue
        key=$(sed -E 's/^([^:]+):[0-9]+:[0-9]+: /\1: /' <<<"$line")
        if ! grep -qxF "$key" "$KEPT"; then
            echo "mutants: $name: survivor not kept: $line" >&2
            failed=1
        fi
    done <"$dir/missed.txt"
done

printf '%s\n' "${summary[@]}"
exit $failed
