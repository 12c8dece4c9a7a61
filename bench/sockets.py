"""Holds idle and slow-header connections against a server (bench/sockets.sh drives it).

    python3 bench/sockets.py HOST PORT IDLE SLOW SECONDS

IDLE sockets connect and send nothing; SLOW sockets send the start of a request head and
then one more header byte each second, never finishing it. Every socket the server closes is
reopened at once, so the pressure stays constant for SECONDS. Prints, at the end, how many
were opened and how many the server closed, with the median time a socket lasted.
"""

import asyncio
import statistics
import sys
import time


async def hold(host, port, slow, until, lifetimes, counts):
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            counts["refused"] += 1
            await asyncio.sleep(0.2)
            continue
        counts["opened"] += 1
        opened = time.monotonic()
        try:
            if slow:
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Slow: ")
                await writer.drain()
            while time.monotonic() < until:
                if slow:
                    writer.write(b"a")
                    await writer.drain()
                # A closed connection reads as EOF (b"") or as an error.
                try:
                    data = await asyncio.wait_for(reader.read(1024), timeout=1.0)
                except asyncio.TimeoutError:
                    continue
                if not data or data.startswith(b"HTTP/1.1 408") or data.startswith(b"HTTP/1.1 4"):
                    break
            else:
                writer.close()
                return
        except OSError:
            pass
        counts["closed_by_server"] += 1
        lifetimes.append(time.monotonic() - opened)
        writer.close()


async def main():
    host, port, idle, slow, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    until = time.monotonic() + seconds
    lifetimes, counts = [], {"opened": 0, "closed_by_server": 0, "refused": 0}
    tasks = [hold(host, port, False, until, lifetimes, counts) for _ in range(idle)]
    tasks += [hold(host, port, True, until, lifetimes, counts) for _ in range(slow)]
    await asyncio.gather(*tasks)
    median = f"{statistics.median(lifetimes):.1f}" if lifetimes else "-"
    print(
        f"sockets: idle={idle} slow={slow} opened={counts['opened']} refused={counts['refused']} "
        f"closed_by_server={counts['closed_by_server']} median_lifetime_s={median}"
    )


asyncio.run(main())
