package dev.custody.oracle;

import dev.custody.nativeio.host.HostAgentMain;
import dev.custody.oracle.vm.AgentBinary;
import dev.custody.oracle.vm.ClassesJar;
import dev.custody.oracle.vm.GuestFile;
import dev.custody.oracle.vm.GuestJdk;
import dev.custody.oracle.vm.JavaInitScript;
import dev.custody.oracle.vm.Kernel;
import dev.custody.oracle.vm.OracleFiles;
import dev.custody.oracle.vm.VmRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which program performs a scenario's script in the guest: the C agent ({@code custody-agent.c},
 * the guest's {@code /init}) or the same interpreter in Java ({@link HostAgentMain}, through FFM)
 * run by {@code java-init.c} on a jlinked JDK. Both print the same answer lines on the agent port;
 * everything else of a run (layout, script, comparison) is the same.
 */
public sealed interface GuestAgent permits GuestAgent.C, GuestAgent.Java {

    /** The VM run of {@code script} with {@code extra} files (the test module) in the guest. */
    VmRequest request(
            Kernel kernel, List<String> qemuArguments, String script, Duration timeout, List<GuestFile> extra);

    /** "c" or "java", as {@code --agent} names them. */
    static GuestAgent named(String name, Path home) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "c" -> C.standard(home);
            case "java" -> Java.standard(home);
            default -> throw new IllegalArgumentException("--agent is c or java, not " + name);
        };
    }

    /** The C agent, built once with the machine's compiler. */
    record C(Path binary) implements GuestAgent {
        static C standard(Path home) {
            return new C(AgentBinary.standard().build(AgentBinary.defaultSource(home)));
        }

        @Override
        public VmRequest request(
                Kernel kernel, List<String> qemuArguments, String script, Duration timeout, List<GuestFile> extra) {
            return new VmRequest(kernel, qemuArguments, script, timeout, binary, extra);
        }
    }

    /**
     * {@link HostAgentMain} on the guest's JVM: java-init as {@code /init}, the runtime, the native
     * module's classes, and the script as {@link #SCRIPT}, since {@code /script} is java-init's own.
     */
    record Java(Path init, GuestJdk.Contents runtime, byte[] classes) implements GuestAgent {
        /** Where the scenario's script is in the guest. */
        static final String SCRIPT = "agent-script";
        /** Where the native classes are in the guest. */
        static final String CLASSES = "custody-host-agent.jar";
        /** The JVM's stderr: the console, whose log the host keeps, so it never mixes with the answers. */
        static final String STDERR = "/dev/ttyS0";

        static Java standard(Path home) {
            return new Java(
                    AgentBinary.standard().build(home.resolve(OracleFiles.INIT_SOURCE)),
                    GuestJdk.standard().contents(),
                    ClassesJar.of(HostAgentMain.class, "dev/custody/nativeio/"));
        }

        @Override
        public VmRequest request(
                Kernel kernel, List<String> qemuArguments, String script, Duration timeout, List<GuestFile> extra) {
            List<GuestFile> files = new ArrayList<>(runtime.files());
            files.add(GuestFile.bytes(CLASSES, 0644, classes));
            files.add(GuestFile.bytes(SCRIPT, 0644, script.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            files.add(GuestFile.directory("tmp"));
            files.addAll(extra);
            return new VmRequest(kernel, qemuArguments, initScript(), timeout, init, files);
        }

        /** java-init's script: the JVM with NativeCheck's flags (interpreter only, which boots fastest under TCG). */
        String initScript() {
            List<String> command = new ArrayList<>(List.of(GuestJdk.javaExecutable()));
            command.addAll(NativeCheck.JVM_FLAGS);
            command.addAll(List.of("-cp", "/" + CLASSES, HostAgentMain.class.getName(), "/" + SCRIPT));
            return new JavaInitScript()
                    .env("LD_LIBRARY_PATH=" + String.join(":", runtime.libraryDirectories()))
                    .stderr(STDERR)
                    .command(command)
                    .text();
        }
    }
}
