package dev.custody.cli;

import dev.custody.topology.sysfs.MalformedCaptureException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;

/** Turns the ways topology input can be wrong into exit status 2 with one line naming file and field. */
final class TopologyExits {

    private TopologyExits() {}

    static int guard(Callable<Integer> command) {
        try {
            return command.call();
        } catch (MalformedCaptureException | BadInput e) {
            System.err.println("custody: bad input: " + e.getMessage());
        } catch (UncheckedIOException e) {
            System.err.println("custody: bad input: " + e.getCause().getMessage());
        } catch (IOException e) {
            System.err.println("custody: bad input: " + e.getMessage());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return TopologyCommand.BAD_INPUT;
    }
}
