package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.KryoException;
import dev.custody.model.mapping.Prot;

/** The prot byte of the mapping serializers: IOMMU_READ = 1, IOMMU_WRITE = 2 ({@link Prot#bits()}). */
final class Bits {
    private Bits() {}

    static Prot prot(int bits) {
        if ((bits & ~3) != 0) {
            throw new KryoException("corrupt prot byte " + bits + ": only IOMMU_READ (1) and IOMMU_WRITE (2) exist");
        }
        return new Prot((bits & 1) != 0, (bits & 2) != 0);
    }
}
