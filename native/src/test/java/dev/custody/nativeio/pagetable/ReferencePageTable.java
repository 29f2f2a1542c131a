package dev.custody.nativeio.pagetable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The obviously-correct model the off-heap table is checked against: leaves in a TreeMap keyed
 * by iova. It keeps leaves rather than 4 KiB pages so that a 1 GiB mapping costs one entry
 * instead of 262144, and because unmap removes whole leaves.
 */
final class ReferencePageTable {

    private static final long[] SIZES_DESCENDING = {
        PageSizeBitmap.SIZE_1G, PageSizeBitmap.SIZE_2M, PageSizeBitmap.SIZE_4K
    };

    private final long pageSizeBits;
    private final long smallest;
    private final long iovaLimit;
    private final TreeMap<Long, IoMapping> leaves = new TreeMap<>();

    ReferencePageTable(long pageSizeBits, int addressWidth) {
        this.pageSizeBits = pageSizeBits;
        this.smallest = Long.lowestOneBit(pageSizeBits);
        this.iovaLimit = 1L << addressWidth;
    }

    /** The leaves a valid map request would create, or null when the request is invalid. */
    List<IoMapping> chunks(long iova, long paddr, long size, int prot) {
        if (prot == 0 || size <= 0 || iova < 0) {
            return null;
        }
        if (iova % smallest != 0 || Long.remainderUnsigned(paddr, smallest) != 0 || size % smallest != 0) {
            return null;
        }
        if (iova > iovaLimit - size || Long.compareUnsigned(paddr + size - 1, paddr) < 0) {
            return null;
        }
        List<IoMapping> chunks = new ArrayList<>();
        for (long done = 0; done < size; ) {
            for (long pageSize : SIZES_DESCENDING) {
                boolean supported = (pageSizeBits & pageSize) != 0;
                if (supported
                        && pageSize <= size - done
                        && (iova + done) % pageSize == 0
                        && (paddr + done) % pageSize == 0) {
                    chunks.add(new IoMapping(iova + done, paddr + done, pageSize, prot));
                    done += pageSize;
                    break;
                }
            }
        }
        return chunks;
    }

    MapResult map(long iova, long paddr, long size, int prot) {
        List<IoMapping> chunks = chunks(iova, paddr, size, prot);
        if (chunks == null) {
            return MapResult.EINVAL;
        }
        for (IoMapping chunk : chunks) {
            Map.Entry<Long, IoMapping> last = leaves.floorEntry(chunk.iovaEnd() - 1);
            if (last != null && last.getValue().iovaEnd() > chunk.iova()) {
                return MapResult.EEXIST;
            }
        }
        for (IoMapping chunk : chunks) {
            leaves.put(chunk.iova(), chunk);
        }
        return MapResult.OK;
    }

    long unmap(long iova, long size) {
        if (size <= 0 || iova < 0 || iova >= iovaLimit || iova % smallest != 0 || size % smallest != 0) {
            return 0;
        }
        long removed = 0;
        long position = iova;
        while (removed < size) {
            IoMapping leaf = leafCovering(position);
            if (leaf == null) {
                break;
            }
            leaves.remove(leaf.iova());
            removed += leaf.size();
            position = leaf.iovaEnd();
        }
        return removed;
    }

    long iovaToPhys(long iova) {
        IoMapping leaf = leafCovering(iova);
        return leaf == null ? 0 : leaf.paddr() + (iova - leaf.iova());
    }

    IoMapping leafCovering(long iova) {
        Map.Entry<Long, IoMapping> entry = leaves.floorEntry(iova);
        return entry != null && entry.getValue().iovaEnd() > iova ? entry.getValue() : null;
    }

    List<IoMapping> leaves() {
        return List.copyOf(leaves.values());
    }

    List<IoMapping> runs() {
        List<IoMapping> runs = new ArrayList<>();
        for (IoMapping leaf : leaves.values()) {
            IoMapping last = runs.isEmpty() ? null : runs.getLast();
            if (last != null
                    && last.iovaEnd() == leaf.iova()
                    && last.paddr() + last.size() == leaf.paddr()
                    && last.prot() == leaf.prot()) {
                runs.set(
                        runs.size() - 1,
                        new IoMapping(last.iova(), last.paddr(), last.size() + leaf.size(), last.prot()));
            } else {
                runs.add(leaf);
            }
        }
        return runs;
    }

    int leafCount() {
        return leaves.size();
    }
}
