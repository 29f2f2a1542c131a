package dev.custody.model.mapping;

/**
 * {@link IommuDomainMappings#checksum()} over a run of leaves in closed form. One leaf takes the hash
 * h to 31^4 h + 31^3 iova + 31^2 paddr + 31 size + prot; in a run leaf n has iova0 + n size and paddr0
 * + n size, so a leaf is the affine step (h, n) -> (A h + C n + B, n + 1) with A = 31^4, B the first
 * leaf's terms and C = (31^3 + 31^2) size. A run of count leaves is that 3x3 matrix to the power count,
 * taken by squaring in wrapping 64-bit arithmetic: O(log count), and exactly the leaf-by-leaf value
 * (matrix products are exact modulo 2^64, where no division is needed).
 */
final class LeafChecksum {
    private LeafChecksum() {}

    private static final long A = 31L * 31 * 31 * 31;

    /** The hash after the run's leaves, from {@code h} before them. */
    static long afterRun(long h, Mapping run) {
        long b = 31L * 31 * 31 * run.iova()
                + 31L * 31 * run.paddr()
                + 31L * run.size()
                + run.prot().bits();
        long c = (31L * 31 * 31 + 31L * 31) * run.size();
        long[] step = {A, c, b, 0, 1, 1, 0, 0, 1};
        long[] power = power(step, run.count());
        // (h, 0, 1) through the power: h' = p00 h + p01 * 0 + p02
        return power[0] * h + power[2];
    }

    private static long[] power(long[] matrix, long exponent) {
        long[] result = {1, 0, 0, 0, 1, 0, 0, 0, 1};
        long[] base = matrix;
        for (long e = exponent; e != 0; e >>>= 1) {
            if ((e & 1) != 0) {
                result = times(result, base);
            }
            base = times(base, base);
        }
        return result;
    }

    private static long[] times(long[] x, long[] y) {
        long[] product = new long[9];
        for (int row = 0; row < 3; row++) {
            for (int column = 0; column < 3; column++) {
                long sum = 0;
                for (int k = 0; k < 3; k++) {
                    sum += x[row * 3 + k] * y[k * 3 + column];
                }
                product[row * 3 + column] = sum;
            }
        }
        return product;
    }
}
