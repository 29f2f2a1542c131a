package dev.custody.model.mapping;

/** One iommufd {@code iopt_area}: {@code [iova, iova + length)} mapped with {@code prot}. */
public record IoasArea(long iova, long length, Prot prot) {

    public IovaRange range() {
        return IovaRange.ofLength(iova, length);
    }

    @Override
    public String toString() {
        return range().toString();
    }
}
