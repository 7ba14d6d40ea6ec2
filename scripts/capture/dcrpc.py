"""Delta Chat core over JSON-RPC on stdio (deltachat-rpc-server), stdlib only.

NOTES §2: one JSON object per line, positional params, responses out of order (matched by id),
and exactly one get_next_event in flight at all times. Events are kept in one list so a caller can
wait for an event that happened after a point it marked, whichever account it belongs to.
"""
import json
import os
import queue
import subprocess
import threading
import time


class RpcError(RuntimeError):
    pass


class Rpc:
    def __init__(self, binary, accounts_dir, stderr=subprocess.DEVNULL):
        env = dict(os.environ, DC_ACCOUNTS_PATH=accounts_dir, RUST_LOG="warn")
        self.proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=stderr, env=env, text=True, bufsize=1)
        self.next_id = 0
        self.lock = threading.Lock()
        self.waiting = {}
        self.events = []
        self.events_cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._pump_events, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                q = self.waiting.pop(msg.get("id"), None)
            if q:
                q.put(msg)

    def call(self, method, *params, timeout=60):
        q = queue.Queue()
        with self.lock:
            self.next_id += 1
            rid = self.next_id
            self.waiting[rid] = q
            self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method,
                                              "params": list(params)}) + "\n")
            self.proc.stdin.flush()
        try:
            msg = q.get(timeout=timeout)
        except queue.Empty:
            raise RpcError(f"{method}: no answer within {timeout} s") from None
        if "error" in msg:
            raise RpcError(f"{method}: {msg['error'].get('message', msg['error'])}")
        return msg.get("result")

    def _pump_events(self):
        while self.proc.poll() is None:
            try:
                ev = self.call("get_next_event", timeout=3600)
            except Exception:
                return
            with self.events_cv:
                self.events.append(ev)
                self.events_cv.notify_all()

    def mark(self):
        with self.events_cv:
            return len(self.events)

    def wait_event(self, account, kind, since=0, timeout=30, pred=None):
        """The first event of `kind` for `account` at or after index `since`."""
        deadline = time.monotonic() + timeout
        i = since
        with self.events_cv:
            while True:
                while i < len(self.events):
                    ev = self.events[i]
                    i += 1
                    e = ev.get("event", {})
                    if ev.get("contextId") == account and e.get("kind") == kind and (
                            pred is None or pred(e)):
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"account {account}: no {kind} event within {timeout} s")
                self.events_cv.wait(left)

    def problems(self, since=0):
        """Warning and Error events since a mark, as text (Delta Chat's reasons live there)."""
        with self.events_cv:
            out = []
            for ev in self.events[since:]:
                e = ev.get("event", {})
                if e.get("kind") in ("Warning", "Error"):
                    out.append(f"account {ev.get('contextId')}: {e['kind']}: {e.get('msg', '')}")
            return out

    def dump(self, path):
        """Every event, one JSON object a line (Info events say what the core did and why)."""
        with self.events_cv, open(path, "w") as f:
            for ev in self.events:
                f.write(json.dumps(ev) + "\n")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
