#!/usr/bin/env python3
"""Delta Chat core against `coitest serve`, end to end (NOTES.md §2):

    deltachat_e2e.py COITEST_BINARY DELTACHAT_RPC_SERVER [LOG_FILE]

Two Delta Chat accounts configure against the reference peer (IMAP and SMTP with STARTTLS) and
exchange a message each way; the peer's command log (-v) goes to LOG_FILE when given, which shows
what Delta Chat sent. Exits 77 (ctest: skipped) when the Delta Chat binary is missing.
"""
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time


class Rpc:
    """JSON-RPC 2.0 over the server's stdin/stdout; responses arrive out of order."""

    def __init__(self, binary, accounts_dir):
        env = dict(os.environ, DC_ACCOUNTS_PATH=accounts_dir, RUST_LOG="warn")
        self.proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env, text=True, bufsize=1)
        self.next_id = 0
        self.lock = threading.Lock()
        self.waiting = {}
        self.events = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._pump_events, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            msg = json.loads(line)
            with self.lock:
                q = self.waiting.pop(msg.get("id"), None)
            if q:
                q.put(msg)

    def _send(self, method, params):
        q = queue.Queue()
        with self.lock:
            self.next_id += 1
            rid = self.next_id
            self.waiting[rid] = q
            self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method,
                                              "params": params}) + "\n")
            self.proc.stdin.flush()
        return q

    def call(self, method, *params, timeout=60):
        msg = self._send(method, list(params)).get(timeout=timeout)
        if "error" in msg:
            raise RuntimeError(f"{method}: {msg['error']}")
        return msg.get("result")

    def _pump_events(self):
        # Exactly one get_next_event in flight at all times (NOTES.md §2).
        while self.proc.poll() is None:
            try:
                self.events.put(self.call("get_next_event", timeout=3600))
            except Exception:
                return

    def wait_event(self, account, kind, timeout=30, log=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                ev = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            e = ev.get("event", {})
            if log is not None and e.get("kind") in ("Warning", "Error"):
                log.append(f"account {ev.get('contextId')}: {e.get('kind')} {e.get('msg', '')}"
                           f"{e.get('comment', '')}")
            if ev.get("contextId") == account and e.get("kind") == kind:
                return e
        raise AssertionError(f"account {account}: no {kind} event within {timeout} s")

    def close(self):
        self.proc.kill()
        self.proc.wait()


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    coitest, dc_binary = sys.argv[1], sys.argv[2]
    log_file = sys.argv[3] if len(sys.argv) > 3 else None
    if not os.path.exists(dc_binary):
        print(f"skipped: {dc_binary} not found (npm install "
              "@deltachat/stdio-rpc-server-linux-x64@2.62.0)")
        return 77
    tmp = tempfile.mkdtemp(prefix="coitest-dc-")
    serve_log = open(log_file or os.path.join(tmp, "serve.log"), "w")
    serve = subprocess.Popen([coitest, "serve", "--print-endpoints", "json", "-v"],
                             stdout=subprocess.PIPE, stderr=serve_log, text=True)
    notes = []
    try:
        ep = json.loads(serve.stdout.readline())
        host, imap_port = ep["imap"].split("://")[1].rsplit(":", 1)
        _, smtp_port = ep["submission"].split("://")[1].rsplit(":", 1)
        pw = {a["address"]: a["password"] for a in ep["accounts"]}
        rpc = Rpc(dc_binary, os.path.join(tmp, "accounts"))
        try:
            accounts = {}
            for addr in ("alice@example.org", "bob@example.org"):
                acc = rpc.call("add_account")
                # Plain (unencrypted) chat: fresh accounts have no keys of each other.
                rpc.call("set_config", acc, "force_encryption", "0")
                t0 = time.monotonic()
                rpc.call("add_or_update_transport", acc, {
                    "addr": addr, "password": pw[addr],
                    "imapServer": host, "imapPort": int(imap_port), "imapSecurity": "starttls",
                    "smtpServer": host, "smtpPort": int(smtp_port), "smtpSecurity": "starttls",
                    "certificateChecks": "acceptInvalidCertificates"})
                notes.append(f"{addr}: configured in {time.monotonic() - t0:.2f} s")
                accounts[addr] = acc
            alice, bob = accounts["alice@example.org"], accounts["bob@example.org"]
            for acc in (alice, bob):
                rpc.wait_event(acc, "ImapInboxIdle", log=notes)

            contact = rpc.call("create_contact", alice, "bob@example.org", "Bob")
            chat = rpc.call("create_chat_by_contact_id", alice, contact)
            t0 = time.monotonic()
            rpc.call("misc_send_text_message", alice, chat, "hello from alice via coitest")
            ev = rpc.wait_event(bob, "IncomingMsg", log=notes)
            notes.append(f"alice -> bob delivered in {time.monotonic() - t0:.2f} s")
            msg = rpc.call("get_message", bob, ev["msgId"])
            assert msg["text"] == "hello from alice via coitest", msg["text"]

            rpc.call("accept_chat", bob, ev["chatId"])
            # Reading it sets \\Seen over IMAP and sends alice a read receipt (an MDN).
            rpc.call("markseen_msgs", bob, [ev["msgId"]])
            rpc.wait_event(alice, "MsgRead", log=notes)
            notes.append("alice got bob's read receipt")
            t0 = time.monotonic()
            rpc.call("misc_send_text_message", bob, ev["chatId"], "hi alice, bob here")
            back = rpc.wait_event(alice, "IncomingMsg", log=notes)
            notes.append(f"bob -> alice delivered in {time.monotonic() - t0:.2f} s")
            reply = rpc.call("get_message", alice, back["msgId"])
            assert reply["text"] == "hi alice, bob here", reply["text"]
        finally:
            rpc.close()
    finally:
        serve.terminate()
        serve.wait(timeout=10)
        serve_log.close()
        for n in notes:
            print(n)
        shutil.rmtree(tmp, ignore_errors=True)
    print("deltachat e2e: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
