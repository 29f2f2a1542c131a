package dev.custody.topology;

/**
 * Whether one function counts as ACS-isolated for SV|RR|CR|UF, and on what grounds.
 *
 * @param unsafe true when only a policy override makes it count as isolated
 */
public record AcsVerdict(PciAddress device, boolean isolated, String grounds, Source source, boolean unsafe) {

    /** Where the answer came from, so explanations can name overrides and quirks. */
    public enum Source {
        OVERRIDE,
        DEVICE_QUIRK,
        CAPABILITY,
        NOT_APPLICABLE,
        NEVER
    }
}
