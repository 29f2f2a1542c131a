"""Gives IOMMU group 1 of examples/vfio-passthrough-whole-group.json to a VM held as "vm-42",
then gives it back. Run `custody serve --socket /tmp/custody.sock --journal memory
--topology examples/vfio-passthrough-whole-group.json` first."""

import sys

from custody_client import Client, CustodyError

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/custody.sock"
with Client(path) as custody:
    print("connected to", custody.greeting["custody"])
    for device in ("0000:00:03.0", "0000:00:03.1"):
        custody.execute("driver.bind", {"device": device, "driver": "vfio-pci"})
    custody.execute("vfio.group.open", {"group": 1}, as_="g1", holder="vm-42", opid="vm-42-open-group")
    custody.execute("vfio.container.open", as_="c1", holder="vm-42", opid="vm-42-open-container")
    answer = custody.execute("vfio.group.set_container", {"fd": "g1", "container": "c1"}, holder="vm-42")
    print("group 1 now:", answer["state"])
    try:
        custody.execute("driver.bind", {"device": "0000:00:03.0", "driver": "e1000e"})
    except CustodyError as refused:
        print("a host driver cannot take it back:", refused)
    print("released:", custody.execute("holder.release", holder="vm-42"))
