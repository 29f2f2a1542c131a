package dev.custody.model;

/**
 * What a scenario name or number refers to when a command names an object. Commands carry handles,
 * not names, so the rules can answer a wrong kind of object with the kernel's errno (EBADFD, ENOENT...).
 */
public sealed interface Handle {
    record File(FileId id) implements Handle {}

    record Domain(DomainId id) implements Handle {}

    record IommufdObject(FileId iommufd, ObjectId id) implements Handle {}

    /** A raw number that names nothing: fd -1, object id 0. */
    record Number(long value) implements Handle {}

    /** A scenario name whose creating step failed, so it names nothing. */
    record Unbound(String name) implements Handle {}
}
