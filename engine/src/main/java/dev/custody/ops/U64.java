package dev.custody.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Numbers of the scenario format: JSON numbers or strings with a 0x prefix, compared numerically,
 * with 64-bit unsigned values such as 0xffffffffffffffff surviving (held as the long's bits).
 */
public final class U64 {
    private U64() {}

    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
    /**
     * The spellings of a number in a string: 0x and hex digits, or decimal digits, either with a
     * leading minus (fd -1). Lengths are bounded (a u64 has 16 hex or 20 decimal digits; leading
     * zeros are allowed up to 64 characters), so no string can make parsing slow.
     */
    private static final Pattern HEX = Pattern.compile("(-?)0[xX]([0-9a-fA-F]{1,64})");

    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]{1,64}");
    private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);

    /** The exact value, or empty when the node is not a number in either spelling. */
    public static Optional<BigInteger> exact(JsonNode node) {
        if (node == null) {
            return Optional.empty();
        }
        if (node.isIntegralNumber()) {
            return Optional.of(node.bigIntegerValue());
        }
        if (node.isTextual()) {
            String text = node.textValue().trim();
            Matcher hex = HEX.matcher(text);
            if (hex.matches()) {
                BigInteger magnitude = new BigInteger(hex.group(2), 16);
                return Optional.of(hex.group(1).isEmpty() ? magnitude : magnitude.negate());
            }
            return DECIMAL.matcher(text).matches() ? Optional.of(new BigInteger(text)) : Optional.empty();
        }
        return Optional.empty();
    }

    /** The value as the kernel's u64 bits in a long; empty when out of [-2^63, 2^64). */
    public static Optional<Long> bits(JsonNode node) {
        return exact(node)
                .filter(v -> v.compareTo(MIN) >= 0 && v.compareTo(TWO_64) < 0)
                .map(BigInteger::longValue);
    }

    /** A u64 held in a long, as an exact non-negative number for output. */
    public static BigInteger unsigned(long bits) {
        BigInteger value = BigInteger.valueOf(bits);
        return bits < 0 ? value.add(TWO_64) : value;
    }

    /** Numeric equality of two nodes in either spelling; a negative value equals its u64 bits. */
    public static boolean sameNumber(JsonNode a, JsonNode b) {
        Optional<BigInteger> x = exact(a).map(U64::normalize);
        Optional<BigInteger> y = exact(b).map(U64::normalize);
        return x.isPresent() && x.equals(y);
    }

    private static BigInteger normalize(BigInteger value) {
        return value.signum() < 0 && value.compareTo(MIN) >= 0 ? value.add(TWO_64) : value;
    }
}
