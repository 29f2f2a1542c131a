package dev.custody.ops;

import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import java.util.Optional;

/**
 * The guest agent's line for an in-kernel call, which the oracle's test module makes:
 * {@code kmod CALL DEVICES OWNER DOMAIN IOVA PADDR SIZE PROT ERRNO}, {@code -} for what the call
 * does not take. A group is given by its devices' addresses (the module reaches it through the
 * first one present); an owner by its name (one cookie per name, none for {@code -}).
 */
final class KernelCall {
    private final String call;
    private String devices = "-";
    private String owner = "-";
    private String domain = "-";
    private long iova;
    private long paddr;
    private long size;
    private String prot = "-";
    private int errno;

    private KernelCall(String call) {
        this.call = call;
    }

    static KernelCall of(String call) {
        return new KernelCall(call);
    }

    KernelCall device(AgentContext agent, DeviceId device) throws NotRealisable {
        devices = agent.address(device);
        return this;
    }

    KernelCall group(AgentContext agent, GroupId group) throws NotRealisable {
        devices = String.join(",", agent.groupAddresses(group));
        return this;
    }

    KernelCall owner(AgentContext agent, Optional<String> name) throws NotRealisable {
        owner = name.isPresent() ? agent.token("owner", name.get()) : "-";
        return this;
    }

    KernelCall domain(AgentContext agent, Handle handle) throws NotRealisable {
        domain = agent.name(handle);
        return this;
    }

    KernelCall domain(AgentContext agent, Optional<Handle> handle) throws NotRealisable {
        domain = handle.isPresent() ? agent.name(handle.get()) : "-";
        return this;
    }

    KernelCall created(AgentContext agent, String label) throws NotRealisable {
        domain = agent.created(label);
        return this;
    }

    KernelCall range(long iova, long paddr, long size) {
        this.iova = iova;
        this.paddr = paddr;
        this.size = size;
        return this;
    }

    KernelCall prot(boolean read, boolean write) {
        prot = (read ? "r" : "") + (write ? "w" : "");
        prot = prot.isEmpty() ? "-" : prot;
        return this;
    }

    KernelCall errno(int number) {
        errno = number;
        return this;
    }

    String line() {
        return String.join(
                " ",
                "kmod",
                call,
                devices,
                owner,
                domain,
                AgentContext.hex(iova),
                AgentContext.hex(paddr),
                AgentContext.hex(size),
                prot,
                Integer.toString(errno));
    }
}
