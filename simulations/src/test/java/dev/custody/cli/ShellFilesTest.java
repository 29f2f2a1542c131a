package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.output.ManPages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The completion script and man pages the build writes ({@code custody shell-files}) cover every command and say what each accepts. */
class ShellFilesTest {

    @TempDir
    Path dir;

    private static List<CommandLine> visible(CommandLine command) {
        List<CommandLine> all = new ArrayList<>(List.of(command));
        for (CommandLine sub : command.getSubcommands().values()) {
            if (!sub.getCommandSpec().usageMessage().hidden()
                    && sub.getCommandSpec().parent() == command.getCommandSpec()) {
                all.addAll(visible(sub));
            }
        }
        return all;
    }

    @Test
    void everyVisibleCommandHasAManPageNamingEachOfItsOptions() throws Exception {
        assertEquals(0, CliRun.of("shell-files", dir.toString()).status());
        List<CommandLine> commands = visible(CustodyCli.commandLine());
        try (var pages = Files.list(dir.resolve("man"))) {
            assertEquals(commands.size(), pages.count(), "one page per command");
        }
        for (CommandLine command : commands) {
            var spec = command.getCommandSpec();
            Path page = dir.resolve("man").resolve(ManPages.pageName(spec) + ".1");
            String roff = Files.readString(page);
            assertTrue(
                    roff.startsWith(".TH \"" + ManPages.pageName(spec).toUpperCase(java.util.Locale.ROOT)),
                    page.toString());
            for (var option : spec.options()) {
                if (!option.hidden()) {
                    assertTrue(
                            roff.contains(ManPages.escape(option.longestName())),
                            page + " lacks " + option.longestName());
                }
            }
            assertTrue(roff.contains(".SH EXIT STATUS"), page.toString());
        }
    }

    @Test
    void theCompletionScriptKnowsTheSubcommandsAndTheirOptions() throws Exception {
        assertEquals(0, CliRun.of("shell-files", dir.toString()).status());
        String bash = Files.readString(dir.resolve("custody-completion.bash"));
        assertTrue(bash.contains("complete -F"), "a bash completion function");
        for (String word : List.of("simulate", "replay", "plan-guest", "--assign", "--out-dir", "--journal")) {
            assertTrue(bash.contains(word), "completes " + word);
        }
    }

    @Test
    void roffRequestsInTextAreDefused() {
        assertEquals("\\&.hidden", ManPages.escape(".hidden"));
        assertEquals("\\\\fB \\-\\-seed", ManPages.escape("\\fB --seed"));
    }
}
