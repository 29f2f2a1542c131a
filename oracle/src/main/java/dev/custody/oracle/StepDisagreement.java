package dev.custody.oracle;

import com.fasterxml.jackson.databind.JsonNode;

/** One step where the engine and the kernel answered differently, and in what. */
public record StepDisagreement(int step, String op, String field, JsonNode engine, JsonNode kernel) {}
