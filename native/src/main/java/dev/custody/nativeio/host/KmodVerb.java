package dev.custody.nativeio.host;

import static dev.custody.nativeio.host.HostContext.values;

import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.uapi.CustodyKmod;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * kmod OP DEVICES OWNER DOMAIN IOVA PADDR SIZE PROT ERRNO: an in-kernel IOMMU call no process can
 * make, through the oracle's test module ({@code /dev/custody-kmod}); "-" for an argument the call
 * has not.
 */
final class KmodVerb implements AutoCloseable {
    private static final int ENODEV = 19;
    private static final Map<String, Integer> OPS = Map.ofEntries(
            Map.entry("use-default-domain", CustodyKmod.USE_DEFAULT_DOMAIN),
            Map.entry("unuse-default-domain", CustodyKmod.UNUSE_DEFAULT_DOMAIN),
            Map.entry("group-claim", CustodyKmod.GROUP_CLAIM),
            Map.entry("group-release", CustodyKmod.GROUP_RELEASE),
            Map.entry("device-claim", CustodyKmod.DEVICE_CLAIM),
            Map.entry("device-release", CustodyKmod.DEVICE_RELEASE),
            Map.entry("domain-alloc", CustodyKmod.DOMAIN_ALLOC),
            Map.entry("domain-free", CustodyKmod.DOMAIN_FREE),
            Map.entry("attach-device", CustodyKmod.ATTACH_DEVICE),
            Map.entry("detach-device", CustodyKmod.DETACH_DEVICE),
            Map.entry("attach-group", CustodyKmod.ATTACH_GROUP),
            Map.entry("detach-group", CustodyKmod.DETACH_GROUP),
            Map.entry("replace-domain", CustodyKmod.REPLACE_DOMAIN),
            Map.entry("attach-shared", CustodyKmod.ATTACH_SHARED),
            Map.entry("detach-shared", CustodyKmod.DETACH_SHARED),
            Map.entry("map", CustodyKmod.MAP),
            Map.entry("unmap", CustodyKmod.UNMAP),
            Map.entry("iova-to-phys", CustodyKmod.IOVA_TO_PHYS),
            Map.entry("fail-next-probe", CustodyKmod.FAIL_NEXT_PROBE));

    private final HostContext host;
    private final IoasAreas areas;
    private int module = -1;

    KmodVerb(HostContext host, IoasAreas areas) {
        this.host = host;
        this.areas = areas;
    }

    Verb verb() {
        return new Verb("kmod", 9, this::perform);
    }

    private AgentAnswer perform(String step, List<String> args) throws BadLine {
        Integer op = OPS.get(args.get(0));
        if (op == null) {
            return new AgentAnswer.Problem(step, "step " + step + ": unknown in-kernel call " + args.get(0));
        }
        long iova = numberOrZero(args.get(4));
        long paddr = numberOrZero(args.get(5));
        long size = numberOrZero(args.get(6));
        int prot = (args.get(7).contains("r") ? 1 : 0) | (args.get(7).contains("w") ? 2 : 0);
        int error = (int) numberOrZero(args.get(8));
        if (module < 0) {
            int fd = Libc.open(host.paths.device(CustodyKmod.DEVICE).toString(), Libc.O_RDWR | Libc.O_CLOEXEC);
            module = fd < 0 ? -1 : fd;
        }
        String domain = domain(args.get(3));
        try (Arena call = Arena.ofConfined()) {
            MemorySegment request = call.allocate(CustodyKmod.Call.LAYOUT);
            text(request, CustodyKmod.Call.DEVICE, textArg(args.get(1)));
            text(request, CustodyKmod.Call.OWNER, textArg(args.get(2)));
            text(request, CustodyKmod.Call.DOMAIN, domain);
            CustodyKmod.Call.IOVA.set(request, iova);
            CustodyKmod.Call.PADDR.set(request, paddr);
            CustodyKmod.Call.SIZE.set(request, size);
            CustodyKmod.Call.PROT.set(request, prot);
            CustodyKmod.Call.ERROR.set(request, error);
            int err = module < 0 ? ENODEV : HostContext.ioctlErrno(module, CustodyKmod.request(op), request);
            long out = (long) CustodyKmod.Call.OUT.get(request);
            SequencedMap<String, String> values = new LinkedHashMap<>();
            if (op == CustodyKmod.MAP) {
                values = values("mapped", Long.toUnsignedString(out));
            } else if (op == CustodyKmod.UNMAP) {
                values = values("unmapped", Long.toUnsignedString(out));
            } else if (op == CustodyKmod.IOVA_TO_PHYS) {
                // an iommufd HWPT translates into pinned user pages: name them as the model does
                if (domain.startsWith("@") && out != 0) {
                    out = areas.modelAddress(out);
                }
                values = values("paddr", Long.toUnsignedString(out));
            }
            return host.result(step, err, values);
        }
    }

    /**
     * A domain argument as the module takes it: an iommufd HWPT is reached through a device attached
     * to it ("@ADDR": the module asks for that device's domain); any other name is a domain the
     * module allocated under that name.
     */
    private String domain(String label) {
        var object = host.names.find(label);
        if (object.isPresent() && object.get().id != 0 && object.get().ictx != null) {
            for (AgentName name : host.names.all()) {
                if (name.pt == object.get().id && name.boundIctx == object.get().ictx && name.fd >= 0) {
                    return "@" + name.device;
                }
            }
        }
        return textArg(label);
    }

    private static String textArg(String arg) {
        return arg.equals("-") ? "" : arg;
    }

    /** A number argument; "-" (none) is 0, as strtoull reads it. */
    private static long numberOrZero(String text) throws BadLine {
        return text.equals("-") ? 0 : AgentNumbers.number(text);
    }

    /** A C string into a name field, cut to fit with its NUL as snprintf cuts it. */
    private static void text(MemorySegment call, long offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(bytes.length, CustodyKmod.NAME - 1);
        MemorySegment.copy(bytes, 0, call, ValueLayout.JAVA_BYTE, offset, length);
        call.set(ValueLayout.JAVA_BYTE, offset + length, (byte) 0);
    }

    @Override
    public void close() {
        if (module >= 0) {
            Libc.close(module);
            module = -1;
        }
    }
}
