package dev.custody.model.event;

import dev.custody.model.DomainId;
import dev.custody.model.FileId;
import dev.custody.model.ObjectId;
import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Prot;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile;
import java.util.List;
import java.util.Optional;

/**
 * A fact about one open file of user space (VFIO, iommufd): a VFIO group or device fd, a container, an
 * iommufd, a cdev. Each record names the file by its role (groupFile, container, iommufd, cdev);
 * {@link #subject()} is that file.
 */
public sealed interface FileEvent extends KernelEvent {

    @Override
    FileId subject();

    record FileOpened(OpenFile file) implements FileEvent {
        @Override
        public FileId subject() {
            return file.id();
        }
    }

    record FdClosed(FileId file) implements FileEvent {
        @Override
        public FileId subject() {
            return file;
        }
    }

    /** The last reference went: the file object is gone. */
    record FileReleased(FileId file) implements FileEvent {
        @Override
        public FileId subject() {
            return file;
        }
    }

    record GroupFileContainerSet(FileId groupFile, Optional<FileId> container) implements FileEvent {
        @Override
        public FileId subject() {
            return groupFile;
        }
    }

    record GroupFileIommufdSet(FileId groupFile, Optional<FileId> iommufd) implements FileEvent {
        @Override
        public FileId subject() {
            return groupFile;
        }
    }

    /** The group's last VFIO device went away while the file was open: ioctls now answer ENODEV. */
    record GroupFileDetached(FileId groupFile) implements FileEvent {
        @Override
        public FileId subject() {
            return groupFile;
        }
    }

    /** SET_IOMMU installed the type1 driver with an empty vfio_dma list; empty when it was released. */
    record ContainerIommuDriverSet(FileId container, Optional<Type1DmaSpace> iommu) implements FileEvent {
        @Override
        public FileId subject() {
            return container;
        }
    }

    record ContainerDomainSet(FileId container, String iommu, Optional<DomainId> domain) implements FileEvent {
        @Override
        public FileId subject() {
            return container;
        }
    }

    record CdevBindingSet(FileId cdev, Optional<OpenFile.IommufdRef> binding) implements FileEvent {
        @Override
        public FileId subject() {
            return cdev;
        }
    }

    record IommufdObjectAdded(FileId iommufd, IommufdObject object) implements FileEvent {
        @Override
        public FileId subject() {
            return iommufd;
        }
    }

    record IommufdObjectRemoved(FileId iommufd, ObjectId object) implements FileEvent {
        @Override
        public FileId subject() {
            return iommufd;
        }
    }

    record IommufdDeviceAttached(FileId iommufd, ObjectId device, Optional<ObjectId> hwpt) implements FileEvent {
        @Override
        public FileId subject() {
            return iommufd;
        }
    }

    record CompatIoasSet(FileId iommufd, ObjectId ioas) implements FileEvent {
        @Override
        public FileId subject() {
            return iommufd;
        }
    }

    // --- the type1 vfio_dma list and the IOAS: each fact is the change the rules decided ---

    /** The container's groups changed: type1 recomputed its page size and valid IOVA ranges. */
    record Type1GeometrySet(FileId container, long pageSize, List<IovaRange> validRanges) implements FileEvent {
        @Override
        public FileId subject() {
            return container;
        }
    }

    /** MAP_DMA added the vfio_dma {@code [iova, iova + size)} backed by {@code vaddr}. */
    record Type1Mapped(FileId container, long iova, long vaddr, long size, boolean read, boolean write)
            implements FileEvent {
        @Override
        public FileId subject() {
            return container;
        }

        /** The vfio_dma entry this fact adds. */
        public DmaMapping entry() {
            return new DmaMapping(iova, vaddr, size, new Prot(read, write));
        }
    }

    /** UNMAP_DMA removed these whole vfio_dma entries. */
    record Type1EntriesUnmapped(FileId container, List<DmaMapping> entries) implements FileEvent {
        public Type1EntriesUnmapped {
            entries = List.copyOf(entries);
        }

        @Override
        public FileId subject() {
            return container;
        }
    }

    /** IOAS_MAP (or the VFIO compat MAP_DMA) added the area at {@code iova}, the IOVA the rules chose or were given. */
    record IoasMapped(FileId iommufd, ObjectId ioas, long iova, long length, boolean read, boolean write)
            implements FileEvent {
        @Override
        public FileId subject() {
            return iommufd;
        }

        /** The area this fact adds. */
        public IoasArea area() {
            return new IoasArea(iova, length, new Prot(read, write));
        }
    }

    /** IOAS_UNMAP (or the VFIO compat UNMAP_DMA) removed these whole areas, also those before an ENOENT. */
    record IoasAreasUnmapped(FileId iommufd, ObjectId ioas, List<IoasArea> areas) implements FileEvent {
        public IoasAreasUnmapped {
            areas = List.copyOf(areas);
        }

        @Override
        public FileId subject() {
            return iommufd;
        }
    }

    /** ALLOW_IOVAS replaced the allowed list with these ranges (held ascending). */
    record IoasAllowed(FileId iommufd, ObjectId ioas, List<IovaRange> ranges) implements FileEvent {
        @Override
        public FileId subject() {
            return iommufd;
        }
    }

    /** {@code owner} (a device, a domain's aperture) reserved these ranges after its earlier ones. */
    record IoasReserved(FileId iommufd, ObjectId ioas, String owner, List<IovaRange> ranges) implements FileEvent {
        @Override
        public FileId subject() {
            return iommufd;
        }
    }

    record IoasUnreserved(FileId iommufd, ObjectId ioas, String owner) implements FileEvent {
        @Override
        public FileId subject() {
            return iommufd;
        }
    }

    record IoasAlignmentSet(FileId iommufd, ObjectId ioas, long alignment) implements FileEvent {
        @Override
        public FileId subject() {
            return iommufd;
        }
    }

    /** IOMMU_OPTION_RLIMIT_MODE set: pinned pages charged to the process (true) or to the user (false). */
    record IommufdAccountModeSet(FileId iommufd, boolean perProcess) implements FileEvent {
        @Override
        public FileId subject() {
            return iommufd;
        }
    }

    /** io_pagetable's disable_large_pages changed (IOMMU_OPTION_HUGE_PAGES, or compat VFIO_TYPE1_IOMMU). */
    record IoasLargePagesSet(FileId iommufd, ObjectId ioas, boolean disabled) implements FileEvent {
        @Override
        public FileId subject() {
            return iommufd;
        }
    }

    /**
     * An UNMAP_DMA request as journals before {@link Type1EntriesUnmapped} recorded it. Only read back,
     * and turned into the entries removed before it is applied ({@link LegacyEvent}).
     */
    record LegacyType1Unmapped(FileId container, long iova, long size, boolean all) implements FileEvent, LegacyEvent {
        @Override
        public FileId subject() {
            return container;
        }
    }

    /**
     * An IOAS unmap request as journals before {@link IoasAreasUnmapped} recorded it ({@code compat}:
     * through the VFIO compat ioctl, whose range checks differ). Only read back; see {@link LegacyEvent}.
     */
    record LegacyIoasUnmapped(FileId iommufd, ObjectId ioas, long iova, long length, boolean compat)
            implements FileEvent, LegacyEvent {
        @Override
        public FileId subject() {
            return iommufd;
        }
    }
}
