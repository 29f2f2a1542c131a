package dev.custody.nativeio.uapi;

import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Helpers shared by the uapi layout classes. */
final class Uapi {

    private Uapi() {}

    /**
     * A handle on one field of {@code struct} with the base offset fixed at 0, so callers write
     * {@code FIELD.set(segment, value)}: each struct sits at the start of its own segment.
     */
    static VarHandle field(StructLayout struct, String name) {
        VarHandle handle = struct.varHandle(PathElement.groupElement(name));
        return MethodHandles.insertCoordinates(handle, 1, 0L);
    }
}
