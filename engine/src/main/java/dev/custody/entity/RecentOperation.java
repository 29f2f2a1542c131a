package dev.custody.entity;

/**
 * An operation a caller named with its own id, and the answer it got: a retry under the same caller and
 * id gets this answer again instead of a second decision. {@code digest} is the command's ({@link
 * CommandRecord#digest}), so that another command under a used id is told apart from a retry.
 */
public record RecentOperation(String caller, String operationId, long digest, AnswerRecord answer) {

    static RecentOperation of(CommandRecord command, AnswerRecord answer) {
        return new RecentOperation(command.caller(), command.operationId(), command.digest(), answer);
    }

    String key() {
        return key(caller, operationId);
    }

    static String key(String caller, String operationId) {
        return caller + '\n' + operationId;
    }
}
