package dev.custody.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * The IOMMU model a VFIO container is asked for with VFIO_SET_IOMMU, by its uapi number. Only the
 * type1 driver exists on the hosts Custody models; the others are there so a caller can ask for
 * them and get the kernel's refusal.
 */
public enum IommuType {
    TYPE1("type1", 1),
    SPAPR_TCE("spapr-tce", 2),
    TYPE1V2("type1v2", 3),
    NOIOMMU("noiommu", 8);

    private final String scenarioName;
    private final int uapiNumber;

    IommuType(String scenarioName, int uapiNumber) {
        this.scenarioName = scenarioName;
        this.uapiNumber = uapiNumber;
    }

    /** The name scenario files use ("type1", "type1v2", ...). */
    public String scenarioName() {
        return scenarioName;
    }

    /** The VFIO_*_IOMMU value passed to the ioctl. */
    public int uapiNumber() {
        return uapiNumber;
    }

    public static Optional<IommuType> byScenarioName(String name) {
        return Arrays.stream(values()).filter(t -> t.scenarioName.equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return scenarioName;
    }
}
