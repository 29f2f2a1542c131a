package dev.custody.output;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A man page (roff, section 1) for {@code custody} and for each of its subcommands, drawn from the
 * command line's own declarations, so that a page never says what the command does not accept.
 * picocli's own generator writes AsciiDoc, which needs another tool to become a man page.
 */
public final class ManPages {
    private ManPages() {}

    /** Writes {@code custody.1}, {@code custody-simulate.1}, ... into {@code directory}; the files written. */
    public static List<Path> write(CommandLine root, Path directory) throws IOException {
        Files.createDirectories(directory);
        List<Path> written = new ArrayList<>();
        writeTree(root, directory, written);
        return written;
    }

    private static void writeTree(CommandLine command, Path directory, List<Path> written) throws IOException {
        CommandSpec spec = command.getCommandSpec();
        Path page = directory.resolve(pageName(spec) + ".1");
        Files.writeString(page, page(spec), StandardCharsets.UTF_8);
        written.add(page);
        for (CommandLine sub : command.getSubcommands().values()) {
            if (!sub.getCommandSpec().usageMessage().hidden()
                    && sub.getCommandSpec().parent() == spec) {
                writeTree(sub, directory, written);
            }
        }
    }

    /** {@code custody-topology-show} for {@code custody topology show}. */
    public static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    public static String page(CommandSpec spec) {
        StringBuilder roff = new StringBuilder();
        String name = pageName(spec);
        roff.append(".TH \"")
                .append(name.toUpperCase(java.util.Locale.ROOT))
                .append("\" 1 \"\" \"")
                .append(escape(dev.custody.build.BuildInfo.versionLine()))
                .append("\" \"Custody\"\n");
        roff.append(".SH NAME\n")
                .append(escape(name))
                .append(" \\- ")
                .append(escape(firstLine(spec.usageMessage().description())))
                .append('\n');
        roff.append(".SH SYNOPSIS\n.nf\n")
                .append(escape(spec.commandLine().getHelp().synopsis(0).strip()))
                .append("\n.fi\n");
        roff.append(".SH DESCRIPTION\n");
        for (String line : spec.usageMessage().description()) {
            roff.append(escape(line)).append('\n');
        }
        List<PositionalParamSpec> positionals =
                spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        List<OptionSpec> options =
                spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!positionals.isEmpty() || !options.isEmpty()) {
            roff.append(".SH OPTIONS\n");
        }
        for (PositionalParamSpec positional : positionals) {
            roff.append(".TP\n\\fI")
                    .append(escape(positional.paramLabel()))
                    .append("\\fR\n")
                    .append(escape(String.join(" ", described(positional.description(), positional))))
                    .append('\n');
        }
        for (OptionSpec option : options) {
            roff.append(".TP\n\\fB")
                    .append(escape(String.join(", ", option.names())))
                    .append("\\fR");
            if (option.arity().max() > 0) {
                roff.append(" \\fI").append(escape(option.paramLabel())).append("\\fR");
            }
            roff.append('\n')
                    .append(escape(String.join(" ", described(option.description(), option))))
                    .append('\n');
        }
        if (!spec.subcommands().isEmpty()) {
            roff.append(".SH COMMANDS\n");
            spec.subcommands().forEach((sub, line) -> {
                if (!line.getCommandSpec().usageMessage().hidden()
                        && line.getCommandSpec().name().equals(sub)) {
                    roff.append(".TP\n\\fB")
                            .append(escape(sub))
                            .append("\\fR\n")
                            .append(escape(firstLine(
                                    line.getCommandSpec().usageMessage().description())))
                            .append('\n');
                }
            });
        }
        roff.append(".SH EXIT STATUS\n")
                .append("0: fine; 1: a violation or mismatch found; 2: bad input;"
                        + " 3: an internal error, printed as one line naming a log file with the stack trace.\n");
        return roff.toString();
    }

    /** The description with picocli's ${DEFAULT-VALUE} filled in, as the help shows it. */
    private static List<String> described(String[] description, CommandLine.Model.ArgSpec arg) {
        String fallback = arg.defaultValueString();
        List<String> lines = new ArrayList<>();
        for (String line : description) {
            lines.add(line.replace("${DEFAULT-VALUE}", fallback == null ? "" : fallback));
        }
        return lines;
    }

    /** The description's first sentence, however many lines it spans, without its full stop. */
    private static String firstLine(String[] description) {
        String text = String.join(" ", description).strip();
        int end = text.indexOf(". ");
        String sentence = end < 0 ? text : text.substring(0, end);
        return sentence.endsWith(".") ? sentence.substring(0, sentence.length() - 1) : sentence;
    }

    /** Backslashes doubled, a leading dot or quote kept from reading as a request, hyphens as minus signs. */
    public static String escape(String text) {
        String escaped = text.replace("\\", "\\\\").replace("-", "\\-");
        return escaped.startsWith(".") || escaped.startsWith("'") ? "\\&" + escaped : escaped;
    }
}
