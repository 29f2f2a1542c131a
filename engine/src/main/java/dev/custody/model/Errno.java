package dev.custody.model;

/** The kernel errno values the ownership paths return, with their Linux x86-64 numbers. */
public enum Errno {
    EPERM(1),
    ENOENT(2),
    EBADF(9),
    EAGAIN(11),
    ENOMEM(12),
    EACCES(13),
    EFAULT(14),
    EBUSY(16),
    EEXIST(17),
    ENODEV(19),
    EINVAL(22),
    ENOSPC(28),
    ENOTTY(25),
    E2BIG(7),
    EMSGSIZE(90),
    EOPNOTSUPP(95),
    EADDRINUSE(98),
    EOVERFLOW(75),
    EBADFD(77),
    EDEADLOCK(35);

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    /** The positive errno number; the kernel returns its negation. */
    public int number() {
        return number;
    }
}
