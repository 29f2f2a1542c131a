package dev.custody.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.oracle.GuestCheckResult;

/** The result of a check run in the oracle's VM (native-check, live-check) as one JSON object. */
public final class GuestCheckJson {
    private GuestCheckJson() {}

    /**
     * {@code {"kernel", "passed": bool, "elapsedMillis", "checks": {"passed": [...], "failed": [...]},
     * "summary", "diagnosis"}}: the guest's PASS and FAIL lines without their prefix, and why it did not
     * pass (null when it did).
     */
    public static String of(String kernel, GuestCheckResult result) throws JsonProcessingException {
        ObjectMapper json = new ObjectMapper();
        var root = json.createObjectNode();
        root.put("kernel", kernel);
        boolean passed = result.allPassed();
        root.put("passed", passed);
        root.put("elapsedMillis", result.vm().elapsed().toMillis());
        var checks = root.putObject("checks");
        var ok = checks.putArray("passed");
        result.passed().forEach(line -> ok.add(line.substring("PASS ".length())));
        var failed = checks.putArray("failed");
        result.failed().forEach(line -> failed.add(line.substring("FAIL ".length())));
        if (result.summary().isPresent()) {
            root.put("summary", result.summary().get());
        } else {
            root.putNull("summary");
        }
        if (passed) {
            root.putNull("diagnosis");
        } else {
            root.put("diagnosis", result.diagnosis());
        }
        return json.writeValueAsString(root);
    }
}
