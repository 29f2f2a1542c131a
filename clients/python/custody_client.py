"""A client of `custody serve` (docs/protocol.md), standard library only.

    with Client("/run/custody.sock") as custody:
        custody.execute("driver.bind", {"device": "0000:00:03.1", "driver": "vfio-pci"})
        custody.execute("vfio.group.open", {"group": 1}, as_="g1", holder="vm-42")
        taken = custody.take_descriptors(holder="vm-42", names=["g1"])  # live host mode only
        os.close(taken["descriptors"][0]["fd"])
"""

import array
import itertools
import json
import os
import socket

# The most descriptors one SCM_RIGHTS message can carry (the kernel's SCM_MAX_FD).
MAX_DESCRIPTORS = 253


class CustodyError(Exception):
    """An error answer: the errno-like class, the reason, and who refused (kernel, policy, server)."""

    def __init__(self, answer):
        error = answer["error"]
        super().__init__(f"{error['class']}: {error['desc']}")
        self.error_class = error["class"]
        self.desc = error["desc"]
        self.origin = error.get("origin")
        self.answer = answer


class DescriptorError(Exception):
    """The descriptors that came with an answer do not match it (the ones received are closed)."""


class Client:
    """One connection. Requests are answered in order; events seen meanwhile wait in `events`."""

    def __init__(self, path, timeout=60.0):
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.settimeout(timeout)
        self._socket.connect(path)
        # Not a makefile() reader: its plain reads would drop the descriptors sent with an answer.
        self._buffer = bytearray()
        self._received = []  # descriptors received and not yet given to the caller
        self._truncated = False  # MSG_CTRUNC: the kernel closed some sent descriptors
        self.descriptor_room = MAX_DESCRIPTORS
        self._ids = itertools.count(1)
        self.events = []
        self.greeting = self._read()
        if "error" in self.greeting:
            raise CustodyError(self.greeting)

    def execute(self, op, arguments=None, *, as_=None, opid=None, holder=None):
        """Sends one request; returns its "return" object or raises CustodyError."""
        try:
            return self._call(op, arguments, as_=as_, opid=opid, holder=holder)["return"]
        finally:
            self._close_received()  # only holder.take-descriptors answers carry any

    def take_descriptors(self, holder=None, names=None):
        """holder.take-descriptors (live host mode): the "return" object, each entry of its
        "descriptors" with an "fd" member, the received descriptor (close-on-exec). The caller owns
        and closes them. Without `names`, every open file of the holder's (or this connection's) table.

        On an error answer, or descriptors that do not match the entries (too few, too many, or
        truncated by the kernel), the received descriptors are closed and CustodyError or
        DescriptorError raised."""
        try:
            answer = self._call("holder.take-descriptors", {} if names is None else {"names": list(names)},
                                holder=holder)["return"]
            entries = answer["descriptors"]
            if self._truncated:
                raise DescriptorError(f"{len(entries)} descriptors announced, more than the room for "
                                      f"{self.descriptor_room}: the kernel truncated them")
            if len(self._received) != len(entries):
                raise DescriptorError(f"{len(entries)} descriptors announced, {len(self._received)} received")
            for entry, fd in zip(entries, self._received):
                entry["fd"] = fd
            self._received = []
            return answer
        finally:
            self._close_received()

    def give_back_descriptors(self, holder, descriptors):
        """holder.give-back-descriptors (live host mode): `descriptors` maps each file number, as
        take_descriptors listed it, to this process's descriptor of it. Once the server answers
        send-descriptors they go as one SCM_RIGHTS message with one byte; each must be the file handed
        out (the server compares fstat's identity), else nothing is given back and CustodyError is
        raised. Returns the "return" object. The caller still owns its descriptors and closes them."""
        files = list(descriptors)
        request_id, message = self._send("holder.give-back-descriptors", {"files": files}, holder=holder)
        if "send-descriptors" in message:
            socket.send_fds(self._socket, [b"\n"], [descriptors[file] for file in files])
            message = self._answer(request_id)
        if "error" in message:
            raise CustodyError(message)
        return message["return"]

    def descriptors_closed(self, holder, files):
        """holder.descriptors-closed (live host mode): this process closed its copies of `files`."""
        return self.execute("holder.descriptors-closed", {"files": list(files)}, holder=holder)

    def _call(self, op, arguments, *, as_=None, opid=None, holder=None):
        request_id, message = self._send(op, arguments, as_=as_, opid=opid, holder=holder)
        if "error" in message:
            raise CustodyError(message)
        return message

    def _send(self, op, arguments, *, as_=None, opid=None, holder=None):
        """Sends one request; its id and the first message that answers it (an error too)."""
        request = {"execute": op, "arguments": arguments or {}, "id": next(self._ids)}
        if as_ is not None:
            request["as"] = as_
        if opid is not None:
            request["opid"] = opid
        if holder is not None:
            request["holder"] = holder
        self._socket.sendall((json.dumps(request) + "\n").encode())
        return request["id"], self._answer(request["id"])

    def _answer(self, request_id):
        while True:
            message = self._read()
            if "event" in message:
                self.events.append(message)
                continue
            if message.get("id") != request_id:
                raise RuntimeError(f"answer to another request: {message}")
            return message

    def next_event(self):
        """The next event (after `subscribe`), waiting for it."""
        if self.events:
            return self.events.pop(0)
        while True:
            message = self._read()
            self._close_received()
            if "event" in message:
                return message

    def _read(self):
        """The next line. Descriptors that come with its bytes are kept in _received: the kernel
        attaches them to the first bytes of the answer line, which may come in the same read as the
        lines before it, so every read is a recvmsg with room for them."""
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = bytes(self._buffer[: end + 1])
                del self._buffer[: end + 1]
                return json.loads(line)
            self._receive()

    def _receive(self):
        # CMSG_LEN, not CMSG_SPACE: the padding of CMSG_SPACE could hold one more than the room
        room = socket.CMSG_LEN(self.descriptor_room * array.array("i").itemsize)
        data, ancillary, flags, _ = self._socket.recvmsg(65536, room, socket.MSG_CMSG_CLOEXEC)
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds = array.array("i")
                fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
                self._received.extend(fds)
        if flags & socket.MSG_CTRUNC:
            self._truncated = True  # the kernel closed those that did not fit
        if not data:
            raise ConnectionError("the server closed the connection")
        self._buffer += data

    def _close_received(self):
        self._truncated = False
        received, self._received = self._received, []
        for fd in received:
            os.close(fd)

    def close(self):
        self._close_received()
        self._socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
