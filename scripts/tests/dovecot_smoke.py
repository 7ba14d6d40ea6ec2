#!/usr/bin/env python3
"""Smoke tests of the private Dovecot started by scripts/dovecot-start (the ctest fixture).

They check that the fixture itself works, so that an integration test failing later points at
coitest and not at the environment. TLS is always verified against the fixture's own CA.

usage: dovecot_smoke.py greets|roundtrip|metadata [DIR]
DIR defaults to $COITEST_DOVECOT_DIR. Exit 0 on success, 1 with a message on failure.
"""

import email.utils
import imaplib
import os
import smtplib
import socket
import ssl
import sys
import uuid

HOST = "127.0.0.1"
# The fixture reserves this account for these tests: integration tests never touch it.
USER = "smoke@example.org"
TIMEOUT = 10  # seconds per socket operation; a hang becomes a failure, not a stuck ctest


class SmokeFailure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise SmokeFailure(message)


def load_env(directory):
    env = {}
    with open(os.path.join(directory, "env"), encoding="ascii") as f:
        for line in f:
            key, sep, value = line.strip().partition("=")
            if sep:
                env[key] = value
    for key in ("IMAP_PORT", "IMAPS_PORT", "LMTP_PORT", "CA"):
        check(f"COITEST_DOVECOT_{key}" in env, f"{directory}/env lacks COITEST_DOVECOT_{key}")
    return env


def password(directory, user):
    with open(os.path.join(directory, "passwords", user.split("@")[0] + ".pass"),
              encoding="ascii") as f:
        return f.readline().strip()


def read_line(sock, limit=8192):
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
        check(len(data) <= limit, f"line longer than {limit} bytes")
    return data


def greets(directory, env):
    ctx = ssl.create_default_context(cafile=env["COITEST_DOVECOT_CA"])

    # IMAPS: handshake verified for both names the certificate claims, then the greeting.
    for name in ("127.0.0.1", "localhost"):
        with socket.create_connection((HOST, int(env["COITEST_DOVECOT_IMAPS_PORT"])),
                                      timeout=TIMEOUT) as raw:
            with ctx.wrap_socket(raw, server_hostname=name) as tls:
                line = read_line(tls)
                check(line.startswith(b"* OK"), f"IMAPS greeting (as {name}): {line!r}")
    print(f"imaps greeting ok, certificate verified as 127.0.0.1 and localhost: {line.strip()!r}")

    # Verification is really on: the system trust store must reject the private certificate.
    with socket.create_connection((HOST, int(env["COITEST_DOVECOT_IMAPS_PORT"])),
                                  timeout=TIMEOUT) as raw:
        try:
            ssl.create_default_context().wrap_socket(raw, server_hostname=HOST).close()
            raise SmokeFailure("a client without the private CA accepted the certificate")
        except ssl.SSLCertVerificationError:
            pass
    print("imaps certificate rejected without the private CA, as it must be")

    # IMAP with STARTTLS. (Dovecot counts a connection whose remote and local addresses are
    # equal as secured, so on 127.0.0.1 it allows LOGIN before STARTTLS too: not checked here.)
    imap = imaplib.IMAP4(HOST, int(env["COITEST_DOVECOT_IMAP_PORT"]), timeout=TIMEOUT)
    try:
        caps = imap.capabilities
        check("STARTTLS" in caps, f"no STARTTLS in {caps}")
        imap.starttls(ssl_context=ctx)
        check(isinstance(imap.sock, ssl.SSLSocket), "STARTTLS did not switch to TLS")
        imap.login(USER, password(directory, USER))
        check("METADATA" in imap.capabilities or "METADATA" in imap.capability()[1][0].decode(),
              "no METADATA capability after login")
        imap.logout()
    finally:
        try:
            imap.shutdown()
        except OSError:
            pass
    print("imap+starttls ok: certificate verified, login after STARTTLS, METADATA advertised")

    # LMTP greeting.
    with socket.create_connection((HOST, int(env["COITEST_DOVECOT_LMTP_PORT"])),
                                  timeout=TIMEOUT) as sock:
        line = read_line(sock)
        check(line.startswith(b"220 "), f"LMTP greeting: {line!r}")
    print(f"lmtp greeting ok: {line.strip()!r}")


def imaps_login(directory, env):
    ctx = ssl.create_default_context(cafile=env["COITEST_DOVECOT_CA"])
    imap = imaplib.IMAP4_SSL(HOST, int(env["COITEST_DOVECOT_IMAPS_PORT"]), ssl_context=ctx,
                             timeout=TIMEOUT)
    imap.login(USER, password(directory, USER))
    return imap


def roundtrip(directory, env):
    token = uuid.uuid4().hex
    message_id = f"<smoke.{token}@coitest.invalid>"
    message = (f"From: smoke@example.org\r\nTo: {USER}\r\nSubject: smoke {token}\r\n"
               f"Message-ID: {message_id}\r\nDate: {email.utils.formatdate()}\r\n"
               f"\r\nbody {token}\r\n")
    lmtp = smtplib.LMTP(HOST, int(env["COITEST_DOVECOT_LMTP_PORT"]), timeout=TIMEOUT)
    try:
        refused = lmtp.sendmail("sender@example.net", [USER], message.encode("ascii"))
        check(not refused, f"LMTP refused the recipient: {refused}")
    finally:
        lmtp.quit()
    print(f"delivered {message_id} over LMTP")

    imap = imaps_login(directory, env)
    try:
        typ, _ = imap.select("INBOX", readonly=True)
        check(typ == "OK", "SELECT INBOX failed")
        # LMTP answers 250 only after the message is stored, so no waiting is needed.
        typ, data = imap.uid("SEARCH", "HEADER", "Message-ID", message_id)
        check(typ == "OK", f"UID SEARCH failed: {data}")
        uids = data[0].split()
        check(len(uids) == 1, f"expected exactly one message with {message_id}, found {uids}")
        typ, data = imap.uid("FETCH", uids[0], "(BODY.PEEK[TEXT])")
        check(typ == "OK" and data and isinstance(data[0], tuple), f"FETCH failed: {data}")
        check(f"body {token}".encode() in data[0][1], f"unexpected body: {data[0][1][:200]!r}")
        imap.close()
        imap.logout()
    finally:
        try:
            imap.shutdown()
        except OSError:
            pass
    print(f"found {message_id} over IMAPS with the delivered body")


def metadata(directory, env):
    imaplib.Commands["SETMETADATA"] = ("AUTH", "SELECTED")
    imaplib.Commands["GETMETADATA"] = ("AUTH", "SELECTED")
    entry = "/private/vendor/vendor.coitest/smoke"
    value = uuid.uuid4().hex
    imap = imaps_login(directory, env)
    try:
        typ, data = imap._simple_command("SETMETADATA", '""', f"({entry} {value})")
        check(typ == "OK", f"SETMETADATA failed: {data}")
        typ, data = imap._simple_command("GETMETADATA", '""', entry)
        check(typ == "OK", f"GETMETADATA failed: {data}")
        _, lines = imap._untagged_response(typ, data, "METADATA")
        text = b" ".join(x if isinstance(x, bytes) else b"".join(x) for x in lines if x)
        check(value.encode() in text, f"GETMETADATA did not return the stored value: {text!r}")
        imap.logout()
    finally:
        try:
            imap.shutdown()
        except OSError:
            pass
    print(f"METADATA ok: {entry} stored and read back")


def main(argv):
    tests = {"greets": greets, "roundtrip": roundtrip, "metadata": metadata}
    if len(argv) not in (2, 3) or argv[1] not in tests:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    directory = argv[2] if len(argv) == 3 else os.environ.get("COITEST_DOVECOT_DIR", "")
    if not directory:
        print("no DIR given and COITEST_DOVECOT_DIR is not set", file=sys.stderr)
        return 2
    try:
        tests[argv[1]](directory, load_env(directory))
    except (SmokeFailure, OSError, imaplib.IMAP4.error, smtplib.SMTPException) as e:
        print(f"FAIL {argv[1]}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(f"PASS {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
