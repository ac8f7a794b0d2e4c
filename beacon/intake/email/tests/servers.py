"""Real servers for the live tests: a private Dovecot (IMAP over TLS) and aiosmtpd (SMTP + STARTTLS).

Dovecot runs from a config of its own in a scratch directory, on a port of our range, with a
self-signed certificate made for the test and one passwd-file user. Clients trust the
certificate through SSL_CERT_FILE (ssl.create_default_context reads it), so TLS is verified.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from beacon.core.tests.workers import xdist_worker_number

DOVECOT = "/usr/sbin/dovecot"


def _port(variable: str, base: int) -> int:
    """The port of a test server: `variable` when set, else `base` plus 10 per pytest-xdist
    worker (gw0 8143, gw1 8153, ...), so that workers running live tests side by side each
    start their own servers."""
    if variable in os.environ:
        return int(os.environ[variable])
    return base + 10 * xdist_worker_number()


IMAP_PORT = _port("BEACON_TEST_IMAP_PORT", 8143)
SMTP_PORT = _port("BEACON_TEST_SMTP_PORT", 8125)
USER = "support@beacon.test"
PASSWORD = "imap-test-password"


def make_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _wait_port(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


@dataclass
class Dovecot:
    root: Path
    port: int
    maildir: Path
    user: str = USER
    password: str = PASSWORD

    def deliver(self, name: str, raw: bytes) -> None:
        """Put a message into the INBOX as an MTA would (a file in Maildir/new)."""
        target = self.maildir / "new" / name
        target.write_bytes(raw)
        uid = pwd.getpwnam("dovecot").pw_uid
        os.chown(target, uid, grp.getgrnam("dovecot").gr_gid)


@contextmanager
def dovecot(
    cert: Path, key: Path, *, oauth2_introspection_url: str = ""
) -> Iterator[Dovecot]:
    """With `oauth2_introspection_url`, XOAUTH2 tokens are checked against that endpoint
    (RFC 7662 introspection, as for an identity provider) besides passwords."""
    if not Path(DOVECOT).exists():
        raise RuntimeError(
            "Dovecot is missing: apt-get install dovecot-imapd (make system-deps)"
        )
    root = Path(tempfile.mkdtemp(prefix="beacon-dovecot-"))
    root.chmod(0o755)
    mail_user = pwd.getpwnam("dovecot")
    home = root / "home"
    maildir = home / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for path in [home, maildir, *(maildir / s for s in ("new", "cur", "tmp"))]:
        os.chown(path, mail_user.pw_uid, mail_user.pw_gid)
    shutil.copy(cert, root / "cert.pem")
    shutil.copy(key, root / "key.pem")
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    oauth2 = ""
    mechanisms = "plain login"
    if oauth2_introspection_url:
        mechanisms += " xoauth2 oauthbearer"
        (root / "oauth2.conf.ext").write_text(
            f"introspection_mode = post\nintrospection_url = {oauth2_introspection_url}\n"
            "username_attribute = username\nactive_attribute = active\nactive_value = true\n"
        )
        oauth2 = f"""
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
"""
    config = root / "dovecot.conf"
    config.write_text(
        f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
auth_mechanisms = {mechanisms}
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = {mail_user.pw_uid}
mail_location = maildir:{maildir}
{oauth2}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={home}
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {IMAP_PORT}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        try:
            _wait_port(IMAP_PORT)
        except TimeoutError as exc:
            log = (
                (root / "dovecot.log").read_text()
                if (root / "dovecot.log").exists()
                else ""
            )
            raise RuntimeError(f"Dovecot did not start: {log[-2000:]}") from exc
        yield Dovecot(root=root, port=IMAP_PORT, maildir=maildir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class SmtpSink:
    messages: list[bytes] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(bytes(envelope.content))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@contextmanager
def smtp_server(cert: Path, key: Path) -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    sink = SmtpSink()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=SMTP_PORT,
        tls_context=context,
        require_starttls=True,
    )
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
