package dev.custody.logging;

import ch.qos.logback.classic.spi.LogbackServiceProvider;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Logback, with SLF4J's MDC turned into a no-op, for the command line only.
 *
 * <p>Pekko fills the MDC whenever an actor's logger is reached: a typed actor's source, system,
 * address and thread, and an event-sourced actor's persistence id and phase, and clears it after the
 * message. An event-sourced actor reaches its logger on every command it persists and every write it
 * confirms, even with nothing to log, so in `bench journal` those puts were about 7% of all samples.
 * Nothing the command line writes prints the MDC (its pattern has no {@code %X}), so it keeps none.
 * An application that embeds the engine keeps its own logging and its own MDC.
 */
public final class LogbackWithoutMdc implements SLF4JServiceProvider {

    private final LogbackServiceProvider logback = new LogbackServiceProvider();
    private final MDCAdapter noMdc = new NOPMDCAdapter();

    /** Makes this the SLF4J provider of this JVM; call before anything logs. A provider already named wins. */
    public static void install() {
        if (System.getProperty("slf4j.provider") == null) {
            // SLF4J announces a provider named this way at INFO on standard error; ours is no news
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                System.setProperty("slf4j.internal.verbosity", "WARN");
            }
            System.setProperty("slf4j.provider", LogbackWithoutMdc.class.getName());
        }
        org.slf4j.LoggerFactory.getILoggerFactory();
    }

    @Override
    public void initialize() {
        logback.initialize();
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return logback.getLoggerFactory();
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return logback.getMarkerFactory();
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return noMdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return logback.getRequestedApiVersion();
    }
}
