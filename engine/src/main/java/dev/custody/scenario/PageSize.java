package dev.custody.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.ops.U64;
import java.util.Optional;

/** Page sizes written as "4K", "2M", "1G" or as numbers; they must be powers of two of at least 4 KiB. */
final class PageSize {
    private PageSize() {}

    static Optional<Long> parse(JsonNode node) {
        Optional<Long> bytes = node.isTextual() ? suffixed(node.textValue().trim()) : Optional.empty();
        if (bytes.isEmpty()) {
            bytes = U64.bits(node);
        }
        return bytes.filter(b -> b >= 4096 && Long.bitCount(b) == 1);
    }

    private static Optional<Long> suffixed(String text) {
        if (text.length() < 2) {
            return Optional.empty();
        }
        int shift = switch (Character.toUpperCase(text.charAt(text.length() - 1))) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> -1;
        };
        if (shift < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(text.substring(0, text.length() - 1)) << shift);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
