"""Is the sender of a message who the From header says? And the per-ticket reply tokens.

A message may join an existing ticket only when the sender is authenticated by one of:
1. a DMARC-aligned pass in an Authentication-Results header written by a receiving host we
   trust (EMAIL_TRUSTED_AUTHSERV_IDS); headers from anyone else are ignored, since any sender
   can write one;
2. our own DKIM verification of a signature whose domain aligns with the From domain;
3. the ticket's signed reply token in the address it was sent to (support+<token>@...) plus an
   SPF or DKIM pass (trusted header or our own check) for any domain.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import dkim
from django.conf import settings

from beacon.intake.email.parsing import ParsedEmail

logger = logging.getLogger(__name__)

DnsLookup = Callable[..., bytes | None]
_dns_override: DnsLookup | None = None
_RESULT_RE = re.compile(r"\b(dmarc|dkim|spf)\s*=\s*([a-z]+)([^;]*)", re.IGNORECASE)
_PROPERTY_RE = re.compile(r"\b([a-z]+\.[a-z-]+)\s*=\s*\"?([^\s;\"]+)", re.IGNORECASE)
TOKEN_LENGTH = 16


def set_dns_lookup(lookup: DnsLookup | None) -> None:
    """Replace DKIM's DNS lookups (tests serve recorded TXT records; None restores DNS)."""
    global _dns_override
    _dns_override = lookup


def organisational(domain: str) -> str:
    """Relaxed alignment without a public-suffix list: the last two labels (three for the
    common two-part suffixes such as .com.cn)."""
    labels = domain.lower().strip(".").split(".")
    if len(labels) >= 3 and labels[-2] in {
        "com",
        "net",
        "org",
        "gov",
        "edu",
        "co",
        "ac",
    }:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def aligned(domain: str, from_domain: str) -> bool:
    return bool(domain) and organisational(domain) == organisational(from_domain)


@dataclass(frozen=True)
class AuthResult:
    dmarc_pass: bool = False
    dkim_domains: tuple[str, ...] = ()
    spf_pass: bool = False
    source: str = ""

    def summary(self) -> str:
        parts = [
            f"dmarc={'pass' if self.dmarc_pass else 'none/fail'}",
            f"dkim={','.join(self.dkim_domains) or 'none/fail'}",
            f"spf={'pass' if self.spf_pass else 'none/fail'}",
        ]
        return f"{self.source}: " + " ".join(parts)


def trusted_results(parsed: ParsedEmail) -> AuthResult | None:
    """The first Authentication-Results written by a trusted authserv-id (the topmost is the
    nearest hop); None when there is none."""
    trusted = {name.lower() for name in settings.EMAIL_TRUSTED_AUTHSERV_IDS}
    if not trusted:
        return None
    for header in parsed.auth_results:
        authserv_id, _sep, rest = header.partition(";")
        if (
            authserv_id.strip().split()[0:1]
            and authserv_id.strip().split()[0].lower() in trusted
        ):
            dmarc_pass = False
            spf_pass = False
            dkim_domains: list[str] = []
            for method, result, properties in _RESULT_RE.findall(rest):
                method, result = method.lower(), result.lower()
                values = {
                    k.lower(): v.lower() for k, v in _PROPERTY_RE.findall(properties)
                }
                if result != "pass":
                    continue
                if method == "dmarc":
                    header_from = values.get("header.from", parsed.from_domain)
                    dmarc_pass = header_from == parsed.from_domain
                elif method == "dkim":
                    domain = (
                        values.get("header.d")
                        or values.get("header.i", "").split("@")[-1]
                    )
                    if domain:
                        dkim_domains.append(domain)
                elif method == "spf":
                    spf_pass = True
            return AuthResult(
                dmarc_pass=dmarc_pass,
                dkim_domains=tuple(dkim_domains),
                spf_pass=spf_pass,
                source=f"authserv-id {authserv_id.strip().split()[0].lower()}",
            )
    return None


def verify_dkim(raw: bytes) -> tuple[str, ...]:
    """Domains of the DKIM signatures that verify (we fetch the keys from DNS ourselves)."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    count = len(re.findall(rb"(?im)^dkim-signature\s*:", head))
    domains = []
    kwargs = {"dnsfunc": _dns_override} if _dns_override else {}
    for index in range(min(count, 5)):
        verifier = dkim.DKIM(raw, logger=logger)
        try:
            ok = verifier.verify(idx=index, **kwargs)
        except (dkim.DKIMException, ValueError, IndexError) as exc:
            logger.info("DKIM signature %s did not verify: %s", index, exc)
            continue
        if ok and isinstance(verifier.domain, bytes):
            domains.append(verifier.domain.decode("ascii", "replace").lower())
    return tuple(domains)


@dataclass(frozen=True)
class Identity:
    """What we know about the sender; `aligned` means the From address is authenticated."""

    aligned: bool
    spf_or_dkim: bool
    summary: str


def check_sender(parsed: ParsedEmail, raw: bytes) -> Identity:
    header = trusted_results(parsed)
    own_dkim = verify_dkim(raw)
    dkim_domains = set(own_dkim) | set(header.dkim_domains if header else ())
    is_aligned = bool(header and header.dmarc_pass) or any(
        aligned(domain, parsed.from_domain) for domain in dkim_domains
    )
    spf_or_dkim = bool(dkim_domains) or bool(header and header.spf_pass)
    summary = header.summary() if header else "no trusted Authentication-Results"
    if own_dkim:
        summary += f"; own DKIM check: {','.join(own_dkim)}"
    return Identity(aligned=is_aligned, spf_or_dkim=spf_or_dkim, summary=summary[:300])


# --- reply tokens ------------------------------------------------------------------------------


def reply_token(ticket_reference: str) -> str:
    """`bx7k3f9qd2-<16 chars>`: the reference and an HMAC of it, lower case (local parts may be
    case-folded on the way)."""
    key = hashlib.sha256(
        ("beacon.intake.email.reply:" + settings.SECRET_KEY).encode()
    ).digest()
    mac = hmac.new(key, ticket_reference.upper().encode(), hashlib.sha256).digest()
    signature = base64.b32encode(mac).decode().lower()[:TOKEN_LENGTH]
    return f"{ticket_reference.lower().replace('-', '')}-{signature}"


def reply_address(mailbox_address: str, ticket_reference: str) -> str:
    local, _at, domain = mailbox_address.partition("@")
    return f"{local}+{reply_token(ticket_reference)}@{domain}"


def reference_from_token(recipients: list[str], mailbox_address: str) -> str | None:
    """The ticket reference of a valid reply token in any recipient address, or None."""
    local, _at, domain = mailbox_address.lower().partition("@")
    for address in recipients:
        match = re.fullmatch(
            rf"{re.escape(local)}\+bx([0-9a-z]{{8}})-([a-z2-7]{{{TOKEN_LENGTH}}})@{re.escape(domain)}",
            address.lower(),
        )
        if not match:
            continue
        reference = f"BX-{match.group(1).upper()}"
        if hmac.compare_digest(
            reply_token(reference), f"bx{match.group(1)}-{match.group(2)}"
        ):
            return reference
    return None
