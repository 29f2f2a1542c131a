package dev.custody.entity;

import dev.custody.nativeio.pagetable.IoMapping;
import java.util.List;

/**
 * What a domain actor's real page table holds: every leaf ascending by iova (which page sizes it used
 * shows) and the table's checksum of its runs, so an audit can compare it with the journaled mappings.
 */
public record TableDump(List<IoMapping> leaves, long checksum) {
    public TableDump {
        leaves = List.copyOf(leaves);
    }
}
