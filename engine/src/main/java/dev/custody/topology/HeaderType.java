package dev.custody.topology;

/** The config header layout (header type register, bits 6:0). */
public enum HeaderType {
    NORMAL(0),
    PCI_BRIDGE(1),
    CARDBUS_BRIDGE(2);

    private final int code;

    HeaderType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static HeaderType fromCode(int code) {
        for (var t : values()) if (t.code == code) return t;
        throw new IllegalArgumentException("unknown header type " + code);
    }
}
