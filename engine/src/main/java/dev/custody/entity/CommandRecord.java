package dev.custody.entity;

import dev.custody.model.Command;

/**
 * A command as the journal records it: who sent it, the operation id it came with, whether that id
 * was the caller's own (then a retry under it gets the first answer again, {@link RecentOperations}),
 * and the command itself as {@link CommandText}.
 */
public record CommandRecord(String caller, String operationId, boolean callersId, String command) {

    public static CommandRecord of(String caller, String operationId, boolean callersId, Command<?> command) {
        return new CommandRecord(caller, operationId, callersId, CommandText.write(command));
    }

    /** The command read back through the operation catalogue. */
    public Command<?> read() {
        return CommandText.read(command);
    }

    /** The operation's scenario name ("driver.bind", ...; "boot" for the machine's boot). */
    public String operation() {
        return CommandText.operation(command).orElse("?");
    }

    /** FNV-1a over the command text: tells a retry from another command under the same operation id. */
    public long digest() {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < command.length(); i++) {
            hash ^= command.charAt(i);
            hash *= 0x100000001b3L;
        }
        return hash;
    }
}
