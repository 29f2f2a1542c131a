package dev.custody.api;

import dev.custody.model.DomainId;

/** A paging domain an in-kernel caller allocated. */
public final class DomainRef extends Capability {
    final DomainId id;

    DomainRef(Object issuer, DomainId id, String label) {
        super(issuer, label);
        this.id = id;
    }
}
