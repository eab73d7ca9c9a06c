"""One Datasette of the relay (lieux/relais.py): `datasette serve` exactly as site.serve_command writes it, but
listening on a socket inherited from the relay (fd) instead of binding a port, saying when it is ready, and
draining on SIGUSR1 (stop accepting, finish what was accepted, exit).

    python -m lieux.relais_enfant <listening fd> <ready fd> serve -i versions/<v>/lieux.db ...

Datasette's own command line is run unchanged (every option of serve_command holds); only uvicorn.run is
replaced, by a uvicorn.Server on the inherited socket whose startup writes one byte to the ready pipe.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

import uvicorn

# After SIGUSR1 (the relay has started the next version): stop accepting at once, keep answering the
# connections already accepted for this long (a connection accepted just before may not have sent its
# request yet: closing it as idle would drop that request), then shut down as on SIGTERM.
DRAIN_SECONDS = 2.0


def main(argv: list[str]) -> None:
    listen_fd, ready_fd, args = int(argv[0]), int(argv[1]), argv[2:]
    sock = socket.socket(fileno=listen_fd)  # family and type read from the descriptor

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if not self.should_exit:
                asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, self.drain)
                os.write(ready_fd, b"1")
                os.close(ready_fd)

        def drain(self):
            for server in self.servers:
                server.close()  # this process's copy of the socket: the relay and the next child keep it open
            asyncio.get_running_loop().call_later(DRAIN_SECONDS, setattr, self, "should_exit", True)

    def run(app, **kwargs):
        for key in ("host", "port", "uds", "fd"):
            kwargs.pop(key, None)
        Server(uvicorn.Config(app, **kwargs)).run(sockets=[sock])

    uvicorn.run = run  # datasette.cli calls uvicorn.run(ds.app(), host=..., port=..., ...)
    from datasette.cli import cli

    cli.main(args=args, prog_name="datasette")


if __name__ == "__main__":
    main(sys.argv[1:])
