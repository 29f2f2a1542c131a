package dev.custody.cli;

import dev.custody.bench.BenchCommand;
import dev.custody.logging.LogbackWithoutMdc;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code custody} command line. */
@Command(
        name = "custody",
        mixinStandardHelpOptions = true,
        versionProvider = CustodyCli.Version.class,
        subcommands = {
            SimulateCommand.class,
            ScenarioCommand.class,
            OracleCommand.class,
            TopologyCommand.class,
            BenchCommand.class,
            ReplayCommand.class,
            InspectCommand.class,
            CrashTestCommand.class,
            CrashWorkloadCommand.class,
            ClusterTestCommand.class,
            ServeCommand.class,
            CtlCommand.class,
            ShellFilesCommand.class
        },
        description = "DMA-ownership state of IOMMU groups, domains and devices, with the Linux kernel's rules.")
public final class CustodyCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** An error of the command line itself, not of the input: never 1 ("mismatch or violation") or 2 ("bad input"). */
    static final int INTERNAL_ERROR = 3;

    public static void main(String[] args) {
        // initialize logging before any actor system logs from another thread (else SLF4J replays noisily)
        LogbackWithoutMdc.install();
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new CustodyCli()).setExecutionExceptionHandler(new InternalErrors(System.err));
    }

    /**
     * What a command did not expect (a bug, a crashed engine) is one line on standard error naming a
     * log file that holds the stack trace, and exit status 3, so scripts can tell it from a finding.
     */
    static final class InternalErrors implements CommandLine.IExecutionExceptionHandler {
        private final PrintStream err;

        InternalErrors(PrintStream err) {
            this.err = err;
        }

        @Override
        public int handleExecutionException(Exception failure, CommandLine command, CommandLine.ParseResult parsed) {
            String where;
            try {
                Path log = Files.createTempFile("custody-internal-error-", ".log");
                StringWriter trace = new StringWriter();
                failure.printStackTrace(new PrintWriter(trace));
                Files.writeString(log, "custody " + String.join(" ", parsed.originalArgs()) + "\n" + trace);
                where = "details in " + log;
            } catch (IOException | RuntimeException unwritable) {
                where = "no log could be written: " + unwritable.getMessage();
            }
            err.println("custody " + command.getCommandName() + ": internal error ("
                    + failure.getClass().getSimpleName()
                    + (failure.getMessage() == null
                            ? ""
                            : ": " + failure.getMessage().lines().findFirst().orElse(""))
                    + "); " + where);
            return INTERNAL_ERROR;
        }
    }

    /** {@code --version}: the build's version and commit. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {dev.custody.build.BuildInfo.versionLine()};
        }
    }
}
