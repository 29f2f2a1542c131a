package dev.custody.rules;

import static dev.custody.rules.Results.fail;

import dev.custody.model.Errno;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile.IommufdFile;
import java.util.Optional;

/**
 * IOMMU_GET_HW_INFO (iommufd_get_hw_info): what the IOMMU behind a bound device reports. The model's
 * IOMMUs are Intel VT-d as QEMU emulates it, so the answer is the VT-d type with its 24-byte
 * struct iommu_hw_info_vtd and no capability (no dirty tracking); the cap_reg and ecap_reg inside the
 * data are the hardware's and not modelled (docs/decisions.md).
 */
public final class HwInfoRules {
    private HwInfoRules() {}

    /** IOMMU_HW_INFO_TYPE_INTEL_VTD. */
    public static final long TYPE_INTEL_VTD = 1;
    /** sizeof(struct iommu_hw_info_vtd): flags, __reserved, cap_reg, ecap_reg. */
    public static final long VTD_DATA_LENGTH = 24;

    /**
     * The byte of the 32 bits after out_data_type that 6.12.118's uapi (as Debian builds it) calls
     * out_max_pasid_log2: an output, so whatever the caller puts there is not checked.
     */
    static final long OUT_MAX_PASID_LOG2 = 0xff;

    /**
     * IOMMU_GET_HW_INFO; {@code reserved} is the 32 bits after out_data_type as one number (6.12.0's
     * __reserved, 6.12.118's out_max_pasid_log2 and __reserved[3], little-endian).
     */
    public static Outcome<Reply> getHwInfo(Tx tx, Handle fd, Handle device, long flags, long reserved) {
        // another kind of fd answers as for a command it does not know (an unbound cdev: EINVAL)
        Fd<IommufdFile> found = Fd.ioctl(tx.state(), fd, IommufdFile.class);
        if (!found.found()) {
            return found.error();
        }
        if (flags != 0 || (reserved & ~OUT_MAX_PASID_LOG2) != 0) {
            // iommufd_get_hw_info: any flag (6.12 defines none) or a non-zero __reserved[3] -> EOPNOTSUPP;
            // the low byte of those 32 bits is out_max_pasid_log2 in 6.12.118, an output the kernel overwrites
            return fail(
                    Errno.EOPNOTSUPP,
                    "flags 0x" + Long.toHexString(flags) + " and __reserved 0x"
                            + Long.toHexString(reserved & ~OUT_MAX_PASID_LOG2) + " must be 0");
        }
        Optional<IommufdObject> object = IommufdRules.object(tx, found.get(), device);
        if (!(object.orElse(null) instanceof IommufdObject.Device)) {
            // iommufd_get_device: the id is no device object of this iommufd -> ENOENT
            return fail(
                    Errno.ENOENT,
                    "dev_id " + Fd.describe(tx.state(), device) + " is not a device of "
                            + found.get().label());
        }
        // intel_iommu_hw_info; intel_iommu_capable(IOMMU_CAP_DIRTY_TRACKING) is false without SSADS
        return Results.ok(new Reply.HwInfo(TYPE_INTEL_VTD, VTD_DATA_LENGTH, 0));
    }
}
