package dev.custody.rules.mapping;

import dev.custody.model.mapping.IovaRange;
import java.util.List;

/** What IOMMU_IOAS_IOVA_RANGES reports: the usable ranges ascending and out_iova_alignment. */
public record IovaRangesAnswer(List<IovaRange> ranges, long alignment) {

    public IovaRangesAnswer {
        ranges = List.copyOf(ranges);
    }
}
