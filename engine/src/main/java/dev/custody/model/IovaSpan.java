package dev.custody.model;

/**
 * An IOVA range as a caller passes it, {@code [start, last]} with both ends inclusive and no check
 * that start is not above last: the rules answer an inverted range with the kernel's errno.
 */
public record IovaSpan(long start, long last) {}
