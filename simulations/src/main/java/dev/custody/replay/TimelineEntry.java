package dev.custody.replay;

import java.time.Instant;
import java.util.List;

/** One decision as it touched one group or device: what happened and how the group's ownership moved. */
public record TimelineEntry(
        Instant time,
        long seq,
        String operationId,
        List<String> events,
        String ownerBefore,
        String ownerAfter,
        int ownerCntBefore,
        int ownerCntAfter,
        String domainBefore,
        String domainAfter) {

    /** For JSON output: the time as ISO-8601 text. */
    public java.util.Map<String, Object> json() {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("time", time.toString());
        out.put("seq", seq);
        out.put("operationId", operationId);
        out.put("events", events);
        out.put("ownerBefore", ownerBefore);
        out.put("ownerAfter", ownerAfter);
        out.put("ownerCntBefore", ownerCntBefore);
        out.put("ownerCntAfter", ownerCntAfter);
        out.put("domainBefore", domainBefore);
        out.put("domainAfter", domainAfter);
        return out;
    }

    public String line() {
        return time + "  #" + seq + "  " + operationId + "  " + String.join("; ", events)
                + "  | owner " + ownerBefore + " -> " + ownerAfter
                + "  owner_cnt " + ownerCntBefore + " -> " + ownerCntAfter
                + "  domain " + domainBefore + " -> " + domainAfter;
    }
}
