package dev.custody.nativeio.host;

import java.util.List;

/** One verb of the guest agent's language: how many arguments it needs at least, and what it does. */
record Verb(String name, int arguments, Body body) {
    @FunctionalInterface
    interface Body {
        AgentAnswer perform(String step, List<String> args) throws BadLine;
    }
}
