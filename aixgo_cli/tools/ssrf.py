"""The SSRF guard: which addresses an outbound request a workflow or a model controls may reach.

Refused unless allowlisted: private (RFC 1918, ULA), loopback, link-local, CGNAT (100.64/10),
multicast, unspecified, reserved and documentation ranges, the cloud metadata endpoints
(169.254.169.254, fd00:ec2::254, metadata.google.internal), and IPv6 forms that carry an IPv4 address
(IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4
2002::/16, Teredo), which are judged by the IPv4 address inside. In short: only globally routable
addresses pass.

Why check resolved addresses and connect to the one checked: a host name can resolve to a public
address when checked and to 127.0.0.1 a moment later (DNS rebinding). `vet` resolves once, refuses the
host if any address is refused, and returns the address the request must connect to.

An allowlist entry is a host name (`api.example.com`), an address, or a network in CIDR form
(`127.0.0.1/32`, `10.0.0.0/8`), optionally followed by `:PORT` for a host name or an address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from aixgo_cli.config.tool_checks import allow_entry_problem
from aixgo_cli.errors import UserError
from aixgo_cli.tools.base import HostResolver, RequestRefused

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data", "metadata.azure.internal"})
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("100.100.100.200"),
    }
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


@dataclass(frozen=True)
class Allowlist:
    hosts: frozenset[str]  # lower-case names or addresses, possibly with :port
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @classmethod
    def of(cls, entries: Sequence[str]) -> Allowlist:
        hosts: set[str] = set()
        networks = []
        for entry in entries:
            problem = allow_entry_problem(entry)
            if problem is not None:  # validate reports it with its line; a run built in code gets this
                raise UserError(f"allow_hosts: {problem}", hint="use a host name, an address or a CIDR network")
            text = entry.strip().lower()
            if "/" in text:
                networks.append(ipaddress.ip_network(text, strict=False))
            else:
                hosts.add(text)
        return cls(frozenset(hosts), tuple(networks))

    def allows(self, host: str, port: int, address: Address | None) -> bool:
        host = host.lower().strip("[]")
        if host in self.hosts or f"{host}:{port}" in self.hosts:
            return True
        if address is None:
            return False
        text = str(address)
        if text in self.hosts or f"{text}:{port}" in self.hosts or f"[{text}]:{port}" in self.hosts:
            return True
        return any(address in network for network in self.networks if network.version == address.version)


def refusal_reason(address: Address) -> str | None:
    """Why `address` may not be reached, or None for a globally routable address."""
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = refusal_reason(embedded)
            return f"an IPv6 form of {embedded} ({inner})" if inner else None
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT, "a carrier-grade NAT address (100.64/10)"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "not a globally routable address"),
    )
    return next((reason for refused, reason in checks if refused), None)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or address in _NAT64_LOCAL or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def vet(host: str, port: int, allow: Allowlist, resolve: HostResolver) -> str:
    """The address to connect to for `host:port`, or `RequestRefused` naming why not."""
    name = host.lower().strip("[]").rstrip(".")
    literal = _literal(name)
    if name in METADATA_HOSTS and not allow.allows(name, port, None):
        raise RequestRefused(f"refused: {host} is a cloud metadata host")
    if literal is not None:
        addresses: list[Address] = [literal]
    else:
        try:  # an allowlisted name too: the request connects to the address resolved here, once
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolve(name, port)]
        except OSError as exc:
            raise RequestRefused(f"cannot resolve {host}: {exc.strerror or exc}") from None
        if not addresses:
            raise RequestRefused(f"cannot resolve {host}: no address")
    for address in addresses:
        reason = refusal_reason(address)
        # A metadata address needs its own allowlist entry: an allowlisted name whose DNS now points at
        # 169.254.169.254 must not open the instance's credentials.
        allowed = allow.allows("", port, address) if _is_metadata(address) else allow.allows(name, port, address)
        if reason is not None and not allowed:
            shown = host if literal is not None else f"{host} ({address})"
            raise RequestRefused(f"refused: {shown} is {reason}; add it to the tool's allow_hosts if this is intended")
    return str(addresses[0])


def _is_metadata(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return embedded in METADATA_ADDRESSES
    return address in METADATA_ADDRESSES


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
