"""An office behind a real wide-area link: its own network namespace joined to the root namespace (the
centre: ``ktp serve``, PostgreSQL on loopback) by a veth pair, shaped with ``tc ... tbf`` and made lossy
with ``iptables -m statistic --mode random`` inside the office (these kernels have no ``netem``).

Needs root, Debian's ``iproute2`` and ``iptables`` (scripts/system-packages.txt). Everything made here is
removed by :meth:`OfficeNet.close` (deleting the namespace removes both ends of the veth pair and the
office's firewall rules; the root side's qdisc goes with its device)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

TOOLS = ("ip", "tc", "iptables")


class NetnsUnavailable(Exception):
    """Not root, a tool missing, or the kernel refused a namespace."""


def _run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise NetnsUnavailable(f"{' '.join(args)}: {done.stderr.strip() or done.returncode}")
    return done.stdout


class OfficeNet:
    """One office: namespace ``ns``, address ``office_ip``; the centre is ``centre_ip`` on the veth."""

    def __init__(self, tag: str) -> None:
        missing = [t for t in TOOLS if shutil.which(t) is None]
        if missing:
            raise NetnsUnavailable(f"missing {', '.join(missing)} (Debian: iproute2, iptables)")
        if os.geteuid() != 0:
            raise NetnsUnavailable("network namespaces need root")
        n = (os.getpid() + sum(tag.encode()) * 131) % 16000  # unique per test process and tag
        self.ns = f"ktp{tag}{n}"[:15]
        self.host_if, self.office_if = f"kc{tag}{n}"[:15], f"ko{tag}{n}"[:15]
        net = 4 * (n % 64)
        self.centre_ip, self.office_ip = (
            f"10.214.{n // 64 % 250}.{net + 1}",
            f"10.214.{n // 64 % 250}.{net + 2}",
        )
        self._cuts: list[list[str]] = []
        self.close()  # what a killed earlier run may have left
        try:
            _run("ip", "netns", "add", self.ns)
            _run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.office_if)
            _run("ip", "link", "set", self.office_if, "netns", self.ns)
            _run("ip", "addr", "add", f"{self.centre_ip}/30", "dev", self.host_if)
            _run("ip", "link", "set", self.host_if, "up")
            self.inside("ip", "addr", "add", f"{self.office_ip}/30", "dev", self.office_if)
            self.inside("ip", "link", "set", self.office_if, "up")
            self.inside("ip", "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise

    def inside(self, *args: str) -> str:
        return _run(*self.command(*args))

    def command(self, *args: str) -> list[str]:
        """``args`` run inside the office (``ip netns exec`` execs them: the pid is the command's own)."""
        return ["ip", "netns", "exec", self.ns, *args]

    def shape(self, rate: str, *, burst: str = "8kb", latency: str = "300ms") -> None:
        """Both directions limited to ``rate`` (e.g. ``256kbit``) by a token bucket on each end."""
        for where, dev in ((_run, self.host_if), (self.inside, self.office_if)):
            where(
                "tc",
                "qdisc",
                "replace",
                "dev",
                dev,
                "root",
                "tbf",
                "rate",
                rate,
                "burst",
                burst,
                "latency",
                latency,
            )

    def lossy(self, probability: float) -> None:
        """Each packet in or out of the office dropped with ``probability`` (TCP retransmits)."""
        for chain in ("INPUT", "OUTPUT"):
            self.inside(
                "iptables", "-A", chain, "-m", "statistic", "--mode", "random",
                "--probability", f"{probability}", "-j", "DROP",
            )  # fmt: skip

    def cut(self, port: int) -> None:
        """The link to the centre's ``port`` goes dead: every packet either way is dropped, open connections
        hang (no reset: the agent learns it only by its own timeout). The office's LAN still works."""
        if self._cuts:
            return
        self._cuts = [
            ["OUTPUT", "-p", "tcp", "-d", self.centre_ip, "--dport", str(port), "-j", "DROP"],
            ["INPUT", "-p", "tcp", "-s", self.centre_ip, "--sport", str(port), "-j", "DROP"],
        ]
        for rule in self._cuts:
            self.inside("iptables", "-I", *rule)

    def heal(self) -> None:
        for rule in self._cuts:
            self.inside("iptables", "-D", *rule)
        self._cuts = []

    @property
    def is_cut(self) -> bool:
        return bool(self._cuts)

    def bytes_on_link(self) -> tuple[int, int]:
        """(to the office, from the office) in bytes, as the centre's end of the veth counted them
        (Ethernet frames: TCP/IP headers, retransmissions and acknowledgements included)."""
        stats = Path(f"/sys/class/net/{self.host_if}/statistics")
        return int((stats / "tx_bytes").read_text()), int((stats / "rx_bytes").read_text())

    def close(self) -> None:
        with contextlib.suppress(NetnsUnavailable, subprocess.TimeoutExpired):
            _run("ip", "netns", "del", self.ns)
        with contextlib.suppress(NetnsUnavailable, subprocess.TimeoutExpired):
            _run("ip", "link", "del", self.host_if)  # normally gone with the namespace
