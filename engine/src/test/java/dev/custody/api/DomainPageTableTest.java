package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A caller's paging domain is backed by a real off-heap page table in its actor: translations come
 * from it, agree with the model, and survive a restart, when the table is rebuilt from the journal.
 */
class DomainPageTableTest extends InMemoryRuntimeTest {

    private static <T> T ok(java.util.concurrent.CompletionStage<Outcome<T>> stage) {
        Outcome<T> outcome = stage.toCompletableFuture().join();
        assertTrue(outcome.isOk(), outcome.toString());
        return ((Outcome.Ok<T>) outcome).value();
    }

    @Test
    void translationsComeFromTheRealPageTableAndSurviveARestart() {
        EngineAdmin engineAdmin = EngineAdmin.start(runtime, "page-table", CustodyApiTest.machine(), TIMEOUT)
                .toCompletableFuture()
                .join();
        Custody engine = engineAdmin.custody();
        DomainRef domain = ok(engine.allocateDomain("0000:00:03.0", "D"));
        assertEquals(0x200000L, ok(engine.map(domain, 0x40000000L, 0x80000000L, 0x200000, true, true)), "one 2M page");
        assertEquals(0x3000L, ok(engine.map(domain, 0x1000, 0x9000, 0x3000, true, false)), "three 4K pages");
        assertEquals(
                "EEXIST",
                engine.map(domain, 0x2000, 0x1000, 0x1000, true, true)
                        .toCompletableFuture()
                        .join()
                        .resultName());
        assertEquals(0x1000L, ok(engine.unmap(domain, 0x2000, 0x1000)));

        List<Long> probes = List.of(0x40000000L, 0x40123456L, 0x1000L, 0x1fffL, 0x2000L, 0x3abcL, 0x4000L, 0L);
        List<Long> before =
                probes.stream().map(iova -> ok(engine.translate(domain, iova))).toList();
        assertEquals(List.of(0x80000000L, 0x80123456L, 0x9000L, 0x9fffL, 0L, 0xbabcL, 0L, 0L), before);
        for (long iova : probes) {
            Outcome<Reply.Amount> model = engineAdmin
                    .execute(new Command.IovaToPhys(new Handle.Domain(domain.id), iova))
                    .toCompletableFuture()
                    .join();
            assertEquals(
                    Outcome.ok(new Reply.Amount("paddr", ok(engine.translate(domain, iova)))), model, "iova " + iova);
        }
        engineAdmin.stop().toCompletableFuture().join();

        EngineAdmin recoveredAdmin = EngineAdmin.start(runtime, "page-table", CustodyApiTest.machine(), TIMEOUT)
                .toCompletableFuture()
                .join();
        Custody recovered = recoveredAdmin.custody();
        DomainRef same =
                recoveredAdmin.recoveredDomains().toCompletableFuture().join().getFirst();
        assertEquals("D", same.label());
        assertEquals(
                before,
                probes.stream().map(iova -> ok(recovered.translate(same, iova))).toList(),
                "the page table rebuilt from the journal translates the same");
        recoveredAdmin.stop().toCompletableFuture().join();
    }
}
