#!/usr/bin/env python3
"""Memory per idle connection of a running `rongtong serve` (docs/PERFORMANCE.md).

Opens N connections to ADDR, half of which send one keep-alive request and read its answer
while the other half send nothing, then prints the server's VmRSS before and after and the
difference per connection. Usage: idle-connections.py PID HOST:PORT [N]
(run `ulimit -n 4096` first for N near 1,000; the server's header timeout must exceed the
few seconds this takes).
"""
import socket
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("no VmRSS")


def main():
    pid, addr = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    host, port = addr.rsplit(":", 1)
    # Warm up: one request, so lazily built state is not counted per connection.
    s = socket.create_connection((host, int(port)))
    s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    while s.recv(65536):
        pass
    s.close()
    time.sleep(0.5)
    before = rss_kib(pid)
    conns = []
    for i in range(n):
        c = socket.create_connection((host, int(port)))
        if i % 2 == 0:
            c.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            c.recv(65536)
        conns.append(c)
    time.sleep(1.0)
    after = rss_kib(pid)
    print(f"connections {n}: VmRSS {before} KiB -> {after} KiB, {(after - before) * 1024 / n / 1000:.1f} KB per connection")
    for c in conns:
        c.close()
    time.sleep(1.0)
    print(f"after closing them: VmRSS {rss_kib(pid)} KiB")


if __name__ == "__main__":
    main()
