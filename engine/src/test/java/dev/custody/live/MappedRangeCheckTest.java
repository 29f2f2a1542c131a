package dev.custody.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.api.TestKitRuntime;
import dev.custody.entity.AnswerRecord;
import dev.custody.entity.CommandRecord;
import dev.custody.entity.HostRecord;
import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.IovaSpan;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * After an IOAS map carried out on the kernel, the kernel's IOMMU_IOAS_IOVA_RANGES is asked at once:
 * a map inside the ranges the kernel and the model both allow, at the model's IOVA, agrees; a map
 * outside the kernel's own ranges, ranges other than the model's, or another IOVA is drift.
 */
class MappedRangeCheckTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long IOVA = 0x100000;
    private static final long LENGTH = 0x2000;

    private CustodyRuntime runtime;
    private final FakeHost kernel = new FakeHost();
    private LiveHost host;
    private EngineAdmin engine;
    private Handle ioas;
    /** The reason of each kernel answer, as the witness saw it: what the check found after a map. */
    private final List<String> reasons = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        runtime = TestKitRuntime.start("");
        host = new LiveHost(kernel, AllowList.parse("group:1"), false, (state, command) -> List.of());
        host.witnessWith(new LiveHost.Witness() {
            @Override
            public void carriedOut(Command<?> command, String line, AnswerRecord model, AnswerRecord answer) {
                reasons.add(answer.reason());
            }

            @Override
            public void drifted(CommandRecord command, AnswerRecord model, HostRecord record) {}
        });
        engine = EngineAdmin.start(runtime, "ranges", LiveHostTest.host(), TIMEOUT, host)
                .toCompletableFuture()
                .join();
        Handle iommufd = created(decide(new Command.IommufdOpen("i")));
        ioas = created(decide(new Command.IoasAlloc(iommufd, "ioas")));
    }

    @AfterEach
    void stop() {
        engine.stop().toCompletableFuture().join();
        runtime.close();
    }

    private Decision decide(Command<?> command) {
        return engine.decide(command).toCompletableFuture().join();
    }

    private static Handle created(Decision decision) {
        return ((Reply.Created) ((Outcome.Ok<Reply>) decision.outcome()).value()).handle();
    }

    private Decision map() {
        return decide(new Command.IoasMap(
                ioas,
                OptionalLong.of(IOVA),
                LENGTH,
                EnumSet.of(IoasMapFlag.READABLE, IoasMapFlag.WRITEABLE),
                OptionalInt.empty()));
    }

    /** The model's ranges for the IOAS now, as the agent prints them, and their alignment. */
    private Map<String, String> modelsRanges() {
        Decision ranges = Operations.decide(
                engine.state().toCompletableFuture().join(),
                new Command.IoasIovaRanges(ioas, MappedRangeCheck.RANGES_ASKED));
        Reply.IovaRanges own = (Reply.IovaRanges) ((Outcome.Ok<Reply>) ranges.outcome()).value();
        return Map.of("ranges", text(own.ranges()), "alignment", Long.toUnsignedString(own.alignment()));
    }

    private static String text(List<IovaSpan> spans) {
        return spans.stream()
                .map(s -> Long.toUnsignedString(s.start()) + "-" + Long.toUnsignedString(s.last()))
                .collect(Collectors.joining(","));
    }

    @Test
    void aMapInsideTheRangesBothAllowAtTheModelsIovaAgreesAndTheRangesWereAsked() {
        Map<String, String> ranges = modelsRanges();
        kernel.answersNext("ok", Map.of("iova", Long.toString(IOVA))).answersNext("ok", ranges);

        Decision mapped = map();

        assertEquals(Outcome.ok(new Reply.Amount("iova", IOVA)), mapped.outcome());
        assertEquals(0, host.drifts());
        String performed = kernel.performed.getLast();
        assertTrue(performed.startsWith("iova-ranges "), kernel.performed.toString());
        assertEquals(1 + 2, host.carriedOut(), "the open, the alloc and the map; the query is no call of the model's");
        assertEquals("", reasons.getLast());
    }

    @Test
    void aMapOutsideTheKernelsOwnRangesIsDrift() {
        Map<String, String> ranges = modelsRanges();
        // the kernel says it allows only the first megabyte, and mapped above it all the same
        kernel.answersNext("ok", Map.of("iova", Long.toString(IOVA)))
                .answersNext("ok", Map.of("ranges", "0-1048575", "alignment", ranges.get("alignment")));

        Decision mapped = map();

        assertTrue(mapped.outcome().isOk(), "the kernel did map: " + mapped.outcome());
        assertEquals(1, host.drifts());
        assertTrue(
                reasons.getLast().contains("outside the ranges its IOMMU_IOAS_IOVA_RANGES allows"), reasons.getLast());
        // the model's state holds the map all the same: the kernel made it
        Decision again = decide(new Command.IoasMap(
                ioas, OptionalLong.of(IOVA), LENGTH, EnumSet.of(IoasMapFlag.READABLE), OptionalInt.empty()));
        assertEquals("EEXIST", again.outcome().resultName());
    }

    @Test
    void rangesOtherThanTheModelsAreDriftEvenWhenTheyHoldTheMap() {
        kernel.answersNext("ok", Map.of("iova", Long.toString(IOVA)))
                .answersNext("ok", Map.of("ranges", "0-4294967295", "alignment", "4096"));

        Decision mapped = map();

        assertTrue(mapped.outcome().isOk());
        assertEquals(1, host.drifts(), modelsRanges().toString());
        assertTrue(
                reasons.getLast().contains("the kernel allows [0x0-0xffffffff] aligned to 4096, the model"),
                reasons.getLast());
    }

    @Test
    void aMapAtAnotherIovaThanTheModelsIsDriftAndTheCallerGetsTheKernels() {
        Map<String, String> ranges = modelsRanges();
        kernel.answersNext("ok", Map.of("iova", Long.toString(2 * IOVA))).answersNext("ok", ranges);

        Decision mapped = map();

        assertEquals(Outcome.ok(new Reply.Amount("iova", 2 * IOVA)), mapped.outcome());
        assertEquals(1, host.drifts());
        assertTrue(
                reasons.getLast().contains("the kernel mapped at IOVA 0x200000, the model at 0x100000"),
                reasons.getLast());
    }

    @Test
    void aRangesQueryTheKernelRefusesIsDrift() {
        kernel.answersNext("ok", Map.of("iova", Long.toString(IOVA))).answersNext("ENOENT");

        map();

        assertEquals(1, host.drifts());
        assertTrue(reasons.getLast().contains("IOMMU_IOAS_IOVA_RANGES answered ENOENT"), reasons.getLast());
    }
}
