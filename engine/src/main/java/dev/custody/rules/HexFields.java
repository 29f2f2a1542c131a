package dev.custody.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * What the kernel's sscanf makes of a run of {@code "%x %x ..."} conversions: leading blanks skipped,
 * an optional 0x before hex digits, and the scan stopping at the first field that does not start with
 * a hex digit. new_id_store and remove_id_store count the fields it converted.
 */
public final class HexFields {
    private HexFields() {}

    /** Up to {@code max} fields, each as simple_strtoull leaves it (64 bits; the caller narrows). */
    public static List<Long> scan(String text, int max) {
        List<Long> fields = new ArrayList<>();
        int at = 0;
        while (fields.size() < max) {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
            if (at >= text.length() || !isHex(text.charAt(at))) {
                break;
            }
            if (text.charAt(at) == '0'
                    && at + 2 < text.length()
                    && Character.toLowerCase(text.charAt(at + 1)) == 'x'
                    && isHex(text.charAt(at + 2))) {
                at += 2;
            }
            long value = 0;
            while (at < text.length() && isHex(text.charAt(at))) {
                value = value * 16 + Character.digit(text.charAt(at), 16);
                at++;
            }
            fields.add(value);
        }
        return fields;
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0 && c < 128;
    }
}
