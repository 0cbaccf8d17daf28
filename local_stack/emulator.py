"""The local AWS emulator: moto's server with this project's extensions.

Run as its own process (``python -m local_stack.emulator --port N``) so its
in-process patches and backends never mix with the code under test.
``MOTO_ACCOUNT_ID`` sets the host account (the account the vendor runs in).
"""

from __future__ import annotations

import argparse
import signal
import threading

from local_stack.moto_ext import federation


def main(argv: list[str] | None = None) -> None:
    """Start moto's server on 127.0.0.1 and block until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)

    from moto.server import ThreadedMotoServer

    import local_stack.moto_ext as extensions

    federation.install()
    extensions.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
