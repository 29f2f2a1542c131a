package dev.custody.bench;

import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Prot;
import dev.custody.rules.mapping.DomainMapRules;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The pure model's page-table arithmetic ({@link DomainMapRules} on {@link IommuDomainMappings}): many
 * small maps one call each, and single large maps in 4 KiB pages. Only the rules' public entry points
 * are used, so the same class measures any representation of the table.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ModelMappingBenchmark {

    static final long K4 = 0x1000;
    static final long VTD_SIZES = K4 | 0x20_0000 | 0x4000_0000;
    /** Maps in the many-calls benchmarks; every other page, so no two leaves continue each other. */
    static final int CALLS = 4096;

    private final IommuDomainMappings vtd = IommuDomainMappings.empty(VTD_SIZES, 48);
    private final IommuDomainMappings fourK = IommuDomainMappings.empty(K4, 48);

    /** 4,096 maps of one 4K page each, every other page, then 4,096 unmaps: a driver mapping buffers one by one. */
    @Benchmark
    public IommuDomainMappings map_unmap_4096_separate_4k() {
        IommuDomainMappings table = vtd;
        for (long n = 0; n < CALLS; n++) {
            table = DomainMapRules.map(table, 2 * n * K4, n * K4, K4, Prot.READ_WRITE)
                    .state();
        }
        for (long n = 0; n < CALLS; n++) {
            table = DomainMapRules.unmap(table, 2 * n * K4, K4).state();
        }
        return table;
    }

    /** 4,096 maps of one 4K page each, each continuing the one before. */
    @Benchmark
    public IommuDomainMappings map_4096_contiguous_4k() {
        IommuDomainMappings table = vtd;
        for (long n = 0; n < CALLS; n++) {
            table = DomainMapRules.map(table, n * K4, n * K4, K4, Prot.READ_WRITE)
                    .state();
        }
        return table;
    }

    /** One map of 512 MiB on a 4 KiB-only domain: 2^17 leaves. */
    @Benchmark
    public IommuDomainMappings map_512m_in_4k() {
        return DomainMapRules.map(fourK, 0, 0, 1L << 29, Prot.READ_WRITE).state();
    }

    /** One map of 1 TiB on a 4 KiB-only domain: 2^28 leaves (or the refusal a bound on leaves answers). */
    @Benchmark
    public Object map_1t_in_4k() {
        return DomainMapRules.map(fourK, 0, 0, 1L << 40, Prot.READ_WRITE).outcome();
    }
}
