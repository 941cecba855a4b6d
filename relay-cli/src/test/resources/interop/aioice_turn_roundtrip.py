"""A TURN round trip with aioice (Debian package python3-aioice 0.8.0), for AioiceInteropIT.

Allocates on the TURN server over TCP or TLS (aioice.turn.create_turn_endpoint with transport="tcp", and for
TLS an ssl.SSLContext that trusts only the test CA and checks the server's IP address), sends messages of
assorted lengths through the relay to a UDP peer in this process, which echoes them back to the relayed
address, and reads the echoes. aioice binds a channel for the peer, pads every frame to a multiple of 4 on the
stream and parses padded ChannelData (aioice/turn.py). Prints one JSON object with what it saw; exits non-zero
with a traceback when something fails or takes too long.

Run it with /usr/bin/python3 (the interpreter the Debian package installs into), not another python3.
"""

import argparse
import asyncio
import json
import socket
import ssl

from aioice import turn


class Collector(asyncio.DatagramProtocol):
    """The application side of the TURN endpoint: every datagram relayed to us."""

    def __init__(self):
        self.received = asyncio.Queue()

    def datagram_received(self, data, addr):
        self.received.put_nowait((data, addr))


class EchoPeer(asyncio.DatagramProtocol):
    """A UDP peer that sends every datagram back to where it came from (the relayed address)."""

    def __init__(self):
        self.transport = None
        self.count = 0
        self.sources = set()

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.count += 1
        self.sources.add(addr[:2])
        self.transport.sendto(data, addr)


async def round_trip(args):
    loop = asyncio.get_running_loop()
    peer_transport, peer = await loop.create_datagram_endpoint(EchoPeer, local_addr=(args.peer_host, 0))
    peer_address = peer_transport.get_extra_info("sockname")[:2]

    context = False
    if args.transport == "tls":
        # Verifies the chain against the test CA alone and the certificate's IP SAN against the host.
        context = ssl.create_default_context(cafile=args.cafile)
    turn_transport, collector = await asyncio.wait_for(
        turn.create_turn_endpoint(
            Collector,
            server_addr=(args.host, args.port),
            username=args.username,
            password=args.password,
            ssl=context,
            transport="tcp",
        ),
        args.timeout,
    )
    # aioice keeps the client connection's protocol private; the test reads what it is connected over from it.
    inner = turn_transport._TurnTransport__inner_protocol
    connection = inner.transport
    ssl_object = connection.get_extra_info("ssl_object")
    stream_socket = connection.get_extra_info("socket")
    relayed = turn_transport.get_extra_info("sockname")

    # Lengths that are not multiples of 4, so that both sides pad and strip padding.
    payloads = [bytes([index % 256]) * (1 + (index * 37) % 1201) for index in range(args.messages)]
    for payload in payloads:
        turn_transport.sendto(payload, peer_address)
    echoes = []
    sources = set()
    while len(echoes) < len(payloads):
        data, source = await asyncio.wait_for(collector.received.get(), args.timeout)
        echoes.append(data)
        sources.add(tuple(source[:2]))

    await asyncio.wait_for(inner.delete(), args.timeout)  # Refresh with LIFETIME 0, then closes the connection
    peer_transport.close()
    return {
        "transport": args.transport,
        "streamSocket": stream_socket is not None and stream_socket.type == socket.SOCK_STREAM,
        "tlsVersion": ssl_object.version() if ssl_object is not None else None,
        "relayed": [relayed[0], relayed[1]],
        "sent": len(payloads),
        "received": len(echoes),
        "sameBytes": sorted(echoes) == sorted(payloads),
        "peerReceived": peer.count,
        "peerSources": sorted([list(source) for source in peer.sources]),
        "echoSources": sorted([list(source) for source in sources]),
        "peer": [peer_address[0], peer_address[1]],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--transport", choices=["tcp", "tls"], required=True)
    parser.add_argument("--cafile")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--peer-host", default="127.0.0.1")
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(round_trip(args))), flush=True)


if __name__ == "__main__":
    main()
