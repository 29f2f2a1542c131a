package dev.custody.cli;

import dev.custody.output.ManPages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code custody shell-files DIR}, run by the build: the bash completion script and one man page per
 * command, drawn from the command line's own declarations, so neither says what the commands do not
 * accept. Hidden: users find the files in {@code simulations/target/shell}.
 */
@Command(
        name = "shell-files",
        hidden = true,
        description = "Writes custody-completion.bash and man/custody*.1 into DIR.")
final class ShellFilesCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR")
    Path directory;

    @Override
    public Integer call() throws Exception {
        var root = CustodyCli.commandLine();
        Files.createDirectories(directory);
        Files.writeString(
                directory.resolve("custody-completion.bash"),
                AutoComplete.bash("custody", root),
                StandardCharsets.UTF_8);
        ManPages.write(root, directory.resolve("man"));
        System.out.println("custody: completion and man pages in " + directory);
        return 0;
    }
}
