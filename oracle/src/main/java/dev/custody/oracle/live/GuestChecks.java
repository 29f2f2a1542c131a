package dev.custody.oracle.live;

import dev.custody.api.EngineAdmin;
import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.rules.Decision;
import java.io.PrintStream;

/**
 * The lines a check run in the guest prints for the host to read: {@code PASS name detail} or
 * {@code FAIL name detail} per check, then a summary. Also the engine call every such check makes: a
 * command that must be answered ok (in live host mode, the kernel's answer, which is the model's unless
 * it drifted).
 */
public final class GuestChecks {
    private final PrintStream out;
    private int passed;
    private int failed;

    public GuestChecks(PrintStream out) {
        this.out = out;
    }

    public void check(String name, boolean ok, String detail) {
        if (ok) {
            passed++;
        } else {
            failed++;
        }
        out.println((ok ? "PASS " : "FAIL ") + name + " " + detail);
    }

    /** Decides {@code command}, checks that it was answered ok, and returns the decision. */
    public Decision agreed(EngineAdmin engine, String name, Command<?> command) {
        Decision decision = engine.decide(command).toCompletableFuture().join();
        check(
                name,
                decision.outcome().isOk(),
                decision.outcome().resultName()
                        + decision.outcome()
                                .explanation()
                                .map(e -> " (" + e + ")")
                                .orElse(""));
        return decision;
    }

    /** The handle a decision created; a number that names nothing when it created none. */
    public static Handle created(Decision decision) {
        if (decision.outcome() instanceof Outcome.Ok<Reply> ok && ok.value() instanceof Reply.Created created) {
            return created.handle();
        }
        return new Handle.Number(-1);
    }

    public void note(String text) {
        out.println("NOTE " + text);
    }

    /** Prints {@code PREFIX<passed> passed <failed> failed}. */
    public void summary(String prefix) {
        out.println(prefix + passed + " passed " + failed + " failed");
        out.flush();
    }

    public boolean allPassed() {
        return failed == 0;
    }
}
