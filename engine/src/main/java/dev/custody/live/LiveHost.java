package dev.custody.live;

import dev.custody.entity.AnswerRecord;
import dev.custody.entity.CommandRecord;
import dev.custody.entity.HostPort;
import dev.custody.entity.HostRecord;
import dev.custody.entity.ReplyText;
import dev.custody.model.Command;
import dev.custody.model.Errno;
import dev.custody.model.Handle;
import dev.custody.model.Reply;
import dev.custody.model.state.KernelState;
import dev.custody.nativeio.host.MappedMemory;
import dev.custody.ops.NotRealisable;
import dev.custody.ops.Operation;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * Live host mode's {@link HostPort}: a command the model accepted is carried out on the host as the
 * operation catalogue's agent line, performed by {@link HostCalls} (the native module's FFM agent), and
 * the kernel's answer is compared with the model's. In {@code dryRun} nothing is carried out: the line
 * that would have been is recorded. Commands outside the {@link AllowList} are refused before anything
 * is decided. What user space cannot do (the in-kernel {@code iommu.*} calls, probe fault injection) is
 * decided by the model alone and carries nothing out. After an IOAS map the kernel's allowed ranges are
 * asked at once and checked against the map and the model ({@link MappedRangeCheck}).
 */
public final class LiveHost implements HostPort {
    /** The value the agent's probe answers with: the driver bound afterwards, "none" for none. */
    static final String PROBED_DRIVER = "driver";

    private final HostCalls calls;
    private final AllowList allowed;
    private final boolean dryRun;
    private final BiFunction<KernelState, Command<?>, List<Observation>> resync;
    private final AtomicLong carriedOut = new AtomicLong();
    private final AtomicLong drifts = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong closedAtStart = new AtomicLong();
    private final AtomicLong keptAtStart = new AtomicLong();
    private volatile Witness witness = Witness.NONE;
    private long steps;

    /**
     * Who is told of each call carried out and each drift as they happen, on the coordinator's thread:
     * {@code custody oracle live} reports both answers of every step with it. It must not block.
     */
    public interface Witness {
        Witness NONE = new Witness() {
            @Override
            public void carriedOut(Command<?> command, String line, AnswerRecord model, AnswerRecord kernel) {}

            @Override
            public void drifted(CommandRecord command, AnswerRecord model, HostRecord host) {}
        };

        /** {@code line} was carried out; the model had answered {@code model}, the kernel {@code kernel}. */
        void carriedOut(Command<?> command, String line, AnswerRecord model, AnswerRecord kernel);

        /** The host answered or showed otherwise than the model (a call carried out, or a change seen). */
        void drifted(CommandRecord command, AnswerRecord model, HostRecord host);
    }

    /**
     * @param resync what the host shows now for a command's objects after a drift, as the changes that
     *     make the model follow (read from sysfs)
     */
    public LiveHost(
            HostCalls calls,
            AllowList allowed,
            boolean dryRun,
            BiFunction<KernelState, Command<?>, List<Observation>> resync) {
        this.calls = calls;
        this.allowed = allowed;
        this.dryRun = dryRun;
        this.resync = resync;
    }

    @Override
    public Optional<String> refusal(KernelState before, Command<?> command) {
        Optional<String> outside = allowed.refusal(before.topology(), command)
                .or(() -> DynamicIdsGate.refusal(before.topology(), allowed, command));
        outside.ifPresent(why -> refused.incrementAndGet());
        return outside;
    }

    @Override
    public Optional<HostRecord> carryOut(KernelState before, Command<?> command, Decision model) {
        Operation<?> operation = Operations.of(command);
        LiveAgentContext names = new LiveAgentContext(before.topology(), model);
        String line;
        try {
            line = operation.agentLine(command, names);
        } catch (NotRealisable userSpaceCannot) {
            return Optional.empty();
        }
        AnswerRecord predicted = AnswerRecord.of(model.outcome());
        if (dryRun) {
            return Optional.of(new HostRecord(HostRecord.DRY_RUN, line, predicted));
        }
        String step = "live" + (++steps);
        HostCalls.Answer answer = calls.perform(step, line);
        carriedOut.incrementAndGet();
        AnswerRecord kernel = kernelAnswer(command, answer, predicted, line);
        if (command instanceof Command.IoasMap map && answer.result().equals("ok")) {
            // the kernel's own view of the IOAS after the map, asked before anything else reaches it
            kernel = MappedRangeCheck.checked(
                    map, answer, kernel, model, names, query -> calls.perform(step + "-ranges", query));
        }
        witness.carriedOut(command, line, predicted, kernel);
        return Optional.of(new HostRecord(HostRecord.CARRIED_OUT, line, kernel));
    }

    @Override
    public List<Observation> resync(KernelState after, Command<?> command) {
        return resync.apply(after, command);
    }

    @Override
    public void drifted(CommandRecord command, AnswerRecord model, HostRecord host) {
        drifts.incrementAndGet();
        witness.drifted(command, model, host);
    }

    /** Tells {@code witness} (replacing any earlier one) of every call carried out and every drift from now on. */
    public void witnessWith(Witness witness) {
        this.witness = witness;
    }

    /** Commands carried out on the host so far. */
    public long carriedOut() {
        return carriedOut.get();
    }

    /** Answers of the kernel that were not the model's (changes the model could not follow count too). */
    public long drifts() {
        return drifts.get();
    }

    /** Commands refused because they name something outside the allow-list. */
    public long refusedOutsideAllowList() {
        return refused.get();
    }

    public boolean dryRun() {
        return dryRun;
    }

    /**
     * Why this host holds no real descriptors to hand to a holder: a dry run opens nothing. Empty when
     * the agent holds them.
     */
    public Optional<String> withoutDescriptors() {
        return dryRun
                ? Optional.of("a dry run carries nothing out, so no file was opened on the host and there is no"
                        + " descriptor to hand over")
                : Optional.empty();
    }

    /**
     * A duplicate (close-on-exec) of the real descriptor the agent holds for {@code file}, to hand to
     * the process of its holder; the caller closes it.
     *
     * @return the duplicate, or -errno: EBADF when the agent holds none for it (its open failed on the
     *     kernel, or this is a dry run)
     */
    public int duplicate(dev.custody.model.FileId file) {
        return dryRun ? -HostCalls.EBADF : calls.duplicate(LiveAgentContext.fileName(file));
    }

    /**
     * Takes {@code fd}, given back by the process of {@code file}'s holder, as the real descriptor
     * behind {@code file}, which the engine holds none for since it restarted. On success the host owns
     * {@code fd}; on failure the caller still does.
     *
     * @return 0, or -errno: EEXIST when the host holds a descriptor for it already, EOPNOTSUPP in a dry
     *     run or on a stand-in for the kernel that holds no descriptors
     */
    public int adopt(dev.custody.model.FileId file, int fd) {
        return dryRun ? -HostCalls.EOPNOTSUPP : calls.adopt(LiveAgentContext.fileName(file), fd);
    }

    /**
     * The files a recovered journal said were open and the start kept open, because a holder's process
     * had taken their descriptors and may still hold them ({@link LiveSession}).
     */
    public long keptAtStart() {
        return keptAtStart.get();
    }

    void noteKeptAtStart(long files) {
        keptAtStart.addAndGet(files);
    }

    /**
     * The agent's own view of the bytes that {@code owner} (an IOAS, or a VFIO container) maps at
     * {@code iova}: the memory allocated for that map and pinned by the kernel, to write what a device
     * should read and read back what it wrote; open, it keeps the memory mapped after an unmap. Empty
     * when no map of it covers the range, or nothing was carried out (a dry run, a stand-in kernel).
     */
    public Optional<MappedMemory> mappedMemory(Handle owner, long iova, long length) {
        if (dryRun) {
            return Optional.empty();
        }
        try {
            return calls.mapped(LiveAgentContext.handleName(owner), iova, length);
        } catch (NotRealisable unnamed) {
            return Optional.empty();
        }
    }

    /**
     * The files a recovered journal said were open and the start closed in the model, because their
     * descriptors went with the previous process ({@link LiveSession}); each is also journaled as a
     * change seen on the host and logged.
     */
    public long closedAtStart() {
        return closedAtStart.get();
    }

    void noteClosedAtStart(long files) {
        closedAtStart.addAndGet(files);
    }

    /**
     * The kernel's answer as the journal records it. The value of an ok answer is the model's when the
     * model said ok too: the handles in it are the model's names, which the agent maps to the kernel's
     * descriptors and ids. A probe's value is the kernel's, the driver it bound: which driver that is
     * depends on id tables the model may not know (a built-in driver's are in no alias file), so a
     * different one is drift, and the model follows the host at once. An errno outside the model's
     * vocabulary (EIO from a failing device, say) is recorded as EINVAL with the kernel's own errno named
     * in the reason, so it still reads as drift.
     */
    private static AnswerRecord kernelAnswer(
            Command<?> command, HostCalls.Answer answer, AnswerRecord predicted, String line) {
        String result = answer.result();
        String said = "the kernel answered " + result + " to \"" + line + "\"" + values(answer);
        return switch (result) {
            case "ok" ->
                !predicted.ok()
                        ? new AnswerRecord("ok", "", "")
                        : command instanceof Command.DriverProbe
                                        && answer.values().containsKey(PROBED_DRIVER)
                                ? new AnswerRecord("ok", "", ReplyText.write(new Reply.Probed(probed(answer))))
                                : new AnswerRecord("ok", "", predicted.value());
            case "WARN", "PENDING" -> new AnswerRecord(result, said, "");
            default ->
                known(result)
                        ? new AnswerRecord(result, said, "")
                        : new AnswerRecord(Errno.EINVAL.name(), said + " (an errno the model does not know)", "");
        };
    }

    /** The driver the agent found bound after drivers_probe ("none": no driver). */
    private static Optional<String> probed(HostCalls.Answer answer) {
        String driver = answer.values().get(PROBED_DRIVER);
        return driver.equals("none") ? Optional.empty() : Optional.of(driver);
    }

    private static boolean known(String errno) {
        return Arrays.stream(Errno.values()).anyMatch(e -> e.name().equals(errno));
    }

    private static String values(HostCalls.Answer answer) {
        return answer.values().isEmpty() ? "" : " " + answer.values();
    }
}
