package dev.custody.topology.host;

/** Host input that cannot be used (a group or address that is not there): the message names the file or option and the field. */
public final class HostInputException extends RuntimeException {

    public HostInputException(String where, String field, String problem) {
        super(where + ": " + field + ": " + problem);
    }
}
