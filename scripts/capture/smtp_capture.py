"""A capturing SMTP submission server (stdlib only) for scripts/capture-deltachat.

Dovecot has no submission service in scripts/dovecot-start (NOTES §3: Dovecot's own submission
cannot relay to its LMTP), so the capture script puts this small server in front of Dovecot's
LMTP: a client submits here (AUTH PLAIN/LOGIN, optional STARTTLS), every message is saved exactly
as the client sent it (after SMTP dot-unstuffing, nothing else changed), and then delivered
unchanged to the recipients' Dovecot mailboxes over LMTP.

Limits: 1000-octet command lines, 50 MiB per message, 100 recipients, 60 s idle per connection.
"""
import base64
import smtplib
import socket
import ssl
import threading
import time

MAX_LINE = 1000
MAX_MESSAGE = 50 << 20
MAX_RCPT = 100


class Submission:
    def __init__(self, seq, user, mail_from, rcpts, data):
        self.seq = seq
        self.time = time.time()
        self.user = user
        self.mail_from = mail_from
        self.rcpts = rcpts
        self.data = data  # bytes, CRLF line ends as submitted


class CaptureServer:
    """Listens on 127.0.0.1 (port 0: the kernel picks one); one thread per connection."""

    def __init__(self, users, lmtp_port, tls_cert=None, tls_key=None, host="127.0.0.1"):
        self.users = dict(users)  # address -> password
        self.lmtp_port = lmtp_port
        self.tls = None
        if tls_cert and tls_key:
            self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.tls.load_cert_chain(tls_cert, tls_key)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Condition()
        self.submissions = []
        self.errors = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def count(self):
        with self.lock:
            return len(self.submissions)

    def since(self, mark):
        with self.lock:
            return list(self.submissions[mark:])

    def wait_for(self, mark, n, timeout):
        """Waits until at least n submissions arrived after mark; returns them."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(self.submissions) - mark < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.lock.wait(left)
            return list(self.submissions[mark:])

    def close(self):
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            Session(self, conn).run()
        except Exception as e:  # a broken connection must not stop the server
            with self.lock:
                self.errors.append(repr(e))
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _deliver(self, user, mail_from, rcpts, data):
        # One LMTP transaction per recipient: LMTP answers DATA once per recipient, and
        # smtplib.LMTP reads only one of those answers.
        for rcpt in rcpts:
            with smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=30) as lmtp:
                lmtp.sendmail(mail_from, [rcpt], data)
        with self.lock:
            self.submissions.append(Submission(len(self.submissions) + 1, user, mail_from, rcpts,
                                               data))
            self.lock.notify_all()


class Session:
    def __init__(self, server, conn):
        self.server = server
        self.conn = conn
        self.conn.settimeout(60)
        self.buf = b""
        self.user = None
        self.tls_active = False

    def send(self, text):
        self.conn.sendall(text.encode() + b"\r\n")

    def readline(self, limit=MAX_LINE + 2):
        while b"\n" not in self.buf:
            if len(self.buf) > limit:
                raise ValueError("line too long")
            chunk = self.conn.recv(65536)
            if not chunk:
                raise EOFError("client closed the connection")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def read_data(self):
        lines = []
        size = 0
        while True:
            line = self.readline(limit=MAX_MESSAGE)
            if line in (b".\r\n", b".\n"):
                break
            if line.startswith(b"."):
                line = line[1:]  # RFC 5321 §4.5.2 dot-unstuffing
            size += len(line)
            if size > MAX_MESSAGE:
                raise ValueError("message larger than 50 MiB")
            lines.append(line)
        return b"".join(lines)

    def auth_ok(self, user, password):
        return self.server.users.get(user) == password

    def run(self):
        self.send("220 127.0.0.1 coitest capture ESMTP")
        mail_from, rcpts = None, []
        while True:
            raw = self.readline()
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            arg = line[len(verb):].strip()
            if verb in ("EHLO", "HELO"):
                if verb == "HELO":
                    self.send("250 127.0.0.1")
                    continue
                caps = ["127.0.0.1", "8BITMIME", "PIPELINING", f"SIZE {MAX_MESSAGE}",
                        "AUTH PLAIN LOGIN"]
                if self.server.tls and not self.tls_active:
                    caps.append("STARTTLS")
                for c in caps[:-1]:
                    self.send("250-" + c)
                self.send("250 " + caps[-1])
            elif verb == "STARTTLS" and self.server.tls and not self.tls_active:
                self.send("220 go ahead")
                self.conn = self.server.tls.wrap_socket(self.conn, server_side=True)
                self.tls_active = True
                self.buf = b""
                mail_from, rcpts, self.user = None, [], None
            elif verb == "AUTH":
                parts = arg.split()
                mech = parts[0].upper() if parts else ""
                if mech == "PLAIN":
                    if len(parts) > 1:
                        blob = parts[1]
                    else:
                        self.send("334 ")
                        blob = self.readline().decode().strip()
                    try:
                        _, user, password = base64.b64decode(blob).decode().split("\0")
                    except Exception:
                        self.send("501 malformed AUTH PLAIN")
                        continue
                elif mech == "LOGIN":
                    try:
                        if len(parts) > 1:
                            user = base64.b64decode(parts[1]).decode()
                        else:
                            self.send("334 VXNlcm5hbWU6")
                            user = base64.b64decode(self.readline().strip()).decode()
                        self.send("334 UGFzc3dvcmQ6")
                        password = base64.b64decode(self.readline().strip()).decode()
                    except Exception:
                        self.send("501 malformed AUTH LOGIN")
                        continue
                else:
                    self.send("504 mechanism not supported")
                    continue
                if self.auth_ok(user, password):
                    self.user = user
                    self.send("235 authenticated")
                else:
                    self.send("535 authentication failed")
            elif verb == "MAIL":
                if self.user is None:
                    self.send("530 authentication required")
                    continue
                mail_from = arg.split(":", 1)[1].strip().split(" ")[0].strip("<>")
                rcpts = []
                self.send("250 ok")
            elif verb == "RCPT":
                if mail_from is None:
                    self.send("503 MAIL first")
                    continue
                if len(rcpts) >= MAX_RCPT:
                    self.send("452 too many recipients")
                    continue
                rcpts.append(arg.split(":", 1)[1].strip().split(" ")[0].strip("<>"))
                self.send("250 ok")
            elif verb == "DATA":
                if not rcpts:
                    self.send("503 RCPT first")
                    continue
                self.send("354 end with <CRLF>.<CRLF>")
                data = self.read_data()
                try:
                    self.server._deliver(self.user, mail_from, rcpts, data)
                    self.send("250 delivered")
                except Exception as e:
                    with self.server.lock:
                        self.server.errors.append(f"delivery: {e}")
                    self.send("451 delivery failed")
                mail_from, rcpts = None, []
            elif verb == "RSET":
                mail_from, rcpts = None, []
                self.send("250 ok")
            elif verb == "NOOP":
                self.send("250 ok")
            elif verb == "QUIT":
                self.send("221 bye")
                return
            else:
                self.send("502 not implemented")
