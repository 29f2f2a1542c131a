package dev.custody.nativeio.host;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.regex.Pattern;

/**
 * Reads the kernel's uevent message, {@code ACTION@DEVPATH\0KEY=VALUE\0...\0} (lib/kobject_uevent.c:
 * every string is NUL-terminated, the last one too). Never throws on the bytes: whatever is not such
 * a message comes back as {@link UeventParse.Malformed} naming what is wrong and in which field.
 */
public final class UeventParser {

    /** udev's messages begin with this magic (libudev-monitor.c), never the kernel's. */
    private static final byte[] UDEV_PREFIX = "libudev".getBytes(StandardCharsets.US_ASCII);

    private static final Pattern KEY = Pattern.compile("[A-Z0-9_]{1,64}");
    private static final Pattern SEQNUM = Pattern.compile("[0-9]{1,19}");
    /** How much of a bad field an error quotes. */
    private static final int QUOTE = 40;

    private UeventParser() {}

    public static UeventParse parse(byte[] message) {
        return parse(message, message.length);
    }

    /** Parses the first {@code length} bytes of {@code message}. */
    public static UeventParse parse(byte[] message, int length) {
        if (length < 0 || length > message.length) {
            return malformed("length " + length + " outside the buffer of " + message.length + " bytes");
        }
        if (length == 0) return malformed("empty message");
        if (startsWith(message, length, UDEV_PREFIX)) return new UeventParse.FromUdev();
        if (message[length - 1] != 0) {
            return malformed("truncated: the last field has no terminating NUL");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(message, 0, length - 1))
                    .toString();
        } catch (CharacterCodingException e) {
            return malformed("not UTF-8 text");
        }
        String[] fields = text.split("\0", -1);
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].isEmpty()) return malformed("field " + i + " is empty");
            if (fields[i].chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                return malformed("field " + i + " holds a control character");
            }
        }
        return parseFields(fields);
    }

    private static UeventParse parseFields(String[] fields) {
        String header = fields[0];
        int at = header.indexOf('@');
        if (at <= 0) return malformed("header " + quote(header) + " is not ACTION@DEVPATH");
        String word = header.substring(0, at);
        Optional<UeventAction> action = UeventAction.ofWord(word);
        if (action.isEmpty()) return malformed("header names an unknown action " + quote(word));
        String devpath = header.substring(at + 1);
        if (!devpath.startsWith("/")) return malformed("header's devpath " + quote(devpath) + " does not start with /");

        SequencedMap<String, String> variables = new LinkedHashMap<>();
        for (int i = 1; i < fields.length; i++) {
            int equals = fields[i].indexOf('=');
            String key = equals < 0 ? fields[i] : fields[i].substring(0, equals);
            if (equals < 0 || !KEY.matcher(key).matches()) {
                return malformed("field " + i + " " + quote(fields[i]) + " is not KEY=VALUE");
            }
            if (variables.putIfAbsent(key, fields[i].substring(equals + 1)) != null) {
                return malformed("field " + i + " repeats " + key);
            }
        }
        if (!word.equals(variables.getOrDefault("ACTION", word))) {
            return malformed("ACTION=" + quote(variables.get("ACTION")) + " disagrees with the header's " + word);
        }
        if (!devpath.equals(variables.getOrDefault("DEVPATH", devpath))) {
            return malformed("DEVPATH=" + quote(variables.get("DEVPATH")) + " disagrees with the header's devpath");
        }
        String subsystem = variables.get("SUBSYSTEM");
        if (subsystem == null || subsystem.isEmpty()) return malformed("no SUBSYSTEM");
        String seqnum = variables.get("SEQNUM");
        if (seqnum == null) return malformed("no SEQNUM");
        if (!SEQNUM.matcher(seqnum).matches()) return malformed("SEQNUM=" + quote(seqnum) + " is not a number");
        long sequence;
        try {
            sequence = Long.parseLong(seqnum);
        } catch (NumberFormatException e) {
            return malformed("SEQNUM=" + quote(seqnum) + " is out of range");
        }
        return new UeventParse.Event(new Uevent(
                action.get(),
                devpath,
                subsystem,
                Optional.ofNullable(variables.get("DRIVER")),
                Optional.ofNullable(variables.get("PCI_SLOT_NAME")),
                sequence,
                variables));
    }

    private static boolean startsWith(byte[] message, int length, byte[] prefix) {
        if (length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) {
            if (message[i] != prefix[i]) return false;
        }
        return true;
    }

    private static String quote(String text) {
        return "\"" + (text.length() <= QUOTE ? text : text.substring(0, QUOTE) + "...") + "\"";
    }

    private static UeventParse malformed(String reason) {
        return new UeventParse.Malformed(reason);
    }
}
