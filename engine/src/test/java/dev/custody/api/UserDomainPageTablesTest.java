package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DomainId;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.IommuSpec;
import dev.custody.model.IommuType;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.Type1MapFlag;
import dev.custody.model.state.KernelState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SequencedMap;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * VFIO type1 and iommufd IOAS mappings reach the real page tables of the domains their owners hold:
 * every domain of a container (one per IOMMU, a new one filled from the mappings already there), every
 * HWPT of an IOAS (filled on creation from the areas already there). After a restart the domain actors
 * rebuild the same tables from the journal; a destroyed HWPT's table is gone.
 */
public class UserDomainPageTablesTest extends InMemoryRuntimeTest {

    static final DeviceId NIC = new DeviceId("0000:00:03.0");
    static final DeviceId GPU = new DeviceId("0000:00:05.0");
    static final DeviceId SSD = new DeviceId("0000:00:07.0");
    static final DeviceId FPGA = new DeviceId("0000:00:08.0");

    /** Two IOMMUs of different page sizes and widths, one single-device group per device. */
    public static Topology machine() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        iommus.put("dmar1", new IommuSpec("dmar1", IommuSpec.SIZE_4K | IommuSpec.SIZE_2M, 39));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        List<DeviceId> all = List.of(NIC, GPU, SSD, FPGA);
        for (int n = 0; n < all.size(); n++) {
            devices.put(
                    all.get(n),
                    new DeviceSpec(
                            all.get(n),
                            Optional.of(n % 2 == 0 ? "dmar0" : "dmar1"),
                            Optional.of(new GroupId(n + 1)),
                            List.of(),
                            false,
                            true,
                            Optional.empty()));
        }
        return new Topology(iommus, Topology.catalogueWith(List.<DriverSpec>of()), devices);
    }

    /**
     * Maps through a type1 container spanning both IOMMUs and through an IOAS with two HWPTs, with
     * maps before and after each domain joined and unmaps afterwards. Returns the domains by label.
     */
    public static SequencedMap<String, DomainId> mapThroughType1AndIoas(EngineAdmin engine) {
        for (DeviceId device : List.of(NIC, GPU, SSD, FPGA)) {
            ok(engine, new Command.DriverBind(device, "vfio-pci"));
        }
        Handle c1 = created(engine, new Command.ContainerOpen("c1"));
        Handle g1 = created(engine, new Command.GroupOpen(new GroupId(1), "g1"));
        ok(engine, new Command.SetContainer(g1, c1));
        ok(engine, new Command.ContainerSetIommu(c1, IommuType.TYPE1V2));
        Set<Type1MapFlag> rw = Set.of(Type1MapFlag.READ, Type1MapFlag.WRITE);
        ok(engine, new Command.Type1MapDma(c1, 0x20_0000L, 0x7f12_0020_0000L, 0x40_0000L, rw)); // two 2M leaves
        ok(engine, new Command.Type1MapDma(c1, 0x1000L, 0x7f12_3456_7000L, 0x3000L, Set.of(Type1MapFlag.READ)));
        Handle g2 = created(engine, new Command.GroupOpen(new GroupId(2), "g2"));
        ok(engine, new Command.SetContainer(g2, c1)); // a second domain, c1@dmar1, replayed from the list
        ok(engine, new Command.Type1MapDma(c1, 0x4000_0000L, 0x7f00_4000_0000L, 0x20_0000L, rw));
        ok(engine, new Command.Type1UnmapDma(c1, 0x1000L, 0x3000L, false));

        Handle x = created(engine, new Command.IommufdOpen("X"));
        Handle ioas = created(engine, new Command.IoasAlloc(x, "I"));
        Set<IoasMapFlag> readWrite = Set.of(IoasMapFlag.READABLE, IoasMapFlag.WRITEABLE);
        ok(engine, new Command.IoasMap(ioas, OptionalLong.of(0x10_0000L), 0x20_0000L, readWrite)); // before any HWPT
        Handle cA = created(engine, new Command.CdevOpen(SSD, "cA"));
        ok(engine, new Command.CdevBind(cA, x));
        ok(engine, new Command.CdevAttach(cA, ioas, Optional.of("H1"))); // auto HWPT, filled from the IOAS
        Handle cB = created(engine, new Command.CdevOpen(FPGA, "cB"));
        ok(engine, new Command.CdevBind(cB, x));
        ok(engine, new Command.HwptAlloc(x, cB, ioas, "H2")); // on dmar1, filled from the IOAS
        ok(engine, new Command.IoasMap(ioas, OptionalLong.of(0x4000_0000L), 0x1000L, Set.of(IoasMapFlag.READABLE)));
        ok(engine, new Command.IoasMap(ioas, OptionalLong.of(0x8000_0000L), 0x40_0000L, readWrite));
        ok(engine, new Command.IoasUnmap(ioas, 0x10_0000L, 0x20_0000L));

        KernelState state = engine.state().toCompletableFuture().join();
        SequencedMap<String, DomainId> domains = new LinkedHashMap<>();
        for (String label : List.of("c1", "c1@dmar1", "H1", "H2")) {
            domains.put(
                    label,
                    state.domains().values().stream()
                            .filter(d -> d.label().equals(label))
                            .findFirst()
                            .orElseThrow(() -> new AssertionError("no domain " + label))
                            .id());
        }
        return domains;
    }

    @Test
    void type1AndIoasMappingsReachEveryDomainTableAndSurviveARestart() {
        EngineAdmin engine = started("user-tables", machine());
        SequencedMap<String, DomainId> domains = mapThroughType1AndIoas(engine);
        KernelState state = engine.state().toCompletableFuture().join();
        assertEquals(4, PageTableAudit.assertTablesMatchOwners(engine, state));
        // the replayed and the later mapping both reach the second IOMMU's domain, at vaddr
        assertEquals(0x7f12_0030_0123L, paddr(engine, domains.get("c1@dmar1"), 0x30_0123L));
        assertEquals(0x7f00_4000_0fffL, paddr(engine, domains.get("c1@dmar1"), 0x4000_0fffL));
        assertEquals(0L, paddr(engine, domains.get("c1"), 0x1000L), "unmapped from every domain");
        // the IOAS area mapped before H2 existed is in H2, at the synthetic user address
        assertEquals(0x7f00_8000_0042L, paddr(engine, domains.get("H2"), 0x8000_0042L));
        assertEquals(0L, paddr(engine, domains.get("H1"), 0x10_0000L), "unmapped from every HWPT");
        engine.stop().toCompletableFuture().join();

        EngineAdmin recovered = started("user-tables", machine());
        KernelState after = recovered.state().toCompletableFuture().join();
        assertEquals(state, after);
        assertEquals(4, PageTableAudit.assertTablesMatchOwners(recovered, after), "tables rebuilt from the journal");
        EngineRecoveryTest.assertEntitiesMatch(recovered, after);

        Handle x = new Handle.File(after.files().values().stream()
                .filter(f -> f.label().equals("X"))
                .findFirst()
                .orElseThrow()
                .id());
        var h2 = after.domains().get(domains.get("H2"));
        var hwpt = ((dev.custody.model.state.DomainUse.HwptPaging) h2.use()).hwpt();
        ok(recovered, new Command.Destroy(x, new Handle.IommufdObject(((Handle.File) x).id(), hwpt)));
        assertTrue(
                recovered
                        .pageTable(domains.get("H2"))
                        .toCompletableFuture()
                        .join()
                        .isEmpty(),
                "a destroyed HWPT's domain has no table any more");
        recovered.stop().toCompletableFuture().join();
    }

    private static long paddr(EngineAdmin engine, DomainId domain, long iova) {
        Outcome<Reply.Amount> answer = engine.execute(new Command.IovaToPhys(new Handle.Domain(domain), iova))
                .toCompletableFuture()
                .join();
        assertTrue(answer.isOk(), answer.toString());
        return ((Outcome.Ok<Reply.Amount>) answer).value().value();
    }

    private static void ok(EngineAdmin engine, Command<?> command) {
        Outcome<?> answer = engine.execute(command).toCompletableFuture().join();
        assertTrue(answer.isOk(), command + " -> " + answer);
    }

    private static Handle created(EngineAdmin engine, Command<Reply.Created> command) {
        Outcome<Reply.Created> answer =
                engine.execute(command).toCompletableFuture().join();
        assertTrue(answer.isOk(), command + " -> " + answer);
        return ((Outcome.Ok<Reply.Created>) answer).value().handle();
    }
}
