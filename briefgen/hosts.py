"""Which requests a local server answers: the Host it is reached by, and an access token.

A page served on 127.0.0.1 can still be read by a hostile web site through DNS
rebinding (its own name made to resolve to 127.0.0.1): the browser then sends
that site's name in the Host header.  `serve` and `watch` answer only requests
addressed to the name they listen on (on every interface: this computer's names
and any IP address).  When they listen on any address but 127.0.0.1, ::1 and
localhost (another 127.x address too), every request must also carry the access
token printed at start (then kept in a cookie), so that only the people it was
given to reach the dossiers.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import secrets
import socket
from dataclasses import dataclass, field
from urllib.parse import quote

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})
TOKEN_COOKIE = "briefgen_token"
"""The start of the access-token cookie's name; `token_cookie` gives the whole name."""
TOKEN_PARAMETER = "token"


def token_cookie(token: str) -> str:
    """The name of the cookie that keeps `token`: one per server, the same for one token.

    Cookies ignore ports: with one name for all, two servers on one machine (`serve` and
    `watch`, two workspaces) would overwrite each other's cookie, and opening one would
    lock a rep out of the other.  The name ends with 8 hex digits of the token's SHA-256,
    which tell nothing of the token itself.
    """
    return f"{TOKEN_COOKIE}_{hashlib.sha256(token.encode()).hexdigest()[:8]}"


def is_loopback(host: str) -> bool:
    """True if only this computer can reach `host` (127.0.0.0/8, ::1, localhost)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def needs_token(host: str) -> bool:
    """True unless `host` is 127.0.0.1, ::1 or localhost: the addresses served without
    an access token (any other, 127.0.0.2 included, asks for one)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return False
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return True
    return address not in (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))


def is_address(name: str) -> bool:
    """True if `name` is an IP address rather than a DNS name."""
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def host_name(header: str) -> str:
    """The name part of a Host header, lower-case, without port or IPv6 brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


@dataclass(frozen=True)
class Guard:
    """What a server listening on `host` accepts: Host names, and a token but on 127.0.0.1,
    ::1 and localhost."""

    names: frozenset[str]
    token: str | None = field(default=None, repr=False)
    """The access token every request must carry, or None on 127.0.0.1, ::1, localhost."""
    any_address: bool = False
    """Also accept any IP address as Host (a server on every interface): DNS rebinding
    needs a name, and the token is required anyway."""

    def host_ok(self, header: str | None) -> bool:
        if not header:
            return False
        name = host_name(header)
        return name in self.names or (self.any_address and is_address(name))

    def token_ok(self, given: str | None) -> bool:
        if self.token is None:
            return True
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    @property
    def cookie(self) -> str | None:
        """The name of the cookie keeping this server's token (None without a token)."""
        return None if self.token is None else token_cookie(self.token)

    def token_from_cookies(self, header: str | None) -> str | None:
        """The token sent in this server's cookie of a Cookie header, if any, whatever
        other cookies it holds."""
        # Cookies ignore the port: those of other local servers come along, in any form.
        wanted = self.cookie
        for pair in (header or "").split(";"):
            name, equals, value = pair.partition("=")
            if equals and wanted is not None and name.strip() == wanted:
                return value.strip().strip('"')
        return None


def guard_for(host: str, token: str | None = None) -> Guard:
    """The guard of a server listening on `host`: its own names only; but on 127.0.0.1,
    ::1 and localhost, a token (the one given, or a new random one)."""
    listen = host_name(host) if host.startswith("[") else host.lower()
    names = {listen}
    if is_loopback(listen) or listen in WILDCARDS:
        names |= LOOPBACK_NAMES
    if listen in WILDCARDS:
        hostname = socket.gethostname().lower()
        names |= {hostname, socket.getfqdn().lower()}
        with contextlib.suppress(OSError):
            names |= set(socket.gethostbyname_ex(hostname)[2])
    names.discard("")
    if not needs_token(listen):
        return Guard(frozenset(names))
    token = token or secrets.token_urlsafe(24)
    return Guard(frozenset(names), token, any_address=listen in WILDCARDS)


def network_address() -> str | None:
    """This computer's address on the network it reaches others by, if it has one."""
    # Connecting a UDP socket picks the outgoing interface without sending anything.
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))
        address = str(probe.getsockname()[0])
        return None if is_loopback(address) or address == "0.0.0.0" else address
    return None


def url_for_host(host: str, port: int, guard: Guard) -> str:
    """The address to open, with the access token when one is needed; a server on every
    interface (0.0.0.0) is shown at its network address."""
    if host.strip("[]") in WILDCARDS:
        host = network_address() or "127.0.0.1"
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    query = f"?{TOKEN_PARAMETER}={quote(guard.token, safe='')}" if guard.token else ""
    return f"http://{shown}:{port}/{query}"
