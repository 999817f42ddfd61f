"""The SSRF guard's judgement of addresses and host names, without any traffic: every refused class, the
IPv6 forms that carry an IPv4 address, allowlists, and resolvers that answer with several addresses."""

from __future__ import annotations

import ipaddress

import pytest

from aixgo_cli.tools.base import RequestRefused
from aixgo_cli.tools.ssrf import Allowlist, refusal_reason, vet

NOTHING_ALLOWED = Allowlist.of([])

REFUSED = {
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "192.168.1.1": "private",
    "127.0.0.1": "loopback",
    "127.8.9.10": "loopback",
    "::1": "loopback",
    "169.254.10.20": "link-local",
    "fe80::1": "link-local",
    "100.64.0.1": "carrier-grade NAT",
    "100.127.255.254": "carrier-grade NAT",
    "224.0.0.1": "multicast",
    "ff02::1": "multicast",
    "0.0.0.0": "unspecified",
    "::": "unspecified",
    "240.0.0.1": "reserved",
    "255.255.255.255": "",  # broadcast: refused, by whichever rule comes first
    "169.254.169.254": "cloud metadata",
    "fd00:ec2::254": "cloud metadata",
    "fc00::1": "private",
    "192.0.2.10": "",  # documentation range, not routable
    "::ffff:127.0.0.1": "IPv6 form of 127.0.0.1",
    "::ffff:10.0.0.1": "IPv6 form of 10.0.0.1",
    "::ffff:169.254.169.254": "cloud metadata",
    "::127.0.0.1": "IPv6 form of 127.0.0.1",  # IPv4-compatible
    "64:ff9b::7f00:1": "IPv6 form of 127.0.0.1",  # NAT64
    "64:ff9b::a9fe:a9fe": "cloud metadata",  # NAT64 of 169.254.169.254
    "64:ff9b:1::a00:1": "IPv6 form of 10.0.0.1",  # local-use NAT64
    "2002:7f00:1::1": "IPv6 form of 127.0.0.1",  # 6to4
}


@pytest.mark.parametrize("address", sorted(REFUSED))
def test_every_non_public_class_is_refused(address: str) -> None:
    reason = refusal_reason(ipaddress.ip_address(address))
    assert reason is not None
    assert REFUSED[address] in reason


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


def resolver(*answers: str) -> tuple[list[tuple[str, int]], object]:
    asked: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return list(answers)

    return asked, resolve


def test_a_name_that_resolves_to_a_private_address_is_refused_with_both_named() -> None:
    _, resolve = resolver("10.0.0.7")
    with pytest.raises(RequestRefused, match=r"refused: intranet\.example \(10\.0\.0\.7\) is a private address"):
        vet("intranet.example", 443, NOTHING_ALLOWED, resolve)  # type: ignore[arg-type]


def test_one_private_address_among_public_ones_refuses_the_host() -> None:
    _, resolve = resolver("93.184.216.34", "127.0.0.1")
    with pytest.raises(RequestRefused, match="loopback"):
        vet("mixed.example", 80, NOTHING_ALLOWED, resolve)  # type: ignore[arg-type]


def test_metadata_host_names_are_refused_before_any_lookup() -> None:
    asked, resolve = resolver("8.8.8.8")
    with pytest.raises(RequestRefused, match="cloud metadata host"):
        vet("metadata.google.internal", 80, NOTHING_ALLOWED, resolve)  # type: ignore[arg-type]
    assert asked == []


def test_numeric_spellings_of_loopback_are_judged_by_the_address_they_mean() -> None:
    for spelling in ("2130706433", "0x7f000001", "127.1"):
        with pytest.raises(RequestRefused, match="loopback"):
            vet(spelling, 80, NOTHING_ALLOWED, lambda host, port: ["127.0.0.1"])


def test_the_vetted_address_is_the_one_returned_for_the_connection() -> None:
    asked, resolve = resolver("93.184.216.34")
    assert vet("example.com", 443, NOTHING_ALLOWED, resolve) == "93.184.216.34"  # type: ignore[arg-type]
    assert asked == [("example.com", 443)]


def test_allowlists_accept_names_addresses_networks_and_ports() -> None:
    _, resolve = resolver("10.0.0.7")
    assert vet("intranet.example", 443, Allowlist.of(["intranet.example"]), resolve) == "10.0.0.7"  # type: ignore[arg-type]
    assert vet("intranet.example", 443, Allowlist.of(["10.0.0.0/8"]), resolve) == "10.0.0.7"  # type: ignore[arg-type]
    assert vet("127.0.0.1", 8080, Allowlist.of(["127.0.0.1:8080"]), resolve) == "127.0.0.1"  # type: ignore[arg-type]
    with pytest.raises(RequestRefused):
        vet("127.0.0.1", 9090, Allowlist.of(["127.0.0.1:8080"]), resolve)  # type: ignore[arg-type]
    with pytest.raises(RequestRefused):
        vet("intranet.example", 443, Allowlist.of(["192.168.0.0/16"]), resolve)  # type: ignore[arg-type]


def test_an_allowlisted_network_does_not_open_the_metadata_address_by_accident() -> None:
    with pytest.raises(RequestRefused, match="cloud metadata"):
        vet("169.254.169.254", 80, Allowlist.of(["10.0.0.0/8"]), lambda host, port: [])


def test_an_allowlisted_name_that_resolves_to_a_metadata_address_is_still_refused() -> None:
    _, resolve = resolver("169.254.169.254")
    with pytest.raises(RequestRefused, match="cloud metadata"):
        vet("internal.example", 80, Allowlist.of(["internal.example"]), resolve)  # type: ignore[arg-type]
    assert vet("internal.example", 80, Allowlist.of(["169.254.169.254"]), resolve) == "169.254.169.254"  # type: ignore[arg-type]
