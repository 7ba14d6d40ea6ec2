#!/usr/bin/env python3
"""Runs the imap-baseline server suite against `coitest serve` (the known-good reference):

    baseline_against_peer.py COITEST_BINARY [imap|imaps|starttls]

Starts the peer with a users file of four accounts, runs `coitest server --profile imap-baseline`
against the chosen IMAP endpoint with LMTP delivery, and exits with coitest's exit code.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    binary = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "starttls"
    d = tempfile.mkdtemp(prefix="coitest-baseline-")
    users = ["alice", "bob", "carol", "dave"]
    with open(os.path.join(d, "users"), "w") as f:
        for u in users:
            f.write(f"{u}@example.org:pw-{u}-secret\n")
    for u in users:
        with open(os.path.join(d, f"{u}.pass"), "w") as f:
            f.write(f"pw-{u}-secret\n")
    peer = subprocess.Popen([binary, "serve", "--users", os.path.join(d, "users"),
                             "--print-endpoints", "json"], stdout=subprocess.PIPE, text=True)
    try:
        ep = json.loads(peer.stdout.readline())
        imap = {"starttls": ep["imap"], "imaps": ep["imaps"],
                "imap": ep["imap"].replace("imap+starttls://", "imap://")}[mode]
        cmd = [binary, "server", "--imap", imap, "--deliver", ep["lmtp"], "--ca-file",
               ep["ca_file"], "--profile", "imap-baseline", "-j", "4",
               "--junit", os.path.join(d, "junit.xml")]
        for u in users:
            cmd += ["--account", f"{u}@example.org:{os.path.join(d, u + '.pass')}"]
        rc = subprocess.run(cmd, timeout=300).returncode
        return rc
    finally:
        peer.terminate()
        peer.wait(timeout=10)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
