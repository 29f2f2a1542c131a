/*
 * The interface between the oracle's guest agent (agent/custody-agent.c) and its test module
 * (kmod/custody-kmod.c): the module makes the in-kernel IOMMU calls that no process can make, one
 * ioctl on /dev/custody-kmod per call. Every ioctl takes struct custody_kmod_call, answers 0 or
 * -1 with errno, and leaves a value in out (bytes mapped or unmapped, a physical address).
 */
#ifndef CUSTODY_KMOD_H
#define CUSTODY_KMOD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CUSTODY_KMOD_DEVICE "/dev/custody-kmod"
#define CUSTODY_KMOD_NAME 128

struct custody_kmod_call {
	/* a PCI address; for a group, its members' addresses separated by commas (the first present one
	 * reaches the group) */
	char device[CUSTODY_KMOD_NAME];
	/* the name of an owner cookie (one distinct pointer per name); empty for NULL */
	char owner[CUSTODY_KMOD_NAME];
	/* a domain this module allocated, by its name; "@ADDR" for the domain ADDR's group uses now; empty
	 * for NULL */
	char domain[CUSTODY_KMOD_NAME];
	__u64 iova;
	__u64 paddr;
	__u64 size;
	__u32 prot;  /* IOMMU_READ (1) | IOMMU_WRITE (2) */
	__s32 error; /* fail-next-probe: the errno the next probe returns */
	__u64 out;
};

/* The calls, each the ioctl number of its request. */
enum custody_kmod_op {
	CUSTODY_KMOD_USE_DEFAULT_DOMAIN = 1, /* iommu_device_use_default_domain(device) */
	CUSTODY_KMOD_UNUSE_DEFAULT_DOMAIN,   /* iommu_device_unuse_default_domain(device) */
	CUSTODY_KMOD_GROUP_CLAIM,            /* iommu_group_claim_dma_owner(group, owner) */
	CUSTODY_KMOD_GROUP_RELEASE,          /* iommu_group_release_dma_owner(group) */
	CUSTODY_KMOD_DEVICE_CLAIM,           /* iommu_device_claim_dma_owner(device, owner) */
	CUSTODY_KMOD_DEVICE_RELEASE,         /* iommu_device_release_dma_owner(device) */
	CUSTODY_KMOD_DOMAIN_ALLOC,           /* iommu_paging_domain_alloc(device), named domain */
	CUSTODY_KMOD_DOMAIN_FREE,            /* iommu_domain_free(domain) */
	CUSTODY_KMOD_ATTACH_DEVICE,          /* iommu_attach_device(domain, device) */
	CUSTODY_KMOD_DETACH_DEVICE,          /* iommu_detach_device(domain, device) */
	CUSTODY_KMOD_ATTACH_GROUP,           /* iommu_attach_group(domain, group) */
	CUSTODY_KMOD_DETACH_GROUP,           /* iommu_detach_group(domain, group) */
	CUSTODY_KMOD_REPLACE_DOMAIN,         /* iommu_group_replace_domain(group, domain) */
	CUSTODY_KMOD_ATTACH_SHARED,          /* one domain for several devices of a group (see the module) */
	CUSTODY_KMOD_DETACH_SHARED,
	CUSTODY_KMOD_MAP,                    /* iommu_map(domain, iova, paddr, size, prot) */
	CUSTODY_KMOD_UNMAP,                  /* iommu_unmap(domain, iova, size) */
	CUSTODY_KMOD_IOVA_TO_PHYS,           /* iommu_iova_to_phys(domain, iova) */
	CUSTODY_KMOD_FAIL_NEXT_PROBE,        /* the next probe of device by a custody driver returns -error */
};

#define CUSTODY_KMOD_IOCTL(op) _IOWR('C', (op), struct custody_kmod_call)

#endif
