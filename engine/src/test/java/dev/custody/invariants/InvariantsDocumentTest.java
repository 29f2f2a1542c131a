package dev.custody.invariants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/invariants.md is written by hand, and checked here against {@link Invariant}: its table must
 * list exactly the enum's rows, in the enum's order, with the same kind and statement. On a mismatch
 * the message carries the whole table as it should read, ready to paste.
 */
class InvariantsDocumentTest {
    private static final String HEADER = "| Code | Kind | Statement |";

    @Test
    void theDocumentListsEveryInvariantWithItsStatement() throws IOException {
        List<String> documented = tableRows(Files.readAllLines(document()));
        List<String> expected = Arrays.stream(Invariant.values())
                .map(InvariantsDocumentTest::row)
                .toList();
        assertEquals(
                String.join("\n", expected),
                String.join("\n", documented),
                "docs/invariants.md must list exactly the Invariant enum; the table should read:\n\n" + HEADER + "\n"
                        + "|---|---|---|\n" + expected.stream().collect(Collectors.joining("\n")) + "\n");
    }

    @Test
    void everyCodeIsOneStatementExceptD3WhichHasOnePerKind() {
        var byCode = Arrays.stream(Invariant.values()).collect(Collectors.groupingBy(Invariant::code));
        byCode.forEach((code, rows) -> {
            if (code.equals("D3")) {
                assertEquals(2, rows.size());
                assertTrue(rows.get(0).kind() != rows.get(1).kind(), "D3's two rows differ in kind");
            } else {
                assertEquals(1, rows.size(), code + " is used by " + rows);
            }
        });
    }

    static String row(Invariant invariant) {
        return "| " + invariant.code() + " | " + invariant.kind() + " | " + invariant.statement() + " |";
    }

    /** The rows of the one table whose header is {@link #HEADER}, without header and separator. */
    private static List<String> tableRows(List<String> lines) {
        int header = lines.indexOf(HEADER);
        assertTrue(header >= 0, "docs/invariants.md has no table headed " + HEADER);
        List<String> rows = new ArrayList<>();
        for (String line : lines.subList(header + 2, lines.size())) {
            if (!line.startsWith("|")) {
                break;
            }
            rows.add(line.strip());
        }
        return rows;
    }

    private static Path document() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("docs").resolve("invariants.md");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError(
                "docs/invariants.md not found above " + Path.of("").toAbsolutePath());
    }
}
