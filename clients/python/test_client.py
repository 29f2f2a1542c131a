"""Tests of custody_client against a running `custody serve` on CUSTODY_SOCKET, serving the
topology of examples/vfio-passthrough-whole-group.json on a fresh journal."""

import os
import subprocess
import sys
import unittest

from custody_client import Client, CustodyError

SOCKET = os.environ["CUSTODY_SOCKET"]
HERE = os.path.dirname(os.path.abspath(__file__))


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


if __name__ == "__main__":
    unittest.main()
