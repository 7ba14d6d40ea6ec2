#!/usr/bin/env python3
"""Integration tests of `coitest serve` driven by independent clients (Python's imaplib and
smtplib), one check per invocation:

    peer_cli_test.py COITEST_BINARY CHECK

Checks: coi-imaplib, plain-mode, deviations, users-file, persistence-restart, persistence-kill9,
tls-verification, webpush-imaplib. Exit 0 on success; a failed check raises with a message saying what
was expected and what was seen.
"""
import base64
import imaplib
import json
import os
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

imaplib.Commands["SETMETADATA"] = ("AUTH", "SELECTED")
imaplib.Commands["GETMETADATA"] = ("AUTH", "SELECTED")

COI = "/private/vendor/vendor.dovecot/coi/config"
WEBPUSH = "/private/vendor/vendor.dovecot/webpush"


class Peer:
    """A `coitest serve` child process, stopped by its PID."""

    def __init__(self, binary, *args):
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [binary, "serve", "--print-endpoints", "json", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        self.ready_after = time.monotonic() - self.started
        if not line:
            err = self.proc.stderr.read()
            raise AssertionError(f"coitest serve printed no endpoints; stderr: {err}")
        self.ep = json.loads(line)
        self.ctx = ssl.create_default_context(cafile=self.ep["ca_file"]) if self.ep["ca_file"] else None

    def password(self, address):
        return next(a["password"] for a in self.ep["accounts"] if a["address"] == address)

    def hostport(self, key):
        rest = self.ep[key].split("://", 1)[1]
        host, port = rest.rsplit(":", 1)
        return host, int(port)

    def imap(self, address, starttls=True):
        m = imaplib.IMAP4(*self.hostport("imap"))
        if starttls:
            m.starttls(ssl_context=self.ctx)
        m.login(address, self.password(address))
        return m

    def imaps(self, address):
        host, port = self.hostport("imaps")
        m = imaplib.IMAP4_SSL(host, port, ssl_context=self.ctx)
        m.login(address, self.password(address))
        return m

    def submit(self, sender, rcpts, message):
        s = smtplib.SMTP(*self.hostport("submission"))
        s.starttls(context=self.ctx)
        s.login(sender, self.password(sender))
        refused = s.sendmail(sender, rcpts, message)
        s.quit()
        return refused

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)
        return self.proc.returncode


def expect(cond, expected, seen):
    if not cond:
        raise AssertionError(f"expected {expected}; seen {seen}")


def ok(result, what):
    typ, data = result
    expect(typ == "OK", f"OK for {what}", f"{typ} {data}")
    return data


def caps(m):
    return ok(m.capability(), "CAPABILITY")[0].decode().split()


CHAT = (b"From: <alice@example.org>\r\nTo: <bob@example.org>\r\nChat-Version: 1.0\r\n"
        b"Message-ID: <chat$py.1@example.org>\r\nSubject: hello\r\n\r\nA chat message.\r\n")


def check_coi_imaplib(binary):
    """An independent client enables COI, submits a chat message, finds it in COI/Chats."""
    p = Peer(binary)
    try:
        bob = p.imap("bob@example.org")
        expect("COI" in caps(bob), "COI after login", caps(bob))
        ok(bob._simple_command("SETMETADATA", '""', f"({COI}/enabled yes)"), "enable COI")
        ok(bob._simple_command("SETMETADATA", '""', f"({COI}/message-filter active)"), "filter")
        typ, _ = bob._simple_command("GETMETADATA", "(DEPTH 1)", '""', f"({COI})")
        meta = b" ".join(x for x in bob.untagged_responses.pop("METADATA", []) if isinstance(x, bytes))
        expect(b"mailbox-root" in meta and b"yes" in meta, "mailbox-root and enabled yes", meta)
        mailboxes = b"\n".join(ok(bob.list(), "LIST"))
        expect(b'"COI/Chats"' in mailboxes and b'"COI/Contacts"' in mailboxes,
               "COI/Chats and COI/Contacts listed", mailboxes)

        refused = p.submit("alice@example.org", ["bob@example.org"], CHAT)
        expect(refused == {}, "no refused recipients", refused)

        count = ok(bob.select("COI/Chats"), "SELECT COI/Chats")
        expect(count == [b"1"], "1 message in COI/Chats", count)
        data = ok(bob.fetch("1", "(FLAGS BODY.PEEK[])"), "FETCH")
        expect(b"$Chat" in data[0][0], "$Chat in FLAGS", data[0][0])
        expect(data[0][1] == CHAT, "the submitted bytes unchanged", data[0][1])
        ok(bob.select("INBOX"), "SELECT INBOX")
        expect(ok(bob.search(None, "ALL"), "SEARCH") == [b""], "an empty INBOX", "messages there")
        bob.logout()
    finally:
        p.stop()


def check_plain_mode(binary):
    p = Peer(binary, "--plain")
    try:
        m = p.imap("alice@example.org")
        c = caps(m)
        expect("COI" not in c and "METADATA" not in c, "neither COI nor METADATA", c)
        try:
            m._simple_command("GETMETADATA", '""', f"{COI}/enabled")
            raise AssertionError("expected GETMETADATA to be refused in --plain mode")
        except imaplib.IMAP4.error:
            pass
        m.logout()
    finally:
        p.stop()


def check_deviations(binary):
    listing = subprocess.run([binary, "serve", "--list-deviations"], capture_output=True,
                             text=True, timeout=10)
    expect(listing.returncode == 0, "exit 0", listing.returncode)
    names = [l.split()[0] for l in listing.stdout.splitlines() if " breaks coi-server." in l]
    expect(len(names) >= 10, "at least ten deviations", names)
    bad = subprocess.run([binary, "serve", "--deviate", "no-such-thing"], capture_output=True,
                         text=True, timeout=10)
    expect(bad.returncode == 2, "exit 2 for an unknown deviation", bad.returncode)
    p = Peer(binary, "--deviate", "no-coi-capability")
    try:
        expect(p.ep["deviations"] == ["no-coi-capability"], "the deviation announced",
               p.ep["deviations"])
        m = p.imap("alice@example.org")
        expect("COI" not in caps(m), "no COI with --deviate no-coi-capability", caps(m))
        m.logout()
    finally:
        p.stop()


def check_users_file(binary):
    d = tempfile.mkdtemp(prefix="coitest-peer-")
    try:
        users = os.path.join(d, "users")
        with open(users, "w") as f:
            f.write("# test users\nzed@example.net:s3cret word\n")
        p = Peer(binary, "--users", users)
        try:
            expect([a["address"] for a in p.ep["accounts"]] == ["zed@example.net"],
                   "only the file's user", p.ep["accounts"])
            m = p.imap("zed@example.net")
            m.logout()
            try:
                imaplib.IMAP4(*p.hostport("imap")).login("zed@example.net", "wrong")
                raise AssertionError("a wrong password was accepted")
            except imaplib.IMAP4.error:
                pass
        finally:
            p.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def persistence(binary, sig):
    d = tempfile.mkdtemp(prefix="coitest-peer-data-")
    users = os.path.join(d, "users")
    with open(users, "w") as f:
        f.write("alice@example.org:pw-alice\nbob@example.org:pw-bob\n")
    data = os.path.join(d, "data")
    try:
        p = Peer(binary, "--users", users, "--data", data)
        m = p.imaps("alice@example.org")
        typ, resp = m.append("INBOX", "(\\Flagged)", None, b"Subject: kept\r\n\r\nkept\r\n")
        expect(typ == "OK", "APPEND OK", resp)
        appenduid = resp[0].decode()  # [APPENDUID validity uid]
        ok(m._simple_command("SETMETADATA", '""', f"({COI}/enabled yes)"), "enable")
        refused = p.submit("alice@example.org", ["bob@example.org", "far@else.example"],
                           b"Subject: sub\r\n\r\nsubmitted\r\n")
        expect(refused == {}, "accepted", refused)
        # Acknowledged means on disk: stop without warning.
        p.stop(sig)
        p2 = Peer(binary, "--users", users, "--data", data)
        try:
            m2 = p2.imaps("alice@example.org")
            typ, sel = m2.select("INBOX")
            expect(sel == [b"1"], "1 message in INBOX", sel)
            validity = m2.untagged_responses.get("UIDVALIDITY", [b"?"])[0].decode()
            flags = ok(m2.uid("FETCH", appenduid.split()[2].rstrip("]"), "(FLAGS BODY.PEEK[])"),
                       "UID FETCH")
            expect(validity in appenduid, "the same UIDVALIDITY", f"{validity} vs {appenduid}")
            expect(b"\\Flagged" in flags[0][0], "\\Flagged kept", flags[0][0])
            expect(flags[0][1] == b"Subject: kept\r\n\r\nkept\r\n", "the bytes kept", flags[0][1])
            mailboxes = b" ".join(ok(m2.list(), "LIST"))
            expect(b"COI/Chats" in mailboxes, "COI/Chats still there", mailboxes)
            bob = p2.imaps("bob@example.org")
            expect(bob.select("INBOX")[1] == [b"1"], "the submitted message in bob's INBOX",
                   bob.select("INBOX"))
            subs = sorted(os.listdir(os.path.join(data, "submissions")))
            expect(subs == ["1.eml", "1.json"], "the submission on disk", subs)
            with open(os.path.join(data, "submissions", "1.json")) as f:
                env = json.load(f)
            expect(env["rcpt_to"] == ["bob@example.org", "far@else.example"], "the envelope",
                   env)
        finally:
            p2.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def check_persistence_restart(binary):
    persistence(binary, signal.SIGTERM)


def check_persistence_kill9(binary):
    persistence(binary, signal.SIGKILL)


def check_tls_verification(binary):
    """The generated certificate verifies for 127.0.0.1 against the printed CA, and only it."""
    p = Peer(binary)
    try:
        host, port = p.hostport("imaps")
        with socket.create_connection((host, port)) as raw:
            with p.ctx.wrap_socket(raw, server_hostname=host) as tls:
                expect(tls.recv(100).startswith(b"* OK"), "a greeting over verified TLS", "")
        strict = ssl.create_default_context()  # system roots only: must fail
        try:
            with socket.create_connection((host, port)) as raw:
                strict.wrap_socket(raw, server_hostname=host).recv(10)
            raise AssertionError("TLS verified without the peer's CA")
        except ssl.SSLError:
            pass
    finally:
        p.stop()


def metadata_bytes(m):
    """Every byte of the METADATA responses imaplib collected (literals included)."""
    out = []
    for x in m.untagged_responses.pop("METADATA", []):
        out.extend(x if isinstance(x, tuple) else (x,))
    return b" ".join(x for x in out if isinstance(x, bytes))


def ua_public_point():
    """A user agent's P-256 public key as RFC 8291 sends it (base64url, 65 octets), by openssl."""
    key = subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout"],
                         capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "ec", "-pubout", "-outform", "DER", "-conv_form",
                          "uncompressed"], input=key, capture_output=True, check=True).stdout
    return base64.urlsafe_b64encode(der[-65:]).rstrip(b"=").decode()


def check_webpush_imaplib(binary):
    """WEBPUSH with an independent client: capability after login only, the VAPID key as PEM
    (kept across a restart under --data), subscribing, listing, refusals, unsubscribing."""
    d = tempfile.mkdtemp(prefix="coitest-peer-webpush-")
    try:
        data = os.path.join(d, "data")
        p = Peer(binary, "--data", data, "--push-subscription-limit", "2")
        try:
            expect(p.ep["webpush"] is True and "BEGIN PUBLIC KEY" in p.ep["vapid_public_key"],
                   "webpush and the VAPID key in the endpoints JSON", p.ep)
            raw = imaplib.IMAP4(*p.hostport("imap"))
            expect("WEBPUSH" not in caps(raw), "no WEBPUSH before login", caps(raw))
            raw.logout()
            m = p.imap("alice@example.org")
            expect("WEBPUSH" in caps(m), "WEBPUSH after login", caps(m))
            ok(m._simple_command("GETMETADATA", '""', f"{WEBPUSH}/vapid"), "GETMETADATA vapid")
            vapid = metadata_bytes(m)
            expect(b"-----BEGIN PUBLIC KEY-----" in vapid and b"-----END PUBLIC KEY-----" in vapid,
                   "the VAPID key as PEM", vapid)
            sub = {"client": "imaplib", "device": "ci", "msgtype": "chat", "extra": "dropped",
                   "resource": {"endpoint": "https://127.0.0.1:9/push/1",
                                "keys": {"p256dh": ua_public_point(),
                                         "auth": "tBHItJI5svbpez7KI4CCXg=="}}}
            quoted = '"' + json.dumps(sub, separators=(",", ":")).replace('"', '\\"') + '"'
            entry = f"{WEBPUSH}/subscriptions/31754ee7-d3ee-4226-b112-6895ed26fcf8"
            ok(m._simple_command("SETMETADATA", '""', f"({entry} {quoted})"), "subscribe")
            ok(m._simple_command("SETMETADATA", '""', f"({WEBPUSH}/subscriptions/second-one "
                                                      f"{quoted})"), "a second subscription")
            typ, resp = m._simple_command("SETMETADATA", '""',
                                          f"({WEBPUSH}/subscriptions/third-one1 {quoted})")
            expect(typ == "NO", "NO over the subscription limit", (typ, resp))
            typ, resp = m._simple_command("SETMETADATA", '""',
                                          f"({WEBPUSH}/subscriptions/short {quoted})")
            expect(typ == "NO", "NO for a 5-character ID", (typ, resp))
            ok(m._simple_command("GETMETADATA", "(DEPTH 1)", '""', f"({WEBPUSH}/subscriptions)"),
               "list")
            listed = metadata_bytes(m)
            expect(listed.count(b"created") == 2 and b"validated" in listed
                   and b"dropped" not in listed, "two subscriptions with created/validated, no "
                   "unknown member", listed)
            ok(m._simple_command("SETMETADATA", '""', f"({entry} NIL)"), "unsubscribe")
            ok(m._simple_command("GETMETADATA", "(DEPTH 1)", '""', f"({WEBPUSH}/subscriptions)"),
               "list again")
            expect(b"31754ee7" not in metadata_bytes(m), "the subscription gone", "it listed")
            m.logout()
        finally:
            p.stop()
        p2 = Peer(binary, "--data", data)
        try:
            expect(p2.ep["vapid_public_key"] == p.ep["vapid_public_key"],
                   "the same VAPID key after a restart", p2.ep["vapid_public_key"])
        finally:
            p2.stop()
        listing = subprocess.run([binary, "serve", "--list-deviations"], capture_output=True,
                                 text=True, timeout=10)
        for name in ("webpush-before-login", "webpush-unencrypted", "webpush-foreign-vapid-key",
                     "webpush-no-created", "webpush-accept-bad-id", "webpush-push-mdn",
                     "webpush-accept-wrong-validation"):
            expect(name in listing.stdout, f"{name} listed", listing.stdout)
        early = Peer(binary, "--deviate", "webpush-before-login")
        try:
            raw = imaplib.IMAP4(*early.hostport("imap"))
            expect("WEBPUSH" in caps(raw), "WEBPUSH before login when deviating", caps(raw))
            raw.logout()
        finally:
            early.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


CHECKS = {name[len("check_"):].replace("_", "-"): fn for name, fn in globals().items()
          if name.startswith("check_")}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in CHECKS:
        print(f"usage: {sys.argv[0]} COITEST_BINARY {{{'|'.join(CHECKS)}}}", file=sys.stderr)
        sys.exit(2)
    CHECKS[sys.argv[2]](sys.argv[1])
    print(f"{sys.argv[2]}: ok")
