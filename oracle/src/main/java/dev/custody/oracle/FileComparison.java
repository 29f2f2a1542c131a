package dev.custody.oracle;

import java.util.List;
import java.util.Optional;

/**
 * One file's comparison. {@code skipped} says why nothing was compared: the file is not realisable
 * in the VM (a fact about the file), or its run failed ({@code runFailed}: the VM or the agent went
 * wrong, which fails the comparison). {@code outcomes} holds each compared step's result on both
 * sides, for the coverage table ({@link ResultCoverage}).
 */
public record FileComparison(
        String file,
        String kernel,
        int compared,
        int agreeing,
        List<StepDisagreement> disagreements,
        List<String> topologyDifferences,
        Optional<String> skipped,
        boolean runFailed,
        List<StepOutcome> outcomes) {

    public static FileComparison notRealisable(String file, String why) {
        return new FileComparison(file, "", 0, 0, List.of(), List.of(), Optional.of(why), false, List.of());
    }

    public static FileComparison failed(String file, String kernel, String why) {
        return new FileComparison(file, kernel, 0, 0, List.of(), List.of(), Optional.of(why), true, List.of());
    }

    /** No step or group differs and the run, if one was possible, worked. */
    public boolean agrees() {
        return !runFailed && disagreements.isEmpty() && topologyDifferences.isEmpty();
    }
}
