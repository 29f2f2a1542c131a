package dev.custody.model.state;

/** The VFIO type1 IOMMU driver flavours (VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU). */
public enum Type1Version {
    V1("type1"),
    V2("type1v2");

    private final String scenarioName;

    Type1Version(String scenarioName) {
        this.scenarioName = scenarioName;
    }

    public String scenarioName() {
        return scenarioName;
    }
}
