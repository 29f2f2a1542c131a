package dev.custody.live;

import dev.custody.entity.AnswerRecord;
import dev.custody.entity.ReplyText;
import dev.custody.model.Command;
import dev.custody.model.IovaSpan;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.ops.NotRealisable;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What live mode checks after an IOAS map the kernel carried out: it asks the kernel's own
 * {@code IOMMU_IOAS_IOVA_RANGES} at once and checks that the range the kernel mapped lies inside one of
 * the ranges it allows, that those ranges and their alignment are the ones the model gives the IOAS
 * after the map, and that the kernel mapped at the IOVA the model chose. Anything else is drift: the
 * kernel's answer keeps ok (the kernel did map) and says what differed, with the kernel's IOVA as its
 * value, which the caller then gets.
 */
final class MappedRangeCheck {
    /** Room for this many ranges in the query: the agent's buffer; an IOAS has a handful. */
    static final long RANGES_ASKED = 64;

    private MappedRangeCheck() {}

    /**
     * @param kernel the kernel's answer to {@code map} as recorded so far (ok)
     * @param mapAnswer what the agent reported of the map: the IOVA it used
     * @param ranges performs the query's line on the host
     */
    static AnswerRecord checked(
            Command.IoasMap map,
            HostCalls.Answer mapAnswer,
            AnswerRecord kernel,
            Decision model,
            LiveAgentContext names,
            java.util.function.Function<String, HostCalls.Answer> ranges) {
        List<String> problems = new ArrayList<>();
        Optional<Long> kernelIova = number(mapAnswer.values().get("iova"));
        if (kernelIova.isEmpty()) {
            problems.add("the kernel's answer to the map named no IOVA");
        }
        Optional<Long> modelIova = model.outcome() instanceof Outcome.Ok<Reply> ok
                        && ok.value() instanceof Reply.Amount amount
                        && amount.field().equals("iova")
                ? Optional.of(amount.value())
                : Optional.empty();
        if (kernelIova.isPresent() && modelIova.isPresent() && !kernelIova.equals(modelIova)) {
            problems.add(
                    "the kernel mapped at IOVA " + hex(kernelIova.get()) + ", the model at " + hex(modelIova.get()));
        }
        Command.IoasIovaRanges query = new Command.IoasIovaRanges(map.ioas(), RANGES_ASKED);
        String line;
        try {
            line = Operations.of(query).agentLine(query, names);
        } catch (NotRealisable cannot) {
            problems.add("the IOAS's ranges cannot be asked: " + cannot.getMessage());
            return withProblems(kernel, kernelIova, problems);
        }
        HostCalls.Answer asked = ranges.apply(line);
        if (!asked.result().equals("ok")) {
            problems.add("IOMMU_IOAS_IOVA_RANGES answered " + asked.result() + " (" + line + ")");
            return withProblems(kernel, kernelIova, problems);
        }
        List<IovaSpan> allowed = spans(asked.values().getOrDefault("ranges", ""));
        long alignment = number(asked.values().get("alignment")).orElse(-1L);
        if (kernelIova.isPresent() && !inside(allowed, kernelIova.get(), map.length())) {
            problems.add("the kernel mapped " + hex(kernelIova.get()) + "+" + hex(map.length())
                    + " outside the ranges its IOMMU_IOAS_IOVA_RANGES allows, " + text(allowed));
        }
        Decision modelRanges = Operations.decide(model.state(), query);
        if (modelRanges.outcome() instanceof Outcome.Ok<Reply> ok && ok.value() instanceof Reply.IovaRanges own) {
            if (!own.ranges().equals(allowed) || own.alignment() != alignment) {
                problems.add("the kernel allows " + text(allowed) + " aligned to " + alignment + ", the model "
                        + text(own.ranges()) + " aligned to " + own.alignment());
            }
        } else {
            problems.add("the model answered " + modelRanges.outcome().resultName()
                    + " to the ranges of the IOAS it mapped in");
        }
        return withProblems(kernel, kernelIova, problems);
    }

    private static AnswerRecord withProblems(AnswerRecord kernel, Optional<Long> kernelIova, List<String> problems) {
        if (problems.isEmpty()) {
            return kernel;
        }
        String value = kernelIova
                .map(iova -> ReplyText.write(new Reply.Amount("iova", iova)))
                .orElse(kernel.value());
        return new AnswerRecord(kernel.result(), "after the map: " + String.join("; ", problems), value);
    }

    private static boolean inside(List<IovaSpan> allowed, long iova, long length) {
        if (length == 0) {
            return true;
        }
        long last = iova + length - 1;
        if (Long.compareUnsigned(last, iova) < 0) {
            return false;
        }
        return allowed.stream()
                .anyMatch(span ->
                        Long.compareUnsigned(span.start(), iova) <= 0 && Long.compareUnsigned(last, span.last()) <= 0);
    }

    /** The agent's "start-last,start-last" in unsigned decimal. */
    static List<IovaSpan> spans(String text) {
        List<IovaSpan> spans = new ArrayList<>();
        for (String range : text.split(",")) {
            int dash = range.indexOf('-');
            if (dash > 0) {
                spans.add(new IovaSpan(
                        Long.parseUnsignedLong(range.substring(0, dash)),
                        Long.parseUnsignedLong(range.substring(dash + 1))));
            }
        }
        return spans;
    }

    private static Optional<Long> number(String text) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseUnsignedLong(text));
        } catch (NumberFormatException notOne) {
            return Optional.empty();
        }
    }

    private static String text(List<IovaSpan> spans) {
        return spans.stream()
                .map(s -> hex(s.start()) + "-" + hex(s.last()))
                .toList()
                .toString();
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
