package dev.custody.model.state;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.GroupId;
import dev.custody.model.OwnerId;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * struct iommu_group's ownership fields. owner_cnt is derived from {@code claims}: while
 * {@code owner} is empty the claimants are kernel DMA-API users, otherwise they are the owner's claims.
 */
public record GroupState(
        GroupId id,
        SortedSet<DeviceId> devices,
        DomainId defaultDomain,
        Optional<DomainId> blockingDomain,
        DomainId domain,
        Optional<OwnerId> owner,
        SortedMap<Claimant, Integer> claims,
        SortedSet<Integer> pasids) {

    public static GroupState created(GroupId id, DomainId defaultDomain) {
        return new GroupState(
                id,
                Sorted.set(java.util.List.of()),
                defaultDomain,
                Optional.empty(),
                defaultDomain,
                Optional.empty(),
                Sorted.emptyMap(),
                Sorted.set(java.util.List.of()));
    }

    public int ownerCnt() {
        return claims.values().stream().mapToInt(Integer::intValue).sum();
    }

    public int claimsOf(Claimant claimant) {
        return claims.getOrDefault(claimant, 0);
    }

    public boolean isOwned() {
        return owner.isPresent();
    }

    public boolean onDefaultDomain() {
        return domain.equals(defaultDomain);
    }

    /** default or blocking: the domains the core itself manages (__iommu_group_set_core_domain). */
    public boolean onCoreDomain() {
        return onDefaultDomain() || blockingDomain.map(domain::equals).orElse(false);
    }

    public GroupState withDevices(SortedSet<DeviceId> now) {
        return new GroupState(id, now, defaultDomain, blockingDomain, domain, owner, claims, pasids);
    }

    public GroupState withDomain(DomainId now) {
        return new GroupState(id, devices, defaultDomain, blockingDomain, now, owner, claims, pasids);
    }

    public GroupState withDefaultDomain(DomainId now) {
        return new GroupState(id, devices, now, blockingDomain, domain, owner, claims, pasids);
    }

    public GroupState withBlockingDomain(DomainId now) {
        return new GroupState(id, devices, defaultDomain, Optional.of(now), domain, owner, claims, pasids);
    }

    public GroupState withOwner(Optional<OwnerId> now) {
        return new GroupState(id, devices, defaultDomain, blockingDomain, domain, now, claims, pasids);
    }

    public GroupState withClaims(Map<Claimant, Integer> now) {
        return new GroupState(id, devices, defaultDomain, blockingDomain, domain, owner, Sorted.map(now), pasids);
    }

    public GroupState withPasids(SortedSet<Integer> now) {
        return new GroupState(id, devices, defaultDomain, blockingDomain, domain, owner, claims, now);
    }
}
