/*
 * A stand-in for the oracle's guest agent, used by VirtualMachineTest to check the VM plumbing: it
 * runs as init, mounts what the real agent mounts, loads /modules/order, reports what it sees on
 * /dev/ttyS1 and powers off. It includes the 6.12 uapi headers so the test also proves they compile.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

static FILE *out;

static void read_word(const char *path, char *buf, size_t size) {
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        if (fgets(buf, (int) size, f)) {
            buf[strcspn(buf, "\n")] = 0;
        }
        fclose(f);
    }
}

static void load_modules(void) {
    FILE *order = fopen("/modules/order", "r");
    char line[512];
    if (!order) {
        fprintf(out, "modules none\n");
        return;
    }
    while (fgets(line, sizeof line, order)) {
        line[strcspn(line, "\n")] = 0;
        int fd = open(line, O_RDONLY | O_CLOEXEC);
        long rc = fd < 0 ? -1 : syscall(SYS_finit_module, fd, "", 0);
        fprintf(out, "module %s %s\n", line, rc == 0 || errno == EEXIST ? "ok" : strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
    }
    fclose(order);
}

static void list_groups(void) {
    DIR *groups = opendir("/sys/kernel/iommu_groups");
    struct dirent *group;
    if (!groups) {
        fprintf(out, "groups none\n");
        return;
    }
    while ((group = readdir(groups))) {
        if (group->d_name[0] == '.') {
            continue;
        }
        char path[512];
        snprintf(path, sizeof path, "/sys/kernel/iommu_groups/%s/devices", group->d_name);
        DIR *devices = opendir(path);
        struct dirent *device;
        while (devices && (device = readdir(devices))) {
            if (device->d_name[0] == '.') {
                continue;
            }
            char file[768], vendor[32], id[32];
            snprintf(file, sizeof file, "/sys/bus/pci/devices/%s/vendor", device->d_name);
            read_word(file, vendor, sizeof vendor);
            snprintf(file, sizeof file, "/sys/bus/pci/devices/%s/device", device->d_name);
            read_word(file, id, sizeof id);
            fprintf(out, "group %s %s %s %s\n", group->d_name, device->d_name, vendor, id);
        }
        if (devices) {
            closedir(devices);
        }
    }
    closedir(groups);
}

int main(void) {
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    out = fopen("/dev/ttyS1", "w");
    if (!out) {
        out = stdout;
    }
    setvbuf(out, NULL, _IOLBF, 0);
    fprintf(out, "hello\n");
    /* Compile-time proof that the 6.12 headers are the ones in use (6.1's have neither). */
    fprintf(out, "uapi %lu %lu\n", (unsigned long) IOMMU_IOAS_ALLOC, (unsigned long) VFIO_DEVICE_BIND_IOMMUFD);
    char script[256];
    read_word("/script", script, sizeof script);
    fprintf(out, "script %s\n", script);
    load_modules();
    fprintf(out, "vfio-pci %s\n", access("/sys/bus/pci/drivers/vfio-pci", F_OK) == 0 ? "present" : "absent");
    list_groups();
    fprintf(out, "bye\n");
    fflush(out);
    sync();
    reboot(RB_POWER_OFF);
    return 1;
}
