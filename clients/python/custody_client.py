"""A client of `custody serve` (docs/protocol.md), standard library only.

    with Client("/run/custody.sock") as custody:
        custody.execute("driver.bind", {"device": "0000:00:03.1", "driver": "vfio-pci"})
        custody.execute("vfio.group.open", {"group": 1}, as_="g1", holder="vm-42")
"""

import itertools
import json
import socket


class CustodyError(Exception):
    """An error answer: the errno-like class, the reason, and who refused (kernel, policy, server)."""

    def __init__(self, answer):
        error = answer["error"]
        super().__init__(f"{error['class']}: {error['desc']}")
        self.error_class = error["class"]
        self.desc = error["desc"]
        self.origin = error.get("origin")
        self.answer = answer


class Client:
    """One connection. Requests are answered in order; events seen meanwhile wait in `events`."""

    def __init__(self, path, timeout=60.0):
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.settimeout(timeout)
        self._socket.connect(path)
        self._reader = self._socket.makefile("rb")
        self._ids = itertools.count(1)
        self.events = []
        self.greeting = self._read()
        if "error" in self.greeting:
            raise CustodyError(self.greeting)

    def execute(self, op, arguments=None, *, as_=None, opid=None, holder=None):
        """Sends one request; returns its "return" object or raises CustodyError."""
        request = {"execute": op, "arguments": arguments or {}, "id": next(self._ids)}
        if as_ is not None:
            request["as"] = as_
        if opid is not None:
            request["opid"] = opid
        if holder is not None:
            request["holder"] = holder
        self._socket.sendall((json.dumps(request) + "\n").encode())
        while True:
            message = self._read()
            if "event" in message:
                self.events.append(message)
                continue
            if message.get("id") != request["id"]:
                raise RuntimeError(f"answer to another request: {message}")
            if "error" in message:
                raise CustodyError(message)
            return message["return"]

    def next_event(self):
        """The next event (after `subscribe`), waiting for it."""
        if self.events:
            return self.events.pop(0)
        while True:
            message = self._read()
            if "event" in message:
                return message

    def _read(self):
        line = self._reader.readline()
        if not line:
            raise ConnectionError("the server closed the connection")
        return json.loads(line)

    def close(self):
        self._reader.close()
        self._socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
