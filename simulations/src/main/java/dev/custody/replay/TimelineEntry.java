package dev.custody.replay;

import java.time.Instant;
import java.util.List;

/**
 * One command as it touched one group or device: a decision (what happened and how the group's
 * ownership moved), or, in a journal that records every message, an attempt that changed nothing
 * (refused, or a query), with what it was answered. {@code caller} and {@code result} are empty for an
 * older journal's decisions, which recorded neither.
 */
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
        String domainAfter,
        boolean changed,
        String caller,
        String result,
        String reason) {

    /** For JSON output: the time as ISO-8601 text. */
    public java.util.Map<String, Object> json() {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("time", time.toString());
        out.put(changed ? "seq" : "afterSeq", seq);
        out.put("operationId", operationId);
        out.put("caller", caller);
        out.put("result", result);
        if (!reason.isEmpty()) {
            out.put("reason", reason);
        }
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
        if (!changed) {
            return time + "  after #" + seq + "  " + operationId + (caller.isEmpty() ? "" : " by " + caller) + "  "
                    + String.join("; ", events) + " -> " + result + (reason.isEmpty() ? "" : " (" + reason + ")")
                    + "  | owner " + ownerBefore + "  owner_cnt " + ownerCntBefore + "  domain " + domainBefore;
        }
        return time + "  #" + seq + "  " + operationId + (caller.isEmpty() ? "" : " by " + caller)
                + (result.isEmpty() || result.equals("ok") ? "" : " -> " + result) + "  " + String.join("; ", events)
                + "  | owner " + ownerBefore + " -> " + ownerAfter
                + "  owner_cnt " + ownerCntBefore + " -> " + ownerCntAfter
                + "  domain " + domainBefore + " -> " + domainAfter;
    }
}
