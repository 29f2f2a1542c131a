package dev.custody.model.state;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.ObjectId;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.mapping.Type1Version;
import java.util.Optional;
import java.util.SortedMap;

/**
 * A file user space opened. {@code fdOpen} says whether the user still holds the fd: some files
 * outlive their fd because others reference them (a group file held by its device fds, a container
 * held by its groups, an iommufd held by bound cdevs and groups), as struct file references do.
 */
public sealed interface OpenFile {
    FileId id();

    String label();

    boolean fdOpen();

    OpenFile withFdClosed();

    /** /dev/vfio/N. {@code group} is empty once the group's last VFIO device went away (ioctls: ENODEV). */
    record VfioGroupFile(
            FileId id,
            String label,
            boolean fdOpen,
            Optional<GroupId> group,
            Optional<FileId> container,
            Optional<FileId> iommufd)
            implements OpenFile {
        public VfioGroupFile withContainer(Optional<FileId> now) {
            return new VfioGroupFile(id, label, fdOpen, group, now, iommufd);
        }

        public VfioGroupFile withIommufd(Optional<FileId> now) {
            return new VfioGroupFile(id, label, fdOpen, group, container, now);
        }

        public VfioGroupFile detached() {
            return new VfioGroupFile(id, label, fdOpen, Optional.empty(), Optional.empty(), Optional.empty());
        }

        @Override
        public VfioGroupFile withFdClosed() {
            return new VfioGroupFile(id, label, false, group, container, iommufd);
        }

        public boolean hasContainerOrIommufd() {
            return container.isPresent() || iommufd.isPresent();
        }
    }

    /**
     * /dev/vfio/vfio: once SET_IOMMU ran, the type1 driver's vfio_dma list (which also says v1 or v2),
     * and the container's domains per IOMMU instance.
     */
    record VfioContainer(
            FileId id, String label, boolean fdOpen, Optional<Type1DmaSpace> iommu, SortedMap<String, DomainId> domains)
            implements OpenFile {
        public VfioContainer withIommu(Optional<Type1DmaSpace> now) {
            return new VfioContainer(id, label, fdOpen, now, domains);
        }

        public Optional<Type1Version> iommuDriver() {
            return iommu.map(Type1DmaSpace::version);
        }

        public VfioContainer withDomains(SortedMap<String, DomainId> now) {
            return new VfioContainer(id, label, fdOpen, iommu, now);
        }

        @Override
        public VfioContainer withFdClosed() {
            return new VfioContainer(id, label, false, iommu, domains);
        }
    }

    /** A device fd from VFIO_GROUP_GET_DEVICE_FD; on an iommufd-backed group it holds a bound idev. */
    record VfioDeviceFile(
            FileId id, String label, boolean fdOpen, DeviceId device, FileId groupFile, Optional<IommufdRef> binding)
            implements OpenFile {
        @Override
        public VfioDeviceFile withFdClosed() {
            return new VfioDeviceFile(id, label, false, device, groupFile, binding);
        }
    }

    /** /dev/vfio/devices/vfioX. Bound once VFIO_DEVICE_BIND_IOMMUFD succeeded. */
    record CdevFile(FileId id, String label, boolean fdOpen, DeviceId device, Optional<IommufdRef> binding)
            implements OpenFile {
        public CdevFile withBinding(Optional<IommufdRef> now) {
            return new CdevFile(id, label, fdOpen, device, now);
        }

        @Override
        public CdevFile withFdClosed() {
            return new CdevFile(id, label, false, device, binding);
        }
    }

    /**
     * /dev/iommu: an iommufd context with its objects. {@code accountPerProcess} is the context's
     * IOMMU_OPTION_RLIMIT_MODE (ictx->account_mode): false charges pinned pages to the user
     * (IOPT_PAGES_ACCOUNT_USER, the default), true to the process (IOPT_PAGES_ACCOUNT_MM).
     */
    record IommufdFile(
            FileId id,
            String label,
            boolean fdOpen,
            SortedMap<ObjectId, IommufdObject> objects,
            int nextObject,
            Optional<ObjectId> compatIoas,
            boolean accountPerProcess)
            implements OpenFile {
        /** A context charging pinned pages to the user, as every context starts. */
        public IommufdFile(
                FileId id,
                String label,
                boolean fdOpen,
                SortedMap<ObjectId, IommufdObject> objects,
                int nextObject,
                Optional<ObjectId> compatIoas) {
            this(id, label, fdOpen, objects, nextObject, compatIoas, false);
        }

        public IommufdFile withObjects(SortedMap<ObjectId, IommufdObject> now, int next) {
            return new IommufdFile(id, label, fdOpen, now, next, compatIoas, accountPerProcess);
        }

        public IommufdFile withCompatIoas(Optional<ObjectId> now) {
            return new IommufdFile(id, label, fdOpen, objects, nextObject, now, accountPerProcess);
        }

        public IommufdFile withAccountPerProcess(boolean now) {
            return new IommufdFile(id, label, fdOpen, objects, nextObject, compatIoas, now);
        }

        @Override
        public IommufdFile withFdClosed() {
            return new IommufdFile(id, label, false, objects, nextObject, compatIoas, accountPerProcess);
        }
    }

    /** An iommufd device object: the context and the object id (the devid user space sees). */
    record IommufdRef(FileId iommufd, ObjectId idev) {}
}
