/*
 * java-init: /init of the initramfs in which the oracle runs a JVM (`custody oracle native-check`,
 * `custody crash-test --power-loss`). It mounts what a JVM expects (proc for /proc/self, sysfs,
 * devtmpfs for /dev/iommu, the disks and the serial ports) and the disks /script names, starts the
 * program /script describes with its stdout and stderr on /dev/ttyS1 (the port the host reads),
 * reports how it ended there too, and powers the VM off: PID 1 must never exit, the kernel would
 * panic. Powering off syncs first, so what the program wrote reaches the disks.
 *
 * /script, one directive per line, so the host decides the command line and this file stays fixed:
 *   env NAME=VALUE            an environment variable of the program
 *   arg VALUE                 the next argv element (the first is the program's path)
 *   mount DEVICE DIR FSTYPE   mount a disk before the program starts (DIR is created)
 *   stderr PATH               the program's stderr goes there instead of /dev/ttyS1
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ITEMS 128
#define MAX_LINE 4096

#define MAX_MOUNTS 4

static char *args[MAX_ITEMS + 1];
static char *envs[MAX_ITEMS + 1];
static char *mounts[MAX_MOUNTS][3]; /* device, directory, file system type */
static int nmounts;
static char *stderr_path;

static void power_off(void) {
    sync();
    reboot(LINUX_REBOOT_CMD_POWER_OFF);
    for (;;)
        pause(); /* reboot only returns on failure; exiting would panic the kernel */
}

/* Fills args and envs from /script; returns a message on failure, NULL on success. */
static const char *read_script(void) {
    static char line[MAX_LINE];
    int nargs = 0, nenvs = 0;
    FILE *script = fopen("/script", "r");
    if (!script)
        return "cannot open /script";
    while (fgets(line, sizeof line, script)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "arg ", 4) == 0 && nargs < MAX_ITEMS)
            args[nargs++] = strdup(line + 4);
        else if (strncmp(line, "env ", 4) == 0 && nenvs < MAX_ITEMS)
            envs[nenvs++] = strdup(line + 4);
        else if (strncmp(line, "stderr ", 7) == 0)
            stderr_path = strdup(line + 7);
        else if (strncmp(line, "mount ", 6) == 0 && nmounts < MAX_MOUNTS) {
            char *fields = strdup(line + 6);
            char *device = strtok(fields, " ");
            char *dir = strtok(NULL, " ");
            char *type = strtok(NULL, " ");
            if (!device || !dir || !type || strtok(NULL, " ")) {
                fclose(script);
                return "a mount line needs DEVICE DIR FSTYPE";
            }
            mounts[nmounts][0] = device;
            mounts[nmounts][1] = dir;
            mounts[nmounts][2] = type;
            nmounts++;
        }
        else if (line[0] != '\0') {
            fclose(script);
            return "unknown /script line or too many lines";
        }
    }
    fclose(script);
    return nargs == 0 ? "/script names no program" : NULL;
}

int main(void) {
    mkdir("/proc", 0755);
    mkdir("/sys", 0755);
    mkdir("/dev", 0755);
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);

    int out = open("/dev/ttyS1", O_WRONLY | O_NOCTTY);
    if (out < 0)
        out = 1; /* the console: the host then sees the reason in the kernel log */
    FILE *report = fdopen(dup(out), "w");

    const char *problem = read_script();
    if (problem) {
        fprintf(report, "java-init: %s\n", problem);
        fclose(report);
        power_off();
    }

    for (int i = 0; i < nmounts; i++) {
        mkdir(mounts[i][1], 0755);
        if (mount(mounts[i][0], mounts[i][1], mounts[i][2], 0, NULL) != 0) {
            fprintf(report, "java-init: cannot mount %s on %s (%s): %s\n", mounts[i][0], mounts[i][1], mounts[i][2],
                    strerror(errno));
            fclose(report);
            power_off();
        }
    }
    int err = out;
    if (stderr_path) {
        err = open(stderr_path, O_WRONLY | O_NOCTTY);
        if (err < 0) {
            fprintf(report, "java-init: cannot open %s for stderr: %s\n", stderr_path, strerror(errno));
            fclose(report);
            power_off();
        }
    }

    pid_t child = fork();
    if (child == 0) {
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        execve(args[0], args, envs);
        dprintf(out, "java-init: cannot run %s: %s\n", args[0], strerror(errno));
        _exit(127);
    }
    int status = 0;
    if (child < 0)
        fprintf(report, "java-init: fork failed: %s\n", strerror(errno));
    else if (waitpid(child, &status, 0) < 0)
        fprintf(report, "java-init: waitpid failed: %s\n", strerror(errno));
    else if (WIFEXITED(status))
        fprintf(report, "java-init: exit %d\n", WEXITSTATUS(status));
    else
        fprintf(report, "java-init: signal %d\n", WTERMSIG(status));
    fclose(report);
    power_off();
    return 0;
}
