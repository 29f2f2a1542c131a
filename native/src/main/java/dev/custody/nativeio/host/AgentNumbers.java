package dev.custody.nativeio.host;

import java.math.BigInteger;

/**
 * Numbers as the guest agent reads them (C's {@code strtoull} with base 0: {@code 0x} hex, a leading
 * 0 octal, else decimal, a leading minus negating modulo 2^64), except that text which is not
 * wholly a number is refused instead of read as 0.
 */
final class AgentNumbers {
    private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);

    private AgentNumbers() {}

    static long number(String text) throws BadLine {
        String digits = text;
        boolean negative = false;
        if (digits.startsWith("-") || digits.startsWith("+")) {
            negative = digits.startsWith("-");
            digits = digits.substring(1);
        }
        int radix = 10;
        if (digits.length() > 2 && (digits.startsWith("0x") || digits.startsWith("0X"))) {
            radix = 16;
            digits = digits.substring(2);
        } else if (digits.length() > 1 && digits.startsWith("0")) {
            radix = 8;
            digits = digits.substring(1);
        }
        if (digits.isEmpty() || digits.startsWith("-") || digits.startsWith("+")) {
            throw notANumber(text);
        }
        BigInteger value;
        try {
            value = new BigInteger(digits, radix);
        } catch (NumberFormatException e) {
            throw notANumber(text);
        }
        if (value.compareTo(TWO_TO_64) >= 0) {
            throw new BadLine("\"" + text + "\" is more than 64 bits");
        }
        return negative ? -value.longValue() : value.longValue();
    }

    private static BadLine notANumber(String text) {
        return new BadLine("\"" + text + "\" is not a number");
    }
}
