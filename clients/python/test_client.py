"""Tests of custody_client: ClientTest against a running `custody serve` on CUSTODY_SOCKET, serving
the topology of examples/vfio-passthrough-whole-group.json on a fresh journal (without a host);
TakeDescriptorsTest and GiveBackDescriptorsTest against a scripted server in this process, which sends
and receives real descriptors."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

from custody_client import Client, CustodyError, DescriptorError

SOCKET = os.environ.get("CUSTODY_SOCKET")
HERE = os.path.dirname(os.path.abspath(__file__))


@unittest.skipUnless(SOCKET, "needs CUSTODY_SOCKET, a running custody serve")
class ClientTest(unittest.TestCase):
    def test_1_greeting_names_the_protocol(self):
        with Client(SOCKET) as custody:
            self.assertEqual(1, custody.greeting["custody"]["protocol"])

    def test_2_the_example_runs(self):
        done = subprocess.run([sys.executable, os.path.join(HERE, "example.py"), SOCKET],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(0, done.returncode, done.stdout + done.stderr)
        self.assertIn("a host driver cannot take it back: EBUSY", done.stdout)

    def test_3_refusals_raise_with_the_errno_and_who_refused(self):
        with Client(SOCKET) as custody:
            with self.assertRaises(CustodyError) as caught:
                custody.execute("vfio.group.open", {"group": 99})
            self.assertEqual("kernel", caught.exception.origin)
            with self.assertRaises(CustodyError) as caught:
                custody.execute("driver.bind", {"device": "0000:00:05.0"})
            self.assertEqual("EINVAL", caught.exception.error_class)
            self.assertEqual("server", caught.exception.origin)

    def test_4_a_retry_gets_the_first_answer(self):
        with Client(SOCKET) as custody:
            first = custody.execute("iommufd.open", as_="fd", opid="py-retry")
            again = custody.execute("iommufd.open", as_="fd", opid="py-retry")
            self.assertEqual(first, again)

    def test_5_subscribers_hear_decisions(self):
        with Client(SOCKET) as listener, Client(SOCKET) as actor:
            listener.execute("subscribe")
            actor.execute("driver.bind", {"device": "0000:00:05.0", "driver": "nvme"})
            # earlier tests' connections may still be closing their files: their decisions come first
            for _ in range(20):
                event = listener.next_event()
                self.assertEqual("DECISION", event["event"])
                if "DriverBound" in [e["type"] for e in event["data"]["events"]]:
                    return
            self.fail("no DECISION event with DriverBound")

    def test_6_without_a_host_there_are_no_descriptors_to_take(self):
        with Client(SOCKET) as custody:
            custody.execute("iommufd.open", as_="fd")
            with self.assertRaises(CustodyError) as caught:
                custody.take_descriptors(names=["fd"])
            self.assertEqual("EOPNOTSUPP", caught.exception.error_class)
            self.assertEqual("server", caught.exception.origin)
            self.assertIn("ready", custody.execute("query-status"), "the connection goes on")


def line(message):
    return (json.dumps(message) + "\n").encode()


GREETING = line({"custody": {"version": "test", "protocol": 1, "capabilities": ["take-descriptors"]}})


class ScriptedServer:
    """Listens on a socket in a temporary directory; one thread accepts one client and runs
    `script(connection, requests)`, where requests() reads the client's next request line."""

    def __init__(self, script):
        self._directory = tempfile.TemporaryDirectory()
        self.path = os.path.join(self._directory.name, "custody.sock")
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.path)
        self._listener.listen(1)
        self._listener.settimeout(10)
        self.failure = None
        self._thread = threading.Thread(target=self._serve, args=(script,), daemon=True)
        self._thread.start()

    def _serve(self, script):
        try:
            connection, _ = self._listener.accept()
            with connection:
                connection.settimeout(10)
                reader = connection.makefile("rb")  # the server side sends descriptors, never reads them
                connection.sendall(GREETING)
                script(connection, lambda: json.loads(reader.readline()))
                reader.close()
        except BaseException as failure:  # reported by finish(), in the test's thread
            self.failure = failure

    def finish(self, report=True):
        self._thread.join(10)
        alive = self._thread.is_alive()
        self._listener.close()
        self._directory.cleanup()
        if alive and report:
            raise AssertionError("the scripted server did not finish within 10 s")
        if self.failure is not None and report:
            raise self.failure


class TakeDescriptorsTest(unittest.TestCase):
    def setUp(self):
        self.pipes = []

    def tearDown(self):
        for fd in [fd for pipe in self.pipes for fd in pipe]:
            try:
                os.close(fd)
            except OSError:
                pass

    def pipe(self):
        pipe = os.pipe()
        self.pipes.append(pipe)
        return pipe

    def assertNoWriterLeft(self, read_end, write_end):
        """Once the test closed its own write end, the read end sees end of file only if no other
        descriptor of the write end is open: the client closed the one it received."""
        os.close(write_end)
        os.set_blocking(read_end, False)
        try:
            self.assertEqual(b"", os.read(read_end, 1))
        except BlockingIOError:
            self.fail("a received descriptor of the pipe's write end was left open")

    def run_client(self, script, body):
        server = ScriptedServer(script)
        try:
            with Client(server.path, timeout=10) as custody:
                body(custody)
        except BaseException:
            server.finish(report=False)  # the client's failure explains the server's
            raise
        server.finish()

    def test_the_descriptors_are_the_same_open_files_close_on_exec(self):
        read_end, write_end = self.pipe()
        scratch = tempfile.TemporaryFile()
        self.addCleanup(scratch.close)
        entries = [{"file": 3, "kind": "vfio-group", "names": ["grp"]},
                   {"file": 4, "kind": "vfio-container", "names": ["ctr"]}]

        def script(connection, requests):
            request = requests()
            self.assertEqual("holder.take-descriptors", request["execute"])
            self.assertEqual("vm-42", request["holder"])
            self.assertEqual({"names": ["grp", "ctr"]}, request["arguments"])
            # an event first, then the answer line with the descriptors on its first bytes only
            connection.sendall(line({"event": "DECISION", "data": {"seq": 1}}))
            answer = line({"return": {"descriptors": entries}, "id": request["id"]})
            socket.send_fds(connection, [answer[:5]], [write_end, scratch.fileno()])
            connection.sendall(answer[5:])

        def body(custody):
            taken = custody.take_descriptors(holder="vm-42", names=["grp", "ctr"])
            self.assertEqual([3, 4], [entry["file"] for entry in taken["descriptors"]])
            group, container = [entry["fd"] for entry in taken["descriptors"]]
            try:
                self.assertNotIn(group, (write_end, scratch.fileno()))
                self.assertFalse(os.get_inheritable(group), "close-on-exec")
                self.assertFalse(os.get_inheritable(container), "close-on-exec")
                os.write(group, b"through the received descriptor")
                self.assertEqual(b"through the received descriptor", os.read(read_end, 100))
                os.write(container, b"one offset")
                self.assertEqual(scratch.tell(), 10, "the same open file shares its offset")
                scratch.seek(0)
                self.assertEqual(b"one offset", scratch.read())
            finally:
                os.close(group)
                os.close(container)
            self.assertEqual("DECISION", custody.next_event()["event"])

        self.run_client(script, body)
        self.assertNoWriterLeft(read_end, write_end)

    def test_an_answer_in_the_same_read_as_the_lines_before_it(self):
        read_end, write_end = self.pipe()

        def script(connection, requests):
            request = requests()
            self.assertEqual({}, request["arguments"], "without names: every open file")
            lines = line({"event": "COMPLETED", "data": {"id": 0}})
            lines += line({"return": {"descriptors": [{"file": 5, "kind": "iommufd", "names": ["fd"]}]},
                           "id": request["id"]})
            socket.send_fds(connection, [lines], [write_end])

        def body(custody):
            taken = custody.take_descriptors()
            fd = taken["descriptors"][0]["fd"]
            os.write(fd, b"x")
            os.close(fd)
            self.assertEqual(b"x", os.read(read_end, 1))
            self.assertEqual("COMPLETED", custody.events[0]["event"])

        self.run_client(script, body)
        self.assertNoWriterLeft(read_end, write_end)

    def test_an_error_answer_closes_the_descriptors_that_came_with_it(self):
        read_end, write_end = self.pipe()

        def script(connection, requests):
            request = requests()
            error = {"class": "EPERM", "desc": "another user's holder", "origin": "server"}
            socket.send_fds(connection, [line({"error": error, "id": request["id"]})], [write_end])

        def body(custody):
            with self.assertRaises(CustodyError) as caught:
                custody.take_descriptors(holder="vm-42")
            self.assertEqual("EPERM", caught.exception.error_class)
            self.assertNoWriterLeft(read_end, write_end)  # closed before the client's own close

        self.run_client(script, body)

    def test_descriptors_with_another_answer_are_closed(self):
        read_end, write_end = self.pipe()

        def script(connection, requests):
            request = requests()
            socket.send_fds(connection, [line({"return": {}, "id": request["id"]})], [write_end])

        def body(custody):
            self.assertEqual({}, custody.execute("subscribe"))
            self.assertNoWriterLeft(read_end, write_end)  # as a plain read would have had the kernel do

        self.run_client(script, body)

    def test_fewer_descriptors_than_entries_closes_them(self):
        read_end, write_end = self.pipe()

        def script(connection, requests):
            request = requests()
            entries = [{"file": 3, "kind": "vfio-group", "names": ["a"]},
                       {"file": 4, "kind": "vfio-group", "names": ["b"]}]
            answer = line({"return": {"descriptors": entries}, "id": request["id"]})
            socket.send_fds(connection, [answer], [write_end])

        def body(custody):
            with self.assertRaisesRegex(DescriptorError, "2 descriptors announced, 1 received"):
                custody.take_descriptors(names=["a", "b"])
            self.assertNoWriterLeft(read_end, write_end)

        self.run_client(script, body)

    def test_truncated_descriptors_raise_close_and_leave_the_connection_usable(self):
        first_read, first_write = self.pipe()
        second_read, second_write = self.pipe()

        def script(connection, requests):
            request = requests()
            entries = [{"file": 3, "kind": "vfio-group", "names": ["a"]},
                       {"file": 4, "kind": "vfio-group", "names": ["b"]}]
            answer = line({"return": {"descriptors": entries}, "id": request["id"]})
            socket.send_fds(connection, [answer], [first_write, second_write])
            request = requests()
            connection.sendall(line({"return": {"ready": True}, "id": request["id"]}))

        def body(custody):
            custody.descriptor_room = 1  # the kernel then keeps one and closes the other (MSG_CTRUNC)
            with self.assertRaisesRegex(DescriptorError, "truncated"):
                custody.take_descriptors(names=["a", "b"])
            self.assertNoWriterLeft(first_read, first_write)
            self.assertNoWriterLeft(second_read, second_write)
            self.assertEqual({"ready": True}, custody.execute("query-status"))

        self.run_client(script, body)


class GiveBackDescriptorsTest(unittest.TestCase):
    def run_client(self, script, body):
        server = ScriptedServer(script)
        try:
            with Client(server.path, timeout=10) as custody:
                body(custody)
        except BaseException:
            server.finish(report=False)
            raise
        server.finish()

    def test_the_descriptors_go_once_the_server_asks_for_them(self):
        first, second = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        self.addCleanup(first.close)
        self.addCleanup(second.close)

        def script(connection, requests):
            request = requests()
            self.assertEqual("holder.give-back-descriptors", request["execute"])
            self.assertEqual({"files": [3, 4]}, request["arguments"])
            connection.sendall(line({"send-descriptors": {"count": 2}, "id": request["id"]}))
            data, fds, _, _ = socket.recv_fds(connection, 1, 4)
            try:
                self.assertEqual(b"\n", data)
                self.assertEqual(
                    [os.fstat(first.fileno()).st_ino, os.fstat(second.fileno()).st_ino],
                    [os.fstat(fd).st_ino for fd in fds], "the files given, in the order named")
            finally:
                for fd in fds:
                    os.close(fd)
            connection.sendall(line({"return": {"given-back": [{"file": 3}, {"file": 4}]}, "id": request["id"]}))

        def body(custody):
            back = custody.give_back_descriptors("vm-42", {3: first.fileno(), 4: second.fileno()})
            self.assertEqual([3, 4], [entry["file"] for entry in back["given-back"]])

        self.run_client(script, body)

    def test_a_refusal_before_the_request_is_read_sends_nothing(self):
        scratch = tempfile.TemporaryFile()
        self.addCleanup(scratch.close)

        def script(connection, requests):
            request = requests()
            connection.sendall(line({"error": {"class": "EBADF", "desc": "file 9 is not out", "origin": "server"},
                                     "id": request["id"]}))
            self.assertEqual("query-status", requests()["execute"], "the next line is whole")
            connection.sendall(line({"return": {"ready": True}, "id": request["id"] + 1}))

        def body(custody):
            with self.assertRaises(CustodyError) as caught:
                custody.give_back_descriptors("vm-42", {9: scratch.fileno()})
            self.assertEqual("EBADF", caught.exception.error_class)
            self.assertTrue(custody.execute("query-status")["ready"])

        self.run_client(script, body)


if __name__ == "__main__":
    unittest.main()
