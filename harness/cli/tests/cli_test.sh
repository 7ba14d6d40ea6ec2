#!/usr/bin/env bash
# Command-line behaviour of the coitest executable, one case per ctest test:
#   cli_test.sh COITEST SOURCE_DIR CASE
# Cases that need the private Dovecot read $COITEST_DOVECOT_DIR (the ctest fixture).
set -uo pipefail
coitest=$1 src=$2 case=$3
xsd="$src/reports/schemas/junit-10.xsd"
work=$(mktemp -d /tmp/coitest-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_one_line FILE: exactly one line, starting with "coitest: error:"
expect_one_line() {
  [[ $(wc -l <"$1") -eq 1 ]] || { cat "$1" >&2; fail "expected one line of error, got $(wc -l <"$1")"; }
  grep -q '^coitest: error: ' "$1" || { cat "$1" >&2; fail "error line lacks the 'coitest: error:' prefix"; }
}

case $case in
help)
  "$coitest" --help >"$work/out" || fail "--help exited $?"
  for cmd in server list; do grep -q "$cmd" "$work/out" || fail "--help does not mention $cmd"; done
  "$coitest" server --help >"$work/out" || fail "server --help exited $?"
  for opt in --target --imap --filter --exclude --junit --strict --insecure -j; do
    grep -q -- "$opt" "$work/out" || fail "server --help does not mention $opt"
  done
  ;;
version)
  out=$("$coitest" --version) || fail "--version exited $?"
  [[ $out =~ ^coitest\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "unexpected version line: $out"
  ;;
usage-error)
  "$coitest" server --no-such-flag 2>"$work/err"; rc=$?
  [[ $rc -eq 2 ]] || fail "unknown flag exited $rc, not 2"
  expect_one_line "$work/err"
  "$coitest" 2>"$work/err"; rc=$?
  [[ $rc -eq 2 ]] || fail "no subcommand exited $rc, not 2"
  ;;
list)
  "$coitest" list >"$work/out" || fail "list exited $?"
  grep -q '^imap-baseline.capability.imap4rev1 ' "$work/out" || fail "list lacks imap-baseline.capability.imap4rev1"
  "$coitest" list --format json >"$work/out.json" || fail "list --format json exited $?"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["tests"])>=10, d; assert all(t["requirements"] for t in d["tests"])' "$work/out.json" || fail "list JSON is not what was expected"
  "$coitest" list --filter 'imap-baseline.login.*' --format json >"$work/f.json" || fail "list --filter exited $?"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ids=[t["id"] for t in d["tests"]]; assert ids and all(i.startswith("imap-baseline.login.") for i in ids), ids' "$work/f.json" || fail "--filter did not select"
  "$coitest" list --requirements >"$work/req" || fail "list --requirements exited $?"
  grep -q '^rfc3501.capability.imap4rev1 ' "$work/req" || fail "requirements list lacks rfc3501.capability.imap4rev1"
  ;;
unreachable)
  # Nothing listens on port 1: exit 3 with one line, fast, and a valid JUnit file all the same.
  start=$(date +%s%N)
  "$coitest" server --imap imap://127.0.0.1:1 --junit "$work/junit.xml" --json "$work/r.json" >/dev/null 2>"$work/err"; rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  [[ $rc -eq 3 ]] || fail "exit $rc, not 3"
  expect_one_line "$work/err"
  grep -q 'refused' "$work/err" || fail "the reason does not say the connection was refused: $(cat "$work/err")"
  (( ms < 5000 )) || fail "took $ms ms (a refusal must not wait for a timeout)"
  xmllint --noout --schema "$xsd" "$work/junit.xml" 2>"$work/xml" || { cat "$work/xml" >&2; fail "JUnit does not validate"; }
  grep -q '<error' "$work/junit.xml" || fail "JUnit does not report the tests as errors"
  ;;
bad-target)
  printf '\x7fELF\x02\x01\x01\x00\x00\x00binary' >"$work/binary.toml"
  printf '[imap]\nurl = "imap://h"\ncolour = 3\n' >"$work/unknown.toml"
  printf '[imap]\nurl = "imap:/broken"\n' >"$work/url.toml"
  for f in binary unknown url missing; do
    "$coitest" server --target "$work/$f.toml" --junit "$work/$f.xml" >/dev/null 2>"$work/err"; rc=$?
    [[ $rc -eq 2 ]] || fail "$f target: exit $rc, not 2"
    expect_one_line "$work/err"
  done
  ;;
embedded)
  # No target: the suite runs against the reference peer started in-process.
  "$coitest" server -j 4 --junit "$work/junit.xml" --json "$work/r.json" >"$work/out" 2>&1; rc=$?
  cat "$work/out"
  [[ $rc -eq 0 ]] || fail "embedded run: exit $rc"
  xmllint --noout --schema "$xsd" "$work/junit.xml" 2>"$work/xml" || { cat "$work/xml" >&2; fail "JUnit does not validate"; }
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "reference peer" in d["target"], d["target"]; t=d["suites"][0]["tests"]; assert sum(x["verdict"]=="pass" for x in t)>=10, [(x["id"],x["verdict"]) for x in t]' "$work/r.json" || fail "embedded results unexpected"
  ;;
dovecot-baseline)
  # The whole imap-baseline suite against the real private Dovecot, over STARTTLS and implicit TLS.
  for t in target target-imaps; do
    "$coitest" server --target "$COITEST_DOVECOT_DIR/$t.toml" -j 4 --junit "$work/$t.xml" \
      --json "$work/$t.json" --html "$work/$t.html" --md "$work/$t.md" >"$work/out" 2>&1; rc=$?
    cat "$work/out"
    [[ $rc -eq 0 ]] || fail "$t: exit $rc"
    xmllint --noout --schema "$xsd" "$work/$t.xml" 2>"$work/xml" || { cat "$work/xml" >&2; fail "$t: JUnit does not validate"; }
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); t=d["suites"][0]["tests"]; bad=[x["id"] for x in t if x["verdict"] not in ("pass","not-applicable")]; assert not bad, bad; assert sum(x["verdict"]=="pass" for x in t)>=10' "$work/$t.json" || fail "$t: results are not all pass"
    # Credentials never reach a report.
    for p in "$COITEST_DOVECOT_DIR"/passwords/*.pass; do
      pw=$(head -n1 "$p")
      ! grep -qF -- "$pw" "$work/$t.xml" "$work/$t.json" "$work/$t.html" "$work/$t.md" "$work/out" || fail "$t: a password appears in a report"
    done
  done
  ;;
dovecot-untrusted)
  # The same Dovecot without its CA: TLS verification must refuse it (exit 3), --insecure accepts it with a warning.
  sed '/^ca_file/d' "$COITEST_DOVECOT_DIR/target-imaps.toml" >"$work/no-ca.toml"
  "$coitest" server --target "$work/no-ca.toml" --filter '*.capability.imap4rev1' >/dev/null 2>"$work/err"; rc=$?
  [[ $rc -eq 3 ]] || fail "untrusted certificate: exit $rc, not 3"
  grep -q 'certificate' "$work/err" || fail "the reason does not name the certificate: $(cat "$work/err")"
  "$coitest" server --target "$work/no-ca.toml" --insecure --filter '*.capability.imap4rev1' >/dev/null 2>"$work/err"; rc=$?
  [[ $rc -eq 0 ]] || fail "--insecure: exit $rc"
  grep -q 'warning: --insecure' "$work/err" || fail "--insecure printed no warning"
  ;;
dovecot-sigint)
  # Ctrl-C mid-run: the run stops, the reports hold what finished, and they are valid.
  "$coitest" server --target "$COITEST_DOVECOT_DIR/target.toml" -j 1 --filter '*.login.invalid' \
    --filter '*.capability.*' --junit "$work/junit.xml" --json "$work/r.json" >"$work/out" 2>&1 &
  pid=$!
  # login.invalid spends over a second in the server's failure delay: interrupt it there.
  for _ in $(seq 100); do grep -q '^PASS.*capability.auth-plain' "$work/out" 2>/dev/null && break; sleep 0.1; done
  sleep 0.4
  kill -INT "$pid"
  wait "$pid"; rc=$?
  cat "$work/out"
  [[ $rc -ne 0 ]] || fail "an interrupted run exited 0"
  xmllint --noout --schema "$xsd" "$work/junit.xml" 2>"$work/xml" || { cat "$work/xml" >&2; fail "JUnit does not validate"; }
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["interrupted"] is True, d["interrupted"]' "$work/r.json" || fail "results do not say interrupted"
  ;;
preflight-sigint)
  # Ctrl-C while the target accepts but never greets: the preflight stops at once (not after its
  # 5 s limit) and the reports are written and say interrupted.
  python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True)
c=s.accept(); print("accepted", flush=True); time.sleep(30)' >"$work/port" &
  silent=$!
  for _ in $(seq 50); do [[ -s "$work/port" ]] && break; sleep 0.1; done
  "$coitest" server --imap "imap://127.0.0.1:$(head -1 "$work/port")" --json "$work/r.json" \
    --junit "$work/junit.xml" >/dev/null 2>"$work/err" &
  pid=$!
  # Interrupt once coitest is in the preflight (connected, waiting for a greeting).
  for _ in $(seq 100); do grep -q accepted "$work/port" && break; sleep 0.1; done
  sleep 0.2
  start=$(date +%s%N)
  kill -INT "$pid"
  wait "$pid"; rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  kill "$silent" 2>/dev/null
  [[ $rc -eq 3 ]] || { cat "$work/err" >&2; fail "exit $rc, not 3"; }
  (( ms < 2000 )) || fail "took $ms ms to stop after SIGINT"
  xmllint --noout --schema "$xsd" "$work/junit.xml" 2>"$work/xml" || { cat "$work/xml" >&2; fail "JUnit does not validate"; }
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["interrupted"] is True, d["interrupted"]' "$work/r.json" || fail "results do not say interrupted"
  ;;
*)
  fail "unknown case $case"
  ;;
esac
echo "ok: $case"
