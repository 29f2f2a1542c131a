package dev.custody.cli;

/** Input the topology commands cannot use (exit 2); the message names the file or option and the field. */
final class BadInput extends RuntimeException {

    BadInput(String where, String field, String problem) {
        super(where + ": " + field + ": " + problem);
    }
}
