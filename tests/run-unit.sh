#!/bin/sh
# tests/run-unit.sh - runs criterion test binaries: prints ok/FAIL per
# file, then "LABEL: N passed, N failed, N skipped" counting tests (from
# criterion's synthesis line and its TAP report, where cr_skip_test shows
# as "# SKIP reason"). A binary that is missing (its build failed), dies
# before its synthesis line, or runs no test at all counts as one failure.
# Writes LOGS/LABEL.count ("passed failed skipped") and LOGS/LABEL.skips
# (one "binary suite::test: reason" a line) for make test's summary.
# Usage: run-unit.sh [-l LABEL] [-j JOBS] binary...; exit 1 on any failure.
# Not here: building them (Makefile), the stack (run-integration.sh).
set -u
label=unit; jobs=2
while getopts l:j: o; do
	case $o in l) label=$OPTARG ;; j) jobs=$OPTARG ;; *) exit 64 ;; esac
done
shift $((OPTIND - 1))
logs=${TEST_LOGS:-build/test-logs}
mkdir -p "$logs"
# Leaks the libraries keep by design (each entry says why).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp:print_suppressions=0}
: >"$logs/$label.skips"
files_bad=0; tpass=0; tfail=0; tskip=0

# Appends the skipped tests of TAP report $2 (binary $1) to the skip list.
list_skips() {
	sed -n 's/^ok - \(.*[^ ]\) *# SKIP \(.*\)$/\1: \2/p' "$2" |
	    sed "s|^|$1 |" >>"$logs/$label.skips"
}

for t in "$@"; do
	log=$logs/$(echo "$t" | tr / _).log
	tap=${log%.log}.tap
	rm -f "$log" "$tap"
	if [ ! -x "$t" ]; then
		printf 'FAIL  %s  (not built: see the build output)\n' "$t"
		tfail=$((tfail + 1)); files_bad=$((files_bad + 1))
		continue
	fi
	t0=$(date +%s)
	"$t" --jobs "$jobs" -Otap:"$tap" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	syn=$(grep 'Synthesis:' "$log" | tail -n 1)
	tn=$(echo "$syn" | sed -n 's/.*Tested: \([0-9]*\).*/\1/p')
	tp=$(echo "$syn" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	tf=$(echo "$syn" | sed -n 's/.*Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 \2/p' | awk '{ print $1 + $2 }')
	ts=$(grep -c '^ok - .*# SKIP ' "$tap" 2>/dev/null) || ts=0
	why=""
	if [ -z "$tp" ] || [ -z "$tf" ]; then
		tp=0; tf=1; why="no synthesis line"
	elif [ "$tn" = 0 ] && [ "$ts" = 0 ]; then
		tf=1; why="no test ran"
	fi
	# Criterion runs each test in a child whose sanitizer report does not
	# change the verdict: read the log.
	if grep -q 'ERROR: LeakSanitizer\|ERROR: AddressSanitizer\|runtime error:' "$log"; then
		tf=$((tf + 1)); why="sanitizer report"
	fi
	[ -z "$why" ] || rc=1
	[ "$rc" = 0 ] || [ "$tf" -gt 0 ] || tf=1
	tpass=$((tpass + tp)); tfail=$((tfail + tf)); tskip=$((tskip + ts))
	[ "$ts" = 0 ] || list_skips "$t" "$tap"
	skipped=""; [ "$ts" = 0 ] || skipped=", $ts skipped"
	if [ "$rc" = 0 ]; then
		printf 'ok    %s  (%s tests%s, %ss)\n' "$t" "$tp" "$skipped" "$secs"
	else
		printf 'FAIL  %s%s\n' "$t" "${why:+  ($why)}"
		grep -v '^\[----\] *$' "$log" | sed 's/^/      /' | head -n 60
		files_bad=$((files_bad + 1))
	fi
done
echo "$tpass $tfail $tskip" >"$logs/$label.count"
echo "$label: $tpass passed, $tfail failed, $tskip skipped"
[ "$files_bad" = 0 ]
