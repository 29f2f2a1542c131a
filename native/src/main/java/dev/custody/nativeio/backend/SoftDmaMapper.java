package dev.custody.nativeio.backend;

import dev.custody.nativeio.pagetable.IoPageTable;
import dev.custody.nativeio.pagetable.MapResult;
import dev.custody.nativeio.pagetable.PageSizeBitmap;

/** {@link DmaMapper} over an {@link IoPageTable} it owns: {@code address} is a physical address. */
public final class SoftDmaMapper implements DmaMapper {

    private final IoPageTable table;

    public SoftDmaMapper(PageSizeBitmap pageSizes, int addressWidth) {
        this.table = new IoPageTable(pageSizes, addressWidth);
    }

    @Override
    public DmaBackend backend() {
        return DmaBackend.SOFT;
    }

    @Override
    public int map(long iova, long address, long length, boolean read, boolean write) {
        MapResult result = table.map(iova, address, length, read, write);
        return -result.errno();
    }

    /** As {@link IoPageTable#unmap}: never an error, 0 bytes for a misaligned or empty range. */
    @Override
    public long unmap(long iova, long length) {
        return table.unmap(iova, length);
    }

    /** The table, for translation and checksums; valid until {@link #close()}. */
    public IoPageTable table() {
        return table;
    }

    @Override
    public void close() {
        table.close();
    }
}
