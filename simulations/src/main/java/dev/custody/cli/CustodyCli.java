package dev.custody.cli;

import dev.custody.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code custody} command line. */
@Command(
        name = "custody",
        mixinStandardHelpOptions = true,
        version = "custody 0.1.0",
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
            ServeCommand.class,
            CtlCommand.class
        },
        description = "DMA-ownership state of IOMMU groups, domains and devices, with the Linux kernel's rules.")
public final class CustodyCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // initialize logging before any actor system logs from another thread (else SLF4J replays noisily)
        org.slf4j.LoggerFactory.getILoggerFactory();
        System.exit(new CommandLine(new CustodyCli()).execute(args));
    }
}
