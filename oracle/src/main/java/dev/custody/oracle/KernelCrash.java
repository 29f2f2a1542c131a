package dev.custody.oracle;

import java.util.ArrayList;
import java.util.List;

/** What a kernel engineer reads first of a crash on the guest console: the BUG line and the top of its trace. */
final class KernelCrash {
    private static final int TRACE_CALLS = 6;

    private KernelCrash() {}

    static List<String> summary(String console) {
        List<String> summary = new ArrayList<>();
        boolean inTrace = false;
        for (String line : console.lines().toList()) {
            String text = line.replaceFirst("^\\[[ 0-9.]+\\] ?", "").strip();
            if (summary.isEmpty()) {
                if (text.startsWith("kernel BUG")
                        || text.startsWith("BUG:")
                        || text.startsWith("Oops")
                        || text.contains("corruption")) {
                    summary.add(text);
                }
            } else if (text.equals("Call Trace:")) {
                inTrace = true;
            } else if (inTrace && summary.size() <= TRACE_CALLS && text.matches("[a-z_][A-Za-z0-9_.]*\\+0x.*")) {
                summary.add(text.replaceFirst(" \\[[a-z0-9_]+\\]$", ""));
            } else if (inTrace && text.startsWith("</TASK>")) {
                break;
            }
        }
        return summary.isEmpty() ? List.of("see the console (Kernel panic)") : summary;
    }
}
