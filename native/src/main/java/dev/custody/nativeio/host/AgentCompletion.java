package dev.custody.nativeio.host;

/**
 * A write answered PENDING that has finished since.
 *
 * @param pendingStep the step whose write it was
 * @param at          the step that ran when it was seen finished ("end" after the last one)
 * @param result      its final answer: ok or an errno name
 */
public record AgentCompletion(String pendingStep, String at, String result) {
    /** As the guest agent prints it. */
    public String line() {
        return "C " + pendingStep + " " + at + " " + result;
    }
}
