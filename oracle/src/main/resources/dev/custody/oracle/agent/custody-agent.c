/*
 * custody-agent: the guest side of `custody oracle`. It is /init of a throwaway initramfs: it mounts
 * what it needs, loads the listed modules, then performs the commands of /script one by one with the
 * real system calls (sysfs writes, opens, VFIO and iommufd ioctls) and writes one answer line per
 * command to /dev/ttyS1, which the host reads. It powers the VM off at the end.
 *
 * Script lines: "<step> <verb> <args...>", step "-" for set-up commands. Answers:
 *   R <step> <result> [key=value...]    result: ok, an errno name, PENDING, or WARN when the call
 *                                       succeeded but the kernel logged a warning while it ran
 *   H <step>                            the step did not finish within STEP_LIMIT_S; the VM stops
 *   C <step> <at> <result>              a PENDING step finished while step <at> ran
 *   G <group> <device>...               the kernel's IOMMU groups (verb "groups")
 *   E <message>                         the agent could not understand the script
 *   END
 * Sysfs writes run in a child process that has closed every other descriptor: a write that blocks
 * (unbinding vfio-pci while a device fd is open) must not hold our descriptors, or it would wait for
 * itself. Such a write is reported PENDING and its completion reported when it comes.
 * In-kernel calls (verb "kmod") go to the oracle's test module through /dev/custody-kmod.
 */
#define _GNU_SOURCE
/* the kernel's uapi headers straight from its source tree still carry the sparse annotation */
#define __user
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/iommufd.h>
#include <linux/reboot.h>
#include <linux/vfio.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "custody-kmod.h"

/* sysfs names are short; a truncated one would fail its open and be reported, not overrun */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define MAX_NAMES 256
#define MAX_PENDING 16
#define MAX_ARGS 16
/* How long a sysfs write may take before it counts as blocked. Removing a driver can legitimately
 * take seconds under emulation (nvme shuts its controller down); a write that waits in VFIO's
 * unregister for user space to close its fds is recognised at once by where it sleeps. */
#define WRITE_PATIENCE_MS 20000
#define WRITE_POLL_MS 100
/* A step that takes longer than this is a hang: the agent says which and powers the VM off. */
#define STEP_LIMIT_S 60

static FILE *out;

/* A scenario name: an fd (group, container, device, iommufd, cdev) or an iommufd object. */
struct name {
    char label[64];
    int fd;          /* open descriptor, -1 when closed or never opened */
    uint32_t id;     /* iommufd object id (IOAS, HWPT) */
    int ictx;        /* index of the iommufd an object belongs to, -1 if none */
    uint32_t devid;  /* a cdev's device id once bound */
    int bound_ictx;  /* index of the iommufd a cdev is bound to */
    char device[32]; /* a cdev's PCI address */
    uint32_t pt;     /* the HWPT a cdev is attached to, 0 when none */
};
static struct name names[MAX_NAMES];
static int name_count;

struct pending {
    pid_t pid;
    int pipe;
    char step[16];
};
static struct pending pendings[MAX_PENDING];
static int pending_count;

static void say(const char *format, ...) {
    va_list args;
    va_start(args, format);
    vfprintf(out, format, args);
    va_end(args);
    fputc('\n', out);
    fflush(out);
}

static const char *errno_name(int err) {
    const char *name = strerrorname_np(err);
    return name ? name : "EUNKNOWN";
}

static struct name *find_name(const char *label) {
    for (int i = 0; i < name_count; i++) {
        if (strcmp(names[i].label, label) == 0) {
            return &names[i];
        }
    }
    return NULL;
}

/* The entry for a label, created empty (fd -1) when the script names it for the first time. */
static struct name *name_of(const char *label) {
    struct name *found = find_name(label);
    if (found || name_count == MAX_NAMES) {
        return found;
    }
    struct name *fresh = &names[name_count++];
    snprintf(fresh->label, sizeof fresh->label, "%s", label);
    fresh->fd = -1;
    fresh->ictx = -1;
    fresh->bound_ictx = -1;
    return fresh;
}

/* A descriptor number this process never has open: what a closed or never-opened name stands for,
 * so the kernel answers as it does for a stale fd (EBADF) and not as for a negative one. */
#define CLOSED_FD 1000

static int fd_of(const char *label) {
    struct name *n = find_name(label);
    if (n && n->fd >= 0) return n->fd;
    /* A negative number is passed as itself, as a program would pass it: the kernel refuses it
     * before it looks up any fd (BIND_IOMMUFD: EINVAL for iommufd < 0, not EBADF). */
    char *end;
    long value = strtol(label, &end, 10);
    if (!n && *label && !*end && value < 0) return (int)value;
    return CLOSED_FD;
}

static int index_of(const char *label) {
    struct name *n = find_name(label);
    return n ? (int)(n - names) : -1;
}

static uint64_t number(const char *text) {
    return strtoull(text, NULL, 0);
}

/* The kernel log, read from the end: a warning logged while a step ran makes its success a WARN. */
static int kmsg = -1;

static int kernel_warned(void) {
    char record[2048];
    int warned = 0;
    ssize_t length;
    while (kmsg >= 0 && (length = read(kmsg, record, sizeof record - 1)) != 0) {
        if (length < 0) {
            if (errno == EPIPE) continue; /* records overwritten before we read them */
            break;
        }
        record[length] = 0;
        if (strstr(record, "WARNING: CPU:")) warned = 1;
    }
    return warned;
}

static void result(const char *step, int err, const char *values) {
    if (kernel_warned() && err == 0) {
        say("R %s WARN", step);
        return;
    }
    if (err == 0) {
        say("R %s ok%s%s", step, values && *values ? " " : "", values ? values : "");
    } else {
        say("R %s %s", step, errno_name(err));
    }
}

static int ioctl_errno(int fd, unsigned long request, void *arg) {
    return ioctl(fd, request, arg) < 0 ? errno : 0;
}

/* ---- sysfs writes in a child ------------------------------------------------------------- */

static uint64_t capability_mask(const char *caps) {
    if (strcmp(caps, "all") == 0) {
        return ~0ULL;
    }
    uint64_t mask = 0;
    if (strstr(caps, "SYS_ADMIN")) mask |= 1ULL << CAP_SYS_ADMIN;
    if (strstr(caps, "SYS_RAWIO")) mask |= 1ULL << CAP_SYS_RAWIO;
    if (strstr(caps, "SYS_RESOURCE")) mask |= 1ULL << CAP_SYS_RESOURCE;
    return mask;
}

static void limit_capabilities(uint64_t mask) {
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) {
        return;
    }
    for (int i = 0; i < 2; i++) {
        uint32_t part = (uint32_t)(mask >> (32 * i));
        data[i].effective &= part;
        data[i].permitted &= part;
        data[i].inheritable &= part;
    }
    syscall(SYS_capset, &header, data);
}

static int write_text(const char *path, const char *value) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    char buffer[256];
    int length = snprintf(buffer, sizeof buffer, "%s\n", strcmp(value, "-") == 0 ? "" : value);
    int err = write(fd, buffer, length) < 0 ? errno : 0;
    close(fd);
    return err;
}

/* A sequence of writes, done in order by one child; the first failure stops it. */
struct write_op {
    char path[256];
    char value[128];
    int ignore_error;
};

static void child_writes(int report, struct write_op *ops, int count, uint64_t caps) {
    syscall(SYS_close_range, 3, report - 1, 0);
    syscall(SYS_close_range, report + 1, ~0U, 0);
    if (caps != ~0ULL) {
        limit_capabilities(caps);
    }
    int err = 0;
    for (int i = 0; i < count; i++) {
        int this_err = write_text(ops[i].path, ops[i].value);
        if (this_err && !ops[i].ignore_error && !err) {
            err = this_err;
            break;
        }
    }
    if (write(report, &err, sizeof err) < 0) {
        _exit(1);
    }
    _exit(0);
}

/* Whether the writer sleeps in VFIO waiting for a device's fds to close (its wchan names the VFIO
 * function it waits in), the wait the scenario format calls PENDING. */
static int waits_for_user_space(pid_t pid) {
    char path[64], where[128] = "";
    snprintf(path, sizeof path, "/proc/%d/wchan", (int)pid);
    FILE *file = fopen(path, "r");
    if (!file) {
        return 0;
    }
    int found = fgets(where, sizeof where, file) != NULL && strstr(where, "vfio") != NULL;
    fclose(file);
    return found;
}

/* Returns the errno of the writes, 0, or -1 when they did not finish in time (PENDING). */
static int run_writes(const char *step, struct write_op *ops, int count, uint64_t caps) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        return errno;
    }
    fflush(out);
    pid_t pid = fork();
    if (pid == 0) {
        close(pipe_fds[0]);
        child_writes(pipe_fds[1], ops, count, caps);
    }
    close(pipe_fds[1]);
    struct pollfd wait_for = {pipe_fds[0], POLLIN, 0};
    int ready = 0;
    for (int waited = 0; waited < WRITE_PATIENCE_MS && !ready; waited += WRITE_POLL_MS) {
        ready = poll(&wait_for, 1, WRITE_POLL_MS) == 1;
        if (!ready && waits_for_user_space(pid)) {
            break;
        }
    }
    if (ready) {
        int err = EIO;
        if (read(pipe_fds[0], &err, sizeof err) != sizeof err) {
            err = EIO;
        }
        close(pipe_fds[0]);
        waitpid(pid, NULL, 0);
        return err;
    }
    if (pending_count == MAX_PENDING) {
        return EAGAIN;
    }
    struct pending *p = &pendings[pending_count++];
    p->pid = pid;
    p->pipe = pipe_fds[0];
    snprintf(p->step, sizeof p->step, "%s", step);
    return -1;
}

static void report_writes(const char *step, int err, const char *values) {
    if (err < 0) {
        say("R %s PENDING", step);
    } else {
        result(step, err, values);
    }
}

/* Reports blocked writes that have finished, waiting up to patience_ms for them. */
static void collect_pending(const char *at, int patience_ms) {
    for (int i = 0; i < pending_count;) {
        struct pollfd wait_for = {pendings[i].pipe, POLLIN, 0};
        if (poll(&wait_for, 1, patience_ms) == 1) {
            int err = EIO;
            if (read(pendings[i].pipe, &err, sizeof err) != sizeof err) {
                err = EIO;
            }
            close(pendings[i].pipe);
            waitpid(pendings[i].pid, NULL, 0);
            say("C %s %s %s", pendings[i].step, at, err ? errno_name(err) : "ok");
            pendings[i] = pendings[--pending_count];
        } else {
            i++;
        }
    }
}

static void device_path(char *buffer, size_t size, const char *device, const char *file) {
    snprintf(buffer, size, "/sys/bus/pci/devices/%s/%s", device, file);
}

/* ---- driver core --------------------------------------------------------------------------- */

static void driver_of(const char *device, char *buffer, size_t size) {
    char path[256], target[256];
    device_path(path, sizeof path, device, "driver");
    ssize_t length = readlink(path, target, sizeof target - 1);
    if (length < 0) {
        snprintf(buffer, size, "none");
        return;
    }
    target[length] = 0;
    const char *base = strrchr(target, '/');
    snprintf(buffer, size, "%s", base ? base + 1 : target);
}

/* Whether the device's driver_override is unset ("(null)"); a missing file counts as set. */
static int override_unset(const char *device) {
    char path[256], text[64] = "";
    device_path(path, sizeof path, device, "driver_override");
    FILE *file = fopen(path, "r");
    if (!file) {
        return 0;
    }
    int unset = fgets(text, sizeof text, file) == NULL || strncmp(text, "(null)", 6) == 0;
    fclose(file);
    return unset;
}

/* bind DEVICE DRIVER MAY_OVERRIDE: vfio-pci and pci-stub match no ids, so an explicit bind sets
 * driver_override around the bind, as an administrator does, when no override is set; an
 * override the scenario set stays and decides, as it does in the kernel. */
static void do_bind(const char *step, char **args) {
    struct write_op ops[3];
    int count = 0;
    int with_override = atoi(args[2]) && override_unset(args[0]);
    if (with_override) {
        device_path(ops[count].path, sizeof ops[count].path, args[0], "driver_override");
        snprintf(ops[count].value, sizeof ops[count].value, "%s", args[1]);
        ops[count++].ignore_error = 0;
    }
    snprintf(ops[count].path, sizeof ops[count].path, "/sys/bus/pci/drivers/%s/bind", args[1]);
    snprintf(ops[count].value, sizeof ops[count].value, "%s", args[0]);
    ops[count++].ignore_error = 0;
    int err = run_writes(step, ops, count, ~0ULL);
    if (with_override && err >= 0) {
        /* the override was only the means of the bind; clear it whatever the bind answered */
        struct write_op clear;
        device_path(clear.path, sizeof clear.path, args[0], "driver_override");
        snprintf(clear.value, sizeof clear.value, "-");
        clear.ignore_error = 1;
        run_writes(step, &clear, 1, ~0ULL);
    }
    report_writes(step, err, NULL);
}

/* unbind DEVICE: through the driver it is bound to; an unbound device has no driver to ask, which
 * sysfs answers with ENODEV (unbind_store with a device the driver does not hold). */
static void do_unbind(const char *step, char **args) {
    char driver[128];
    driver_of(args[0], driver, sizeof driver);
    struct write_op op = {.ignore_error = 0};
    if (strcmp(driver, "none") == 0) {
        result(step, ENODEV, NULL);
        return;
    }
    snprintf(op.path, sizeof op.path, "/sys/bus/pci/drivers/%s/unbind", driver);
    snprintf(op.value, sizeof op.value, "%s", args[0]);
    report_writes(step, run_writes(step, &op, 1, ~0ULL), NULL);
}

static void do_probe(const char *step, char **args) {
    struct write_op op = {.path = "/sys/bus/pci/drivers_probe", .ignore_error = 0};
    snprintf(op.value, sizeof op.value, "%s", args[0]);
    int err = run_writes(step, &op, 1, ~0ULL);
    char driver[128], values[160];
    driver_of(args[0], driver, sizeof driver);
    snprintf(values, sizeof values, "driver=%s", driver);
    report_writes(step, err, values);
}

static void do_sysfs_write(const char *step, const char *caps, const char *path, const char *value) {
    struct write_op op = {.ignore_error = 0};
    snprintf(op.path, sizeof op.path, "%s", path);
    snprintf(op.value, sizeof op.value, "%s", value);
    report_writes(step, run_writes(step, &op, 1, capability_mask(caps)), NULL);
}

static int device_exists(const char *device) {
    char path[256];
    device_path(path, sizeof path, device, "");
    return access(path, F_OK) == 0;
}

static void do_remove(const char *step, char **args) {
    if (!device_exists(args[0])) {
        result(step, ENODEV, NULL);
        return;
    }
    char path[256];
    device_path(path, sizeof path, args[0], "remove");
    do_sysfs_write(step, "all", path, "1");
}

/* add DEVICE RESCAN: the rescan file of the bus the device sits on (a bridge's own one rescans
 * only behind it, so other absent devices stay absent), or /sys/bus/pci/rescan. */
static void do_add(const char *step, char **args) {
    if (device_exists(args[0])) {
        result(step, EEXIST, NULL);
        return;
    }
    struct write_op op = {.value = "1", .ignore_error = 0};
    snprintf(op.path, sizeof op.path, "%s", args[1]);
    int err = run_writes(step, &op, 1, ~0ULL);
    if (err == 0 && !device_exists(args[0])) {
        err = ENODEV;
    }
    report_writes(step, err, NULL);
}

static void do_state(const char *step, char **args, int count) {
    char values[1024] = "devices=", driver[128];
    for (int i = 0; i < count; i++) {
        driver_of(args[i], driver, sizeof driver);
        size_t used = strlen(values);
        snprintf(values + used, sizeof values - used, "%s%s:%s", i ? "," : "", args[i],
                 device_exists(args[i]) ? driver : "absent");
    }
    result(step, 0, values);
}

static void do_groups(void) {
    DIR *groups = opendir("/sys/kernel/iommu_groups");
    if (!groups) {
        say("E no /sys/kernel/iommu_groups: %s", errno_name(errno));
        return;
    }
    struct dirent *group;
    while ((group = readdir(groups))) {
        if (group->d_name[0] == '.') continue;
        char path[300], line[2048];
        snprintf(path, sizeof path, "/sys/kernel/iommu_groups/%s/devices", group->d_name);
        snprintf(line, sizeof line, "G %s", group->d_name);
        DIR *devices = opendir(path);
        struct dirent *device;
        while (devices && (device = readdir(devices))) {
            if (device->d_name[0] == '.') continue;
            size_t used = strlen(line);
            snprintf(line + used, sizeof line - used, " %s", device->d_name);
        }
        if (devices) closedir(devices);
        say("%s", line);
    }
    closedir(groups);
}

/* ---- opening files -------------------------------------------------------------------------- */

static int group_number(const char *device, char *buffer, size_t size) {
    char path[256], target[256];
    device_path(path, sizeof path, device, "iommu_group");
    ssize_t length = readlink(path, target, sizeof target - 1);
    if (length < 0) {
        return errno;
    }
    target[length] = 0;
    snprintf(buffer, size, "%s", strrchr(target, '/') + 1);
    return 0;
}

/* The /dev/vfio/devices node of a device bound to a VFIO driver, from its vfio-dev directory. */
static int cdev_path(const char *device, char *buffer, size_t size) {
    char path[256];
    device_path(path, sizeof path, device, "vfio-dev");
    DIR *dir = opendir(path);
    if (!dir) {
        return ENOENT;
    }
    struct dirent *entry;
    int err = ENOENT;
    while ((entry = readdir(dir))) {
        if (strncmp(entry->d_name, "vfio", 4) == 0) {
            snprintf(buffer, size, "/dev/vfio/devices/%s", entry->d_name);
            err = 0;
            break;
        }
    }
    closedir(dir);
    return err;
}

static void do_open(const char *step, char **args, int count) {
    struct name *n = name_of(args[0]);
    char path[256], number_text[32];
    int err = 0;
    if (strcmp(args[1], "container") == 0) {
        snprintf(path, sizeof path, "/dev/vfio/vfio");
    } else if (strcmp(args[1], "iommufd") == 0) {
        snprintf(path, sizeof path, "/dev/iommu");
    } else if (strcmp(args[1], "vfio-group") == 0 && count > 2) {
        err = group_number(args[2], number_text, sizeof number_text);
        snprintf(path, sizeof path, "/dev/vfio/%s", number_text);
    } else if (strcmp(args[1], "cdev") == 0 && count > 2) {
        err = cdev_path(args[2], path, sizeof path);
        snprintf(n->device, sizeof n->device, "%s", args[2]);
    } else {
        say("E step %s: open of unknown kind %s", step, args[1]);
        return;
    }
    if (err == 0) {
        n->fd = open(path, O_RDWR | O_CLOEXEC);
        err = n->fd < 0 ? errno : 0;
    }
    result(step, err, NULL);
}

static void do_close(const char *step, char **args) {
    struct name *n = find_name(args[0]);
    int err = 0;
    if (!n || n->fd < 0) {
        err = EBADF;
    } else {
        err = close(n->fd) < 0 ? errno : 0;
        n->fd = -1;
        n->devid = 0; /* a cdev's device object dies with its fd */
        n->pt = 0;
    }
    result(step, err, NULL);
    /* a close is what a blocked unbind waits for: give its completion time to arrive */
    collect_pending(step, pending_count ? 1500 : 0);
}

/* ---- VFIO group and container ---------------------------------------------------------------- */

static void do_group_status(const char *step, char **args) {
    struct vfio_group_status status = {.argsz = sizeof status};
    int err = ioctl_errno(fd_of(args[0]), VFIO_GROUP_GET_STATUS, &status);
    char values[64] = "flags=";
    if (status.flags & VFIO_GROUP_FLAGS_VIABLE) strcat(values, "VIABLE");
    if (status.flags & VFIO_GROUP_FLAGS_CONTAINER_SET) {
        strcat(values, status.flags & VFIO_GROUP_FLAGS_VIABLE ? ",CONTAINER_SET" : "CONTAINER_SET");
    }
    result(step, err, values);
}

static void do_set_container(const char *step, char **args) {
    int container = fd_of(args[1]);
    result(step, ioctl_errno(fd_of(args[0]), VFIO_GROUP_SET_CONTAINER, &container), NULL);
}

static void do_unset_container(const char *step, char **args) {
    result(step, ioctl(fd_of(args[0]), VFIO_GROUP_UNSET_CONTAINER) < 0 ? errno : 0, NULL);
}

static void do_set_iommu(const char *step, char **args) {
    long type = atol(args[1]);
    result(step, ioctl(fd_of(args[0]), VFIO_SET_IOMMU, type) < 0 ? errno : 0, NULL);
}

/* VFIO_CHECK_EXTENSION answers with the ioctl's return value itself: 1 offered, 0 not. */
static void do_check_extension(const char *step, char **args) {
    long answer = ioctl(fd_of(args[0]), VFIO_CHECK_EXTENSION, atol(args[1]));
    int err = answer < 0 ? errno : 0;
    char values[32];
    snprintf(values, sizeof values, "supported=%ld", answer);
    result(step, err, values);
}

static void do_get_device_fd(const char *step, char **args) {
    struct name *n = name_of(args[2]);
    n->fd = ioctl(fd_of(args[0]), VFIO_GROUP_GET_DEVICE_FD, args[1]);
    result(step, n->fd < 0 ? errno : 0, NULL);
}

/* User memory for a DMA map: type1 pins the caller's pages, so the vaddr the scenario names must
 * be backed. Already-mapped pages stay as they are. A range that overlaps an earlier one cannot be
 * mapped in one call (MAP_FIXED_NOREPLACE refuses the whole range), so its pages are then backed one
 * by one; otherwise the part beyond the earlier range would stay unbacked and the kernel would
 * answer EFAULT where the scenario means memory. */
static void back_user_range(uint64_t vaddr, uint64_t size) {
    uint64_t page = 4096, start = vaddr & ~(page - 1), end = (vaddr + size + page - 1) & ~(page - 1);
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE;
    if (size == 0 || end <= start || end - start > (1ULL << 32)) {
        return;
    }
    if (mmap((void *)start, end - start, PROT_READ | PROT_WRITE, flags, -1, 0) != MAP_FAILED) {
        return;
    }
    for (uint64_t at = start; at < end; at += page) {
        mmap((void *)at, page, PROT_READ | PROT_WRITE, flags, -1, 0);
    }
}

static void do_map_dma(const char *step, char **args) {
    struct vfio_iommu_type1_dma_map map = {.argsz = sizeof map};
    map.iova = number(args[1]);
    map.vaddr = number(args[2]);
    map.size = number(args[3]);
    if (strchr(args[4], 'r')) map.flags |= VFIO_DMA_MAP_FLAG_READ;
    if (strchr(args[4], 'w')) map.flags |= VFIO_DMA_MAP_FLAG_WRITE;
    back_user_range(map.vaddr, map.size);
    result(step, ioctl_errno(fd_of(args[0]), VFIO_IOMMU_MAP_DMA, &map), NULL);
}

static void do_unmap_dma(const char *step, char **args) {
    struct vfio_iommu_type1_dma_unmap unmap = {.argsz = sizeof unmap};
    unmap.iova = number(args[1]);
    unmap.size = number(args[2]);
    if (atoi(args[3])) unmap.flags |= VFIO_DMA_UNMAP_FLAG_ALL;
    int err = ioctl_errno(fd_of(args[0]), VFIO_IOMMU_UNMAP_DMA, &unmap);
    char values[64];
    snprintf(values, sizeof values, "size=%llu", (unsigned long long)unmap.size);
    result(step, err, values);
}

/* ---- iommufd and cdev ------------------------------------------------------------------------- */

/* The id an iommufd call should use for a name: an object's id, a bound cdev's device id, or 0,
 * which iommufd never allocates, for names that were never created. */
static uint32_t object_id(const char *label) {
    struct name *n = find_name(label);
    if (!n) return 0;
    return n->id ? n->id : n->devid;
}

/* The iommufd an object's ioctls go through: the one it was created in (closed: a stale fd). An
 * object that does not exist has no id; its calls go through an iommufd of our own with id 0, which
 * the kernel never allocates, so they get the kernel's answer for a missing object. */
static int object_fd(const char *label) {
    static int spare = -1;
    struct name *n = find_name(label);
    if (n && n->id && n->ictx >= 0) {
        return names[n->ictx].fd >= 0 ? names[n->ictx].fd : CLOSED_FD;
    }
    if (spare < 0) {
        spare = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    }
    return spare >= 0 ? spare : CLOSED_FD;
}

static void do_cdev_bind(const char *step, char **args) {
    struct name *cdev = name_of(args[0]);
    struct vfio_device_bind_iommufd bind = {.argsz = sizeof bind, .iommufd = fd_of(args[1])};
    int err = ioctl_errno(cdev->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
    char values[64] = "";
    if (err == 0) {
        cdev->devid = bind.out_devid;
        cdev->bound_ictx = index_of(args[1]);
        snprintf(values, sizeof values, "devid=%u", bind.out_devid);
    }
    result(step, err, values);
}

/* cdev-attach CDEV PT [AS]: the kernel answers the id of the HWPT it used; an automatic one is
 * known by the step's AS from then on, as the scenario knows it. */
static void do_cdev_attach(const char *step, char **args) {
    struct vfio_device_attach_iommufd_pt attach = {.argsz = sizeof attach, .pt_id = object_id(args[1])};
    int err = ioctl_errno(fd_of(args[0]), VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
    char values[64];
    snprintf(values, sizeof values, "pt_id=%u", attach.pt_id);
    struct name *cdev = find_name(args[0]);
    if (err == 0 && cdev) {
        cdev->pt = attach.pt_id;
    }
    if (err == 0 && args[2] && attach.pt_id != object_id(args[1]) && cdev) {
        struct name *automatic = name_of(args[2]);
        automatic->id = attach.pt_id;
        automatic->ictx = cdev->bound_ictx;
    }
    result(step, err, values);
}

static void do_cdev_detach(const char *step, char **args) {
    struct vfio_device_detach_iommufd_pt detach = {.argsz = sizeof detach};
    int err = ioctl_errno(fd_of(args[0]), VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach);
    struct name *cdev = find_name(args[0]);
    if (err == 0 && cdev) {
        cdev->pt = 0;
    }
    result(step, err, NULL);
}

static void do_ioas_alloc(const char *step, char **args) {
    struct iommu_ioas_alloc alloc = {.size = sizeof alloc};
    int err = ioctl_errno(fd_of(args[0]), IOMMU_IOAS_ALLOC, &alloc);
    char values[64] = "";
    if (err == 0) {
        struct name *n = name_of(args[1]);
        n->id = alloc.out_ioas_id;
        n->ictx = index_of(args[0]);
        snprintf(values, sizeof values, "id=%u", alloc.out_ioas_id);
    }
    result(step, err, values);
}

/* hwpt-alloc's optional fifth word: IOMMU_HWPT_ALLOC flags by name, UNDEFINED_BIT_31 for a bit the
 * uapi does not define. */
static uint32_t hwpt_alloc_flags(const char *names) {
    uint32_t flags = 0;
    if (strstr(names, "NEST_PARENT")) flags |= IOMMU_HWPT_ALLOC_NEST_PARENT;
    if (strstr(names, "DIRTY_TRACKING")) flags |= IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
    if (strstr(names, "FAULT_ID_VALID")) flags |= IOMMU_HWPT_FAULT_ID_VALID;
    if (strstr(names, "UNDEFINED_BIT_31")) flags |= 1U << 31;
    return flags;
}

/* hw-info IOMMUFD DEV FLAGS RESERVED DATA_LEN: IOMMU_GET_HW_INFO into a buffer of DATA_LEN bytes
 * (at most 256); answers the type, the length the driver has and the capabilities. */
static void do_hw_info(const char *step, char **args) {
    static unsigned char data[256];
    struct iommu_hw_info info = {.size = sizeof info, .dev_id = object_id(args[1])};
    info.flags = (uint32_t)number(args[2]);
    /* the 32 bits after out_data_type: 6.12's __reserved, which later headers split up */
    uint32_t reserved = (uint32_t)number(args[3]);
    memcpy((char *)&info + offsetof(struct iommu_hw_info, out_data_type) + sizeof info.out_data_type, &reserved,
           sizeof reserved);
    uint64_t len = number(args[4]);
    info.data_len = (uint32_t)(len > sizeof data ? sizeof data : len);
    info.data_uptr = (uint64_t)(uintptr_t)data;
    int err = ioctl_errno(fd_of(args[0]), IOMMU_GET_HW_INFO, &info);
    char values[96] = "";
    if (err == 0) {
        snprintf(values, sizeof values, "type=%u len=%u caps=%llu", info.out_data_type, info.data_len,
                 (unsigned long long)info.out_capabilities);
    }
    result(step, err, values);
}

/* An object id given as a name the script bound, or as a raw number (0: no object). */
static uint32_t object_id_or_number(const char *label) {
    if (find_name(label)) return object_id(label);
    char *end;
    unsigned long value = strtoul(label, &end, 0);
    return *label && !*end ? (uint32_t)value : 0;
}

/* IOMMU_OPTION in a child holding only the capabilities of `caps`; the child shares the iommufd's open
 * file, so the option it sets is the parent's. Answers the errno and writes back val64. */
static int option_with_capabilities(int fd, struct iommu_option *option, uint64_t caps) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return errno;
    fflush(out);
    pid_t pid = fork();
    if (pid == 0) {
        close(pipe_fds[0]);
        limit_capabilities(caps);
        int err = ioctl_errno(fd, IOMMU_OPTION, option);
        if (write(pipe_fds[1], &err, sizeof err) < 0 || write(pipe_fds[1], &option->val64, sizeof option->val64) < 0) {
            _exit(1);
        }
        _exit(0);
    }
    close(pipe_fds[1]);
    int err = EIO;
    if (pid < 0 || read(pipe_fds[0], &err, sizeof err) != sizeof err ||
        read(pipe_fds[0], &option->val64, sizeof option->val64) != sizeof option->val64) {
        err = EIO;
    }
    close(pipe_fds[0]);
    if (pid > 0) waitpid(pid, NULL, 0);
    return err;
}

/* option IOMMUFD OPTION_ID OP OBJECT VAL64 RESERVED CAPS: IOMMU_OPTION, made with only CAPS ("all": as
 * the agent runs); answers val64 as the kernel wrote it back. */
static void do_option(const char *step, char **args) {
    struct iommu_option option = {.size = sizeof option};
    option.option_id = (uint32_t)number(args[1]);
    option.op = (uint16_t)number(args[2]);
    option.object_id = object_id_or_number(args[3]);
    option.val64 = number(args[4]);
    option.__reserved = (uint16_t)number(args[5]);
    uint64_t caps = capability_mask(args[6]);
    int fd = fd_of(args[0]);
    int err = caps == ~0ULL ? ioctl_errno(fd, IOMMU_OPTION, &option) : option_with_capabilities(fd, &option, caps);
    char values[64];
    snprintf(values, sizeof values, "val64=%llu", (unsigned long long)option.val64);
    result(step, err, values);
}

/* set-dirty-tracking IOMMUFD HWPT FLAGS RESERVED: IOMMU_HWPT_SET_DIRTY_TRACKING; HWPT is a name or a raw
 * number. */
static void do_set_dirty_tracking(const char *step, char **args) {
    struct iommu_hwpt_set_dirty_tracking set = {.size = sizeof set};
    set.hwpt_id = object_id_or_number(args[1]);
    set.flags = (uint32_t)number(args[2]);
    set.__reserved = (uint32_t)number(args[3]);
    result(step, ioctl_errno(fd_of(args[0]), IOMMU_HWPT_SET_DIRTY_TRACKING, &set), NULL);
}

/* get-dirty-bitmap IOMMUFD HWPT FLAGS RESERVED IOVA LENGTH PAGE_SIZE: IOMMU_HWPT_GET_DIRTY_BITMAP into a
 * bitmap of one page (32768 bits); HWPT is a name or a raw number. */
static void do_get_dirty_bitmap(const char *step, char **args) {
    static uint64_t bitmap[4096 / sizeof(uint64_t)] __attribute__((aligned(4096)));
    struct iommu_hwpt_get_dirty_bitmap get = {.size = sizeof get};
    get.hwpt_id = object_id_or_number(args[1]);
    get.flags = (uint32_t)number(args[2]);
    get.__reserved = (uint32_t)number(args[3]);
    get.iova = number(args[4]);
    get.length = number(args[5]);
    get.page_size = number(args[6]);
    get.data = (uint64_t)(uintptr_t)bitmap;
    result(step, ioctl_errno(fd_of(args[0]), IOMMU_HWPT_GET_DIRTY_BITMAP, &get), NULL);
}

static void do_hwpt_alloc(const char *step, char **args) {
    struct iommu_hwpt_alloc alloc = {.size = sizeof alloc};
    alloc.dev_id = object_id(args[1]);
    alloc.pt_id = object_id(args[2]);
    if (args[4]) alloc.flags = hwpt_alloc_flags(args[4]);
    int err = ioctl_errno(fd_of(args[0]), IOMMU_HWPT_ALLOC, &alloc);
    char values[64] = "";
    if (err == 0) {
        struct name *n = name_of(args[3]);
        n->id = alloc.out_hwpt_id;
        n->ictx = index_of(args[0]);
        snprintf(values, sizeof values, "id=%u", alloc.out_hwpt_id);
    }
    result(step, err, values);
}

/* A destroyed object's name keeps its number, as a program keeps an id: the kernel gives the
 * lowest free id to the next object, and the old name then reaches that one (so does the engine). */
static void do_destroy(const char *step, char **args) {
    struct iommu_destroy destroy = {.size = sizeof destroy, .id = object_id(args[1])};
    result(step, ioctl_errno(fd_of(args[0]), IOMMU_DESTROY, &destroy), NULL);
}

/* The buffers behind IOAS areas, so that a physical address an HWPT translates to can be named as the
 * model names it: the synthetic user address USER_ADDRESS_BASE + the area's IOVA + the offset
 * (IoasSpace in the engine). Buffers are never unmapped, so a page found here still backs its area. */
#define USER_ADDRESS_BASE 0x7f0000000000ULL
#define MAX_AREAS 256
static struct {
    uint64_t user_va, length, iova;
} areas[MAX_AREAS];
static int area_count;

static void remember_area(uint64_t user_va, uint64_t length, uint64_t iova) {
    if (area_count < MAX_AREAS) {
        areas[area_count].user_va = user_va;
        areas[area_count].length = length;
        areas[area_count].iova = iova;
        area_count++;
    }
}

/* The model's address for a physical address pinned behind an area: the page whose frame it is
 * (from /proc/self/pagemap, which shows frames to a privileged reader), or the address itself when
 * no area's page has that frame, so a translation into memory the areas do not hold disagrees. */
static uint64_t model_address(uint64_t paddr) {
    int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (pagemap < 0) return paddr;
    uint64_t frame = paddr >> 12, found = paddr;
    static uint64_t entries[512];
    for (int i = area_count - 1; i >= 0 && found == paddr; i--) {
        uint64_t pages = areas[i].length / 4096;
        for (uint64_t first = 0; first < pages && found == paddr; first += 512) {
            size_t want = (size_t)(pages - first < 512 ? pages - first : 512) * sizeof entries[0];
            off_t at = (off_t)((areas[i].user_va / 4096 + first) * sizeof entries[0]);
            ssize_t got = pread(pagemap, entries, want, at);
            for (ssize_t k = 0; got > 0 && k < got / (ssize_t)sizeof entries[0]; k++) {
                if ((entries[k] >> 63) & 1 && (entries[k] & ((1ULL << 55) - 1)) == frame) {
                    found = USER_ADDRESS_BASE + areas[i].iova + (first + (uint64_t)k) * 4096 + (paddr & 4095);
                    break;
                }
            }
        }
    }
    close(pagemap);
    return found;
}

/* ioas-map IOMMUFD IOAS IOVA|- LENGTH FLAGS: the kernel pins user memory, so a buffer of the length
 * is made for every map. FLAGS are names, or a raw flag word in hex ("0x...") passed as is. */
static void do_ioas_map(const char *step, char **args) {
    struct iommu_ioas_map map = {.size = sizeof map, .ioas_id = object_id(args[1])};
    map.length = number(args[3]);
    if (strcmp(args[2], "-") != 0) map.iova = number(args[2]);
    if (strncmp(args[4], "0x", 2) == 0) {
        map.flags = (uint32_t)number(args[4]);
    } else {
        /* A named-flags step that gives an iova maps exactly there (the scenario format's meaning), so
         * it asks for a fixed IOVA whether or not its flags name FIXED_IOVA; without the flag the
         * kernel would ignore it. A raw word is sent as it is. */
        if (strcmp(args[2], "-") != 0) map.flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
        if (strstr(args[4], "FIXED_IOVA")) map.flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
        if (strstr(args[4], "READABLE")) map.flags |= IOMMU_IOAS_MAP_READABLE;
        if (strstr(args[4], "WRITEABLE")) map.flags |= IOMMU_IOAS_MAP_WRITEABLE;
    }
    /* The kernel aligns a chosen IOVA like the user pointer, up to the length's power of two and
     * 2 MiB (iopt_alloc_iova); scenarios have no pointer and assume one aligned that well. */
    uint64_t align = 4096;
    while (align < map.length && align < (2ULL << 20)) align <<= 1;
    void *buffer = MAP_FAILED;
    if (map.length > 0 && map.length <= (1ULL << 32)) {
        buffer = mmap(NULL, map.length + 3 * align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    }
    /* Aligned to exactly `align`, never more: IOAS_COPY places its copy like the source's pointer, so
     * the pointer's lowest set bit must not depend on where mmap happened to put the buffer. */
    map.user_va = buffer == MAP_FAILED
                      ? 4096
                      : ((((uint64_t)(uintptr_t)buffer + 2 * align - 1) & ~(2 * align - 1)) + align);
    int err = ioctl_errno(object_fd(args[1]), IOMMU_IOAS_MAP, &map);
    if (!err && buffer != MAP_FAILED) remember_area(map.user_va, map.length, map.iova);
    char values[64];
    snprintf(values, sizeof values, "iova=%llu", (unsigned long long)map.iova);
    result(step, err, values);
}

/* ioas-copy IOMMUFD SRC SRC_IOVA DST DST_IOVA|- LENGTH FLAGS: the destination id is read in the
 * source's iommufd, the file the ioctl goes through. */
static void do_ioas_copy(const char *step, char **args) {
    struct iommu_ioas_copy copy = {
        .size = sizeof copy, .src_ioas_id = object_id(args[1]), .dst_ioas_id = object_id(args[3])};
    copy.src_iova = number(args[2]);
    if (strcmp(args[4], "-") != 0) copy.dst_iova = number(args[4]);
    copy.length = number(args[5]);
    if (strstr(args[6], "FIXED_IOVA")) copy.flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
    if (strstr(args[6], "READABLE")) copy.flags |= IOMMU_IOAS_MAP_READABLE;
    if (strstr(args[6], "WRITEABLE")) copy.flags |= IOMMU_IOAS_MAP_WRITEABLE;
    int err = ioctl_errno(object_fd(args[1]), IOMMU_IOAS_COPY, &copy);
    char values[64];
    snprintf(values, sizeof values, "iova=%llu", (unsigned long long)copy.dst_iova);
    result(step, err, values);
}

static void do_ioas_unmap(const char *step, char **args) {
    struct iommu_ioas_unmap unmap = {.size = sizeof unmap, .ioas_id = object_id(args[1])};
    unmap.iova = number(args[2]);
    unmap.length = number(args[3]);
    int err = ioctl_errno(object_fd(args[1]), IOMMU_IOAS_UNMAP, &unmap);
    char values[64];
    snprintf(values, sizeof values, "length=%llu", (unsigned long long)unmap.length);
    result(step, err, values);
}

static void do_iova_ranges(const char *step, char **args) {
    struct iommu_iova_range ranges[64];
    struct iommu_ioas_iova_ranges query = {.size = sizeof query, .ioas_id = object_id(args[1])};
    query.num_iovas = (uint32_t)number(args[2]);
    if (query.num_iovas > 64) query.num_iovas = 64;
    query.allowed_iovas = (uint64_t)(uintptr_t)ranges;
    int err = ioctl_errno(object_fd(args[1]), IOMMU_IOAS_IOVA_RANGES, &query);
    char values[2048];
    int used = snprintf(values, sizeof values, "num=%u alignment=%llu ranges=", query.num_iovas,
                        (unsigned long long)query.out_iova_alignment);
    for (uint32_t i = 0; err == 0 && i < query.num_iovas && used < (int)sizeof values - 64; i++) {
        used += snprintf(values + used, sizeof values - used, "%s%llu-%llu", i ? "," : "",
                         (unsigned long long)ranges[i].start, (unsigned long long)ranges[i].last);
    }
    if (err == EMSGSIZE) {
        say("R %s EMSGSIZE num=%u", step, query.num_iovas);
        return;
    }
    result(step, err, values);
}

/* allow-iovas IOMMUFD IOAS start-last,start-last|- */
static void do_allow_iovas(const char *step, char **args) {
    struct iommu_iova_range ranges[32];
    uint32_t count = 0;
    char *text = args[2], *save = NULL;
    for (char *range = strtok_r(text, ",", &save); range && count < 32 && strcmp(range, "-") != 0;
         range = strtok_r(NULL, ",", &save)) {
        char *dash = strchr(range, '-');
        ranges[count].start = strtoull(range, NULL, 0);
        ranges[count].last = dash ? strtoull(dash + 1, NULL, 0) : 0;
        count++;
    }
    struct iommu_ioas_allow_iovas allow = {.size = sizeof allow, .ioas_id = object_id(args[1])};
    allow.num_iovas = count;
    allow.allowed_iovas = (uint64_t)(uintptr_t)ranges;
    result(step, ioctl_errno(object_fd(args[1]), IOMMU_IOAS_ALLOW_IOVAS, &allow), NULL);
}

/* ---- in-kernel calls through the test module ------------------------------------------------- */

static const struct {
    const char *name;
    int op;
} kmod_ops[] = {
    {"use-default-domain", CUSTODY_KMOD_USE_DEFAULT_DOMAIN},
    {"unuse-default-domain", CUSTODY_KMOD_UNUSE_DEFAULT_DOMAIN},
    {"group-claim", CUSTODY_KMOD_GROUP_CLAIM},
    {"group-release", CUSTODY_KMOD_GROUP_RELEASE},
    {"device-claim", CUSTODY_KMOD_DEVICE_CLAIM},
    {"device-release", CUSTODY_KMOD_DEVICE_RELEASE},
    {"domain-alloc", CUSTODY_KMOD_DOMAIN_ALLOC},
    {"domain-free", CUSTODY_KMOD_DOMAIN_FREE},
    {"attach-device", CUSTODY_KMOD_ATTACH_DEVICE},
    {"detach-device", CUSTODY_KMOD_DETACH_DEVICE},
    {"attach-group", CUSTODY_KMOD_ATTACH_GROUP},
    {"detach-group", CUSTODY_KMOD_DETACH_GROUP},
    {"replace-domain", CUSTODY_KMOD_REPLACE_DOMAIN},
    {"attach-shared", CUSTODY_KMOD_ATTACH_SHARED},
    {"detach-shared", CUSTODY_KMOD_DETACH_SHARED},
    {"map", CUSTODY_KMOD_MAP},
    {"unmap", CUSTODY_KMOD_UNMAP},
    {"iova-to-phys", CUSTODY_KMOD_IOVA_TO_PHYS},
    {"fail-next-probe", CUSTODY_KMOD_FAIL_NEXT_PROBE},
};

/* A domain argument as the module takes it: an iommufd HWPT is reached through a device attached
 * to it ("@ADDR": the module asks for that device's domain); any other name is a domain the module
 * allocated under that name. */
static void kmod_domain(const char *label, char *buffer, size_t size) {
    struct name *object = find_name(label);
    if (object && object->id && object->ictx >= 0) {
        for (int i = 0; i < name_count; i++) {
            if (names[i].pt == object->id && names[i].bound_ictx == object->ictx && names[i].fd >= 0) {
                snprintf(buffer, size, "@%s", names[i].device);
                return;
            }
        }
    }
    snprintf(buffer, size, "%s", strcmp(label, "-") == 0 ? "" : label);
}

static void text_arg(char *buffer, size_t size, const char *arg) {
    snprintf(buffer, size, "%s", strcmp(arg, "-") == 0 ? "" : arg);
}

/* kmod OP DEVICES OWNER DOMAIN IOVA PADDR SIZE PROT ERRNO, "-" for an argument the call has not */
static void do_kmod(const char *step, char **args) {
    int op = 0;
    for (size_t i = 0; i < sizeof kmod_ops / sizeof kmod_ops[0]; i++) {
        if (strcmp(args[0], kmod_ops[i].name) == 0) op = kmod_ops[i].op;
    }
    if (!op) {
        say("E step %s: unknown in-kernel call %s", step, args[0]);
        return;
    }
    static int module = -1;
    if (module < 0) module = open(CUSTODY_KMOD_DEVICE, O_RDWR | O_CLOEXEC);
    struct custody_kmod_call call = {0};
    text_arg(call.device, sizeof call.device, args[1]);
    text_arg(call.owner, sizeof call.owner, args[2]);
    kmod_domain(args[3], call.domain, sizeof call.domain);
    call.iova = number(args[4]);
    call.paddr = number(args[5]);
    call.size = number(args[6]);
    call.prot = (strchr(args[7], 'r') ? 1 : 0) | (strchr(args[7], 'w') ? 2 : 0);
    call.error = (int)number(args[8]);
    int err = module < 0 ? ENODEV : ioctl_errno(module, CUSTODY_KMOD_IOCTL(op), &call);
    char values[64] = "";
    if (op == CUSTODY_KMOD_MAP) snprintf(values, sizeof values, "mapped=%llu", (unsigned long long)call.out);
    if (op == CUSTODY_KMOD_UNMAP) snprintf(values, sizeof values, "unmapped=%llu", (unsigned long long)call.out);
    /* an iommufd HWPT translates into pinned user pages: name them as the model does */
    if (op == CUSTODY_KMOD_IOVA_TO_PHYS && call.domain[0] == '@' && call.out) call.out = model_address(call.out);
    if (op == CUSTODY_KMOD_IOVA_TO_PHYS) snprintf(values, sizeof values, "paddr=%llu", (unsigned long long)call.out);
    result(step, err, values);
}

/* ---- start, modules, the script loop ------------------------------------------------------ */

static void mount_basics(void) {
    mkdir("/proc", 0755);
    mkdir("/sys", 0755);
    mkdir("/dev", 0755);
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
}

static void load_modules(void) {
    FILE *order = fopen("/modules/order", "r");
    char line[256];
    while (order && fgets(line, sizeof line, order)) {
        line[strcspn(line, "\n")] = 0;
        if (!*line) continue;
        int fd = open(line, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)) {
            say("E module %s: %s", line, errno_name(errno));
        }
        if (fd >= 0) close(fd);
    }
    if (order) fclose(order);
}

/* kmod PATH: the test module; its load answers like a step, so a module that does not load is named. */
static void load_test_module(const char *step, const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int err = fd < 0 ? errno : 0;
    if (fd >= 0 && syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST) {
        err = errno;
    }
    if (fd >= 0) close(fd);
    result(step, err, NULL);
}

/* What the kernel offers the agent: iommufd, VFIO's container, the test module's device. */
static void report_kernel(const char *step) {
    char values[128];
    snprintf(values, sizeof values, "iommufd=%d container=%d kmod=%d", access("/dev/iommu", F_OK) == 0,
             access("/dev/vfio/vfio", F_OK) == 0, access(CUSTODY_KMOD_DEVICE, F_OK) == 0);
    result(step, 0, values);
}

/* Devices appear asynchronously after modules load and at boot: wait for the PCI bus to settle. */
static void settle(void) {
    for (int i = 0; i < 50 && access("/sys/kernel/iommu_groups/0", F_OK) != 0; i++) {
        usleep(100000);
    }
}

static int split(char *line, char **words, int max) {
    int count = 0;
    for (char *save = NULL, *word = strtok_r(line, " \t\n", &save); word && count < max;
         word = strtok_r(NULL, " \t\n", &save)) {
        words[count++] = word;
    }
    return count;
}

struct verb {
    const char *name;
    int args;
    void (*run)(const char *step, char **args);
};

static void do_sysfs_verb(const char *step, char **args) { do_sysfs_write(step, args[0], args[1], args[2]); }

/* new-id DRIVER VENDOR DEVICE: a dynamic id, which makes the driver match devices with that id */
static void do_new_id(const char *step, char **args) {
    char path[256], value[64];
    snprintf(path, sizeof path, "/sys/bus/pci/drivers/%s/new_id", args[0]);
    snprintf(value, sizeof value, "%s %s", args[1], args[2]);
    struct write_op op = {.ignore_error = 0};
    snprintf(op.path, sizeof op.path, "%s", path);
    snprintf(op.value, sizeof op.value, "%s", value);
    report_writes(step, run_writes(step, &op, 1, ~0ULL), NULL);
}

/* id-write DRIVER FILE WORD...: the words, one space apart, written to the driver's new_id or
 * remove_id, as a user writes any text there (the kernel's sscanf reads what it can of it) */
static void do_id_write(const char *step, char **args) {
    if (strcmp(args[1], "new_id") != 0 && strcmp(args[1], "remove_id") != 0) {
        say("E step %s: id-write writes new_id or remove_id, not %s", step, args[1]);
        return;
    }
    struct write_op op = {.ignore_error = 0};
    snprintf(op.path, sizeof op.path, "/sys/bus/pci/drivers/%s/%s", args[0], args[1]);
    size_t used = 0;
    for (char **word = args + 2; *word && used < sizeof op.value; word++) {
        used += (size_t)snprintf(op.value + used, sizeof op.value - used, "%s%s", word == args + 2 ? "" : " ", *word);
    }
    report_writes(step, run_writes(step, &op, 1, ~0ULL), NULL);
}

/* ---- VFIO PCI hot reset ------------------------------------------------------------------ */

#ifndef VFIO_PCI_HOT_RESET_FLAG_DEV_ID
#define VFIO_PCI_HOT_RESET_FLAG_DEV_ID (1 << 0)
#endif
#ifndef VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED
#define VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED (1 << 1)
#endif
#define HOT_RESET_ENTRIES 32

static int ascending(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* hot-reset-info DEVICE NUM: the answer with room for NUM entries (at most 32). Prints the count, the
 * flags, on the group path how many distinct groups the entries name, on the cdev path the entries'
 * devids ascending (0 owned without a devid, -1 not owned); ENOSPC prints the count the kernel wants. */
static void do_hot_reset_info(const char *step, char **args) {
    static uint32_t buffer[(sizeof(struct vfio_pci_hot_reset_info) +
                            HOT_RESET_ENTRIES * sizeof(struct vfio_pci_dependent_device)) / 4 + 1];
    struct vfio_pci_hot_reset_info *info = (struct vfio_pci_hot_reset_info *)buffer;
    uint64_t room = number(args[1]);
    if (room > HOT_RESET_ENTRIES) room = HOT_RESET_ENTRIES;
    memset(buffer, 0, sizeof buffer);
    info->argsz = sizeof *info + room * sizeof info->devices[0];
    int err = ioctl_errno(fd_of(args[0]), VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info);
    if (err == ENOSPC) {
        say("R %s ENOSPC count=%u", step, info->count);
        return;
    }
    char values[1024] = "";
    char target[64] = "";
    char link[32];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd_of(args[0]));
    ssize_t length = readlink(link, target, sizeof target - 1);
    target[length > 0 ? length : 0] = 0;
    /* on a container or an iommufd the number is VFIO_IOMMU_GET_INFO: no hot-reset answer to print */
    int iommu_file = strcmp(target, "/dev/vfio/vfio") == 0 || strcmp(target, "/dev/iommu") == 0;
    if (err == 0 && !iommu_file) {
        uint32_t count = info->count < HOT_RESET_ENTRIES ? info->count : HOT_RESET_ENTRIES;
        int ids[HOT_RESET_ENTRIES];
        int groups = 0;
        for (uint32_t i = 0; i < count; i++) {
            ids[i] = (int)info->devices[i].group_id; /* the devid, in a cdev's answer */
            int seen = 0;
            for (uint32_t j = 0; j < i; j++) seen |= info->devices[j].group_id == info->devices[i].group_id;
            if (!seen) groups++;
        }
        int by_devid = (info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID) != 0;
        int used = snprintf(values, sizeof values, "count=%u flags=%s%s%s groups=%d devids=", info->count,
                            by_devid ? "DEV_ID" : "",
                            info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED ? "," : "",
                            info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED ? "DEV_ID_OWNED" : "",
                            by_devid ? 0 : groups);
        if (by_devid) {
            qsort(ids, count, sizeof ids[0], ascending);
            for (uint32_t i = 0; i < count && used < (int)sizeof values - 16; i++) {
                used += snprintf(values + used, sizeof values - used, "%s%d", i ? "," : "", ids[i]);
            }
        }
    }
    result(step, err, values);
}

/* hot-reset DEVICE FLAGS GROUP,GROUP|-: the group fds of the legacy form, - for the empty array of a
 * cdev's iommufd form. */
static void do_hot_reset(const char *step, char **args) {
    static uint32_t buffer[(sizeof(struct vfio_pci_hot_reset) + HOT_RESET_ENTRIES * sizeof(int32_t)) / 4 + 1];
    struct vfio_pci_hot_reset *reset = (struct vfio_pci_hot_reset *)buffer;
    memset(buffer, 0, sizeof buffer);
    uint32_t count = 0;
    if (strcmp(args[2], "-") != 0) {
        char list[512];
        snprintf(list, sizeof list, "%s", args[2]);
        for (char *save = NULL, *group = strtok_r(list, ",", &save); group && count < HOT_RESET_ENTRIES;
             group = strtok_r(NULL, ",", &save)) {
            reset->group_fds[count++] = fd_of(group);
        }
    }
    reset->argsz = sizeof *reset + count * sizeof reset->group_fds[0];
    reset->flags = (uint32_t)number(args[1]);
    reset->count = count;
    result(step, ioctl_errno(fd_of(args[0]), VFIO_DEVICE_PCI_HOT_RESET, reset), NULL);
}

static const struct verb verbs[] = {
    {"bind", 3, do_bind},
    {"unbind", 1, do_unbind},
    {"probe", 1, do_probe},
    {"remove", 1, do_remove},
    {"add", 2, do_add},
    {"sysfs", 3, do_sysfs_verb},
    {"close", 1, do_close},
    {"group-status", 1, do_group_status},
    {"set-container", 2, do_set_container},
    {"unset-container", 1, do_unset_container},
    {"set-iommu", 2, do_set_iommu},
    {"check-extension", 2, do_check_extension},
    {"get-device-fd", 3, do_get_device_fd},
    {"map-dma", 5, do_map_dma},
    {"unmap-dma", 4, do_unmap_dma},
    {"cdev-bind", 2, do_cdev_bind},
    {"cdev-attach", 2, do_cdev_attach},
    {"cdev-detach", 1, do_cdev_detach},
    {"ioas-alloc", 2, do_ioas_alloc},
    {"hwpt-alloc", 4, do_hwpt_alloc},
    {"destroy", 2, do_destroy},
    {"ioas-map", 5, do_ioas_map},
    {"ioas-unmap", 4, do_ioas_unmap},
    {"ioas-copy", 7, do_ioas_copy},
    {"hw-info", 5, do_hw_info},
    {"option", 7, do_option},
    {"set-dirty-tracking", 4, do_set_dirty_tracking},
    {"get-dirty-bitmap", 7, do_get_dirty_bitmap},
    {"iova-ranges", 3, do_iova_ranges},
    {"allow-iovas", 3, do_allow_iovas},
    {"hot-reset-info", 2, do_hot_reset_info},
    {"hot-reset", 3, do_hot_reset},
    {"kmod", 9, do_kmod},
    {"new-id", 3, do_new_id},
    {"id-write", 3, do_id_write},
};

static void run_line(char *line) {
    char *words[MAX_ARGS + 2] = {0};
    int count = split(line, words, MAX_ARGS + 2);
    if (count < 2 || words[0][0] == '#') {
        return;
    }
    const char *step = words[0], *verb = words[1];
    char **args = words + 2;
    int argc = count - 2;
    if (strcmp(verb, "groups") == 0) {
        do_groups();
    } else if (strcmp(verb, "modules") == 0) {
        load_modules();
        settle();
    } else if (strcmp(verb, "load-kmod") == 0 && argc >= 1) {
        load_test_module(step, args[0]);
    } else if (strcmp(verb, "kernel") == 0) {
        report_kernel(step);
    } else if (strcmp(verb, "open") == 0 && argc >= 2) {
        do_open(step, args, argc);
    } else if (strcmp(verb, "state") == 0) {
        do_state(step, args, argc);
    } else {
        for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
            if (strcmp(verb, verbs[i].name) == 0) {
                if (argc < verbs[i].args) {
                    say("E step %s: %s needs %d arguments", step, verb, verbs[i].args);
                } else {
                    verbs[i].run(step, args);
                }
                collect_pending(step, 0);
                return;
            }
        }
        say("E step %s: unknown verb %s", step, verb);
    }
    collect_pending(step, 0);
}

static char current_step[32] = "-";

/* A step that hangs: say which (with write(2), which a signal handler may call) and stop the VM. */
static void step_limit(int signal) {
    (void)signal;
    char line[64];
    int length = snprintf(line, sizeof line, "H %s\n", current_step);
    if (write(fileno(out), line, length) < 0) {
        _exit(1);
    }
    sync();
    reboot(LINUX_REBOOT_CMD_POWER_OFF);
}

int main(void) {
    mount_basics();
    out = fopen("/dev/ttyS1", "w");
    if (!out) {
        out = stdout;
    }
    kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (kmsg >= 0) lseek(kmsg, 0, SEEK_END);
    signal(SIGALRM, step_limit);
    say("A custody-agent ready");
    FILE *script = fopen("/script", "r");
    char line[1024];
    while (script && fgets(line, sizeof line, script)) {
        sscanf(line, "%31s", current_step);
        kernel_warned(); /* what the kernel logged before the step is not the step's */
        alarm(STEP_LIMIT_S);
        run_line(line);
        alarm(0);
    }
    /* writes still blocked at the end get a last chance once every descriptor is closed */
    for (int i = 0; i < name_count; i++) {
        if (names[i].fd >= 0) close(names[i].fd);
    }
    collect_pending("end", pending_count ? 3000 : 0);
    say("END");
    fflush(out);
    sync();
    reboot(LINUX_REBOOT_CMD_POWER_OFF);
    return 0;
}
