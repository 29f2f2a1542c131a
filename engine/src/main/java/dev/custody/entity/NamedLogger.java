package dev.custody.entity;

import org.apache.pekko.actor.typed.internal.ActorContextImpl;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.slf4j.LoggerFactory;

/**
 * Gives an actor its logger before Pekko looks for one. Pekko's event-sourced behaviour asks its
 * context, as it starts, whether the logger has a custom name, and a context without a logger yet
 * finds one by walking the thread's stack for the first class outside Pekko. Every file and domain the
 * workload opens starts an entity actor, and that walk was a quarter of an entity's start (4% of the
 * in-memory journal's time in {@code bench journal}). Naming the logger here skips it; the name is the
 * one Pekko would have set (the behaviour's class).
 *
 * <p>This reaches into Pekko's internal API (the context's logging slot, public in the bytecode only):
 * a Pekko that changes it fails to compile here, and one that changes it at run time leaves the
 * context as it was, so Pekko finds its logger the slow way.
 */
final class NamedLogger {
    private NamedLogger() {}

    /** Sets the logger of {@code context} to the one named after {@code owner}; false when Pekko does not allow it. */
    static boolean set(ActorContext<?> context, Class<?> owner) {
        if (!(context instanceof ActorContextImpl<?> impl)) {
            return false;
        }
        try {
            if (impl.org$apache$pekko$actor$typed$internal$ActorContextImpl$$_logging() != null) {
                return false; // a logger is there already: nothing to skip
            }
            var logger = LoggerFactory.getLogger(owner.getName());
            var logging = ActorContextImpl.LoggingContext$.MODULE$
                    .apply(logger, impl.classicActorContext().props().deploy().tags(), impl)
                    .withLogger(logger); // marks the name as chosen, so Pekko keeps it
            impl.org$apache$pekko$actor$typed$internal$ActorContextImpl$$_logging_$eq(logging);
            return true;
        } catch (LinkageError changed) {
            return false;
        }
    }
}
