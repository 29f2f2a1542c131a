package dev.custody.oracle;

/** One step's result on each side: the operation, what the engine answered and what the kernel did. */
public record StepOutcome(String op, String engine, String kernel) {}
