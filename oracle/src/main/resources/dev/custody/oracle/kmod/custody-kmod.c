// SPDX-License-Identifier: GPL-2.0
/*
 * custody-kmod: the oracle's test module. It makes, on behalf of the guest agent, the calls that
 * only kernel code can make (the IOMMU core's DMA ownership, domain and mapping interfaces), so
 * that scenarios with in-kernel steps run against the real kernel too. It also registers two PCI
 * drivers that stand for a scenario's drivers: custody-dma, which uses the DMA API (its probe runs
 * after the bus's dma_configure counted it), and custody-managed, with driver_managed_dma set, as
 * vfio-pci and pci-stub have it; their probe always succeeds.
 *
 * Probe failures are injected for any driver: a kprobe on the PCI bus's probe (pci_device_probe,
 * which the driver core calls after dma_configure) makes the device's next probe return the errno
 * the agent asked for without running it, as the kernel's function error injection does.
 *
 * Every call goes straight to the kernel's function with the caller's arguments; the module only
 * turns names into pointers. Where it decides anything itself, the comment says so: a domain name
 * it does not know (ENOENT: the kernel would be handed a dangling pointer), freeing a domain a
 * group still uses (refused with a warning, where the kernel would free it under the group), and
 * the shared attach, which the kernel never merged (see attach_shared).
 *
 * Two functions the ownership rules depend on are not exported to modules:
 * iommu_device_use_default_domain and iommu_device_unuse_default_domain, called by the bus around
 * a DMA-API driver's probe and remove. The module finds them with kallsyms_lookup_name, itself
 * found through a kprobe, as out-of-tree test code does.
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/kprobes.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/linkage.h>
#include <linux/mutex.h>
#include <linux/objtool.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "custody-kmod.h"

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("custody oracle: in-kernel IOMMU calls for the guest agent");
MODULE_IMPORT_NS(IOMMUFD_INTERNAL);

#define MAX_DOMAINS 64
#define MAX_OWNERS 32
#define MAX_JOINED 8
#define MAX_FAILS 16

/* A domain this module allocated, under the scenario's name; domain is NULL once freed. */
struct named_domain {
	char name[CUSTODY_KMOD_NAME];
	struct iommu_domain *domain;
	/* the devices that joined it through attach_shared */
	char joined[MAX_JOINED][CUSTODY_KMOD_NAME];
};

/* An owner cookie: iommu_*_claim_dma_owner compare owners by pointer only. */
struct owner {
	char name[CUSTODY_KMOD_NAME];
	void *cookie;
};

struct probe_failure {
	char device[CUSTODY_KMOD_NAME];
	int error;
};

/* exported to iommufd (namespace IOMMUFD_INTERNAL); declared in drivers/iommu/iommu-priv.h */
int iommu_group_replace_domain(struct iommu_group *group, struct iommu_domain *new_domain);

static DEFINE_MUTEX(custody_lock);
/* the probe failures are read in the kprobe's handler, which must not sleep */
static DEFINE_SPINLOCK(failures_lock);
static struct named_domain domains[MAX_DOMAINS];
static struct owner owners[MAX_OWNERS];
static struct probe_failure failures[MAX_FAILS];

/* ---- symbols the kernel does not export ------------------------------------------------------- */

typedef unsigned long (*lookup_name_fn)(const char *name);

static unsigned long lookup_symbol(const char *name)
{
	static lookup_name_fn lookup;

	if (!lookup) {
		struct kprobe probe = { .symbol_name = "kallsyms_lookup_name" };

		if (register_kprobe(&probe) < 0)
			return 0;
		lookup = (lookup_name_fn)probe.addr;
		unregister_kprobe(&probe);
	}
	return lookup ? lookup(name) : 0;
}

static int (*use_default_domain)(struct device *dev);
static void (*unuse_default_domain)(struct device *dev);
static struct iommu_domain *(*dma_domain_of)(struct device *dev);

/* ---- names to objects -------------------------------------------------------------------------- */

/* The first present device of a comma-separated list of PCI addresses, with a reference. */
static struct device *find_device(const char *list)
{
	char copy[CUSTODY_KMOD_NAME], *cursor = copy, *name;

	strscpy(copy, list, sizeof(copy));
	while ((name = strsep(&cursor, ",")) != NULL) {
		struct device *dev = bus_find_device_by_name(&pci_bus_type, NULL, name);

		if (dev)
			return dev;
	}
	return NULL;
}

static struct named_domain *named(const char *name)
{
	int i;

	for (i = 0; i < MAX_DOMAINS; i++)
		if (domains[i].name[0] && strcmp(domains[i].name, name) == 0)
			return &domains[i];
	return NULL;
}

static struct named_domain *new_named(const char *name)
{
	struct named_domain *slot = named(name);
	int i;

	for (i = 0; !slot && i < MAX_DOMAINS; i++)
		if (!domains[i].name[0])
			slot = &domains[i];
	if (slot) {
		memset(slot, 0, sizeof(*slot));
		strscpy(slot->name, name, sizeof(slot->name));
	}
	return slot;
}

/*
 * A domain argument: a domain this module allocated, "@ADDR" for the domain ADDR's group uses now (an
 * iommufd HWPT's or a container's domain, which only their owner holds a pointer to), or NULL.
 * A name never allocated or already freed is ENOENT: the module's answer, not the kernel's.
 */
static int resolve_domain(const char *name, struct iommu_domain **domain)
{
	struct named_domain *slot;

	*domain = NULL;
	if (!name[0])
		return 0;
	if (name[0] == '@') {
		struct device *dev = find_device(name + 1);

		if (!dev)
			return -ENODEV;
		*domain = iommu_get_domain_for_dev(dev);
		put_device(dev);
		return *domain ? 0 : -ENOENT;
	}
	slot = named(name);
	if (!slot || !slot->domain)
		return -ENOENT;
	*domain = slot->domain;
	return 0;
}

/* The cookie of an owner name, made on first use; NULL for the empty name. */
static void *owner_cookie(const char *name)
{
	int i;

	if (!name[0])
		return NULL;
	for (i = 0; i < MAX_OWNERS && owners[i].name[0]; i++)
		if (strcmp(owners[i].name, name) == 0)
			return owners[i].cookie;
	if (i == MAX_OWNERS)
		return ERR_PTR(-ENOSPC);
	owners[i].cookie = kzalloc(1, GFP_KERNEL);
	if (!owners[i].cookie)
		return ERR_PTR(-ENOMEM);
	strscpy(owners[i].name, name, sizeof(owners[i].name));
	return owners[i].cookie;
}

/* Whether a group still uses the domain: freeing it now would free it under the hardware. */
static bool domain_in_use(struct iommu_domain *domain)
{
	struct pci_dev *pdev = NULL;

	for_each_pci_dev(pdev) {
		if (iommu_get_domain_for_dev(&pdev->dev) == domain) {
			pci_dev_put(pdev);
			return true;
		}
	}
	return false;
}

/* ---- the shared attach ------------------------------------------------------------------------- */

static int joined_index(struct named_domain *slot, const char *device)
{
	int i;

	for (i = 0; i < MAX_JOINED; i++)
		if (strcmp(slot->joined[i], device) == 0)
			return i;
	return -1;
}

/*
 * iommu_attach_device_shared() of the 2021 DMA-ownership series was proposed and not merged. The
 * model follows its variant built on the owner count; here it is made of the merged calls that
 * carry it out: the device claims DMA ownership with the domain itself as the owner
 * (iommu_device_claim_dma_owner, which counts further claims of the same owner), and the first
 * device attaches the group (iommu_attach_group) from the blocking domain its claim moved it to.
 * The proposal's own refusals are decided here from what the kernel shows: a device bound to a
 * DMA-API driver (EPERM), a device that already joined (EBUSY), and a group claimed by another
 * owner, which is no longer on its default domain (EBUSY), rather than by kernel DMA users, which
 * leave it there (EPERM, as the claim itself answers).
 */
static int attach_shared(struct named_domain *slot, struct device *dev)
{
	struct iommu_group *group = iommu_group_get(dev);
	const char *name = dev_name(dev);
	int free_slot, ret;

	if (!group)
		return -ENODEV;
	iommu_group_put(group);
	if (dev->driver && !to_pci_driver(dev->driver)->driver_managed_dma)
		return -EPERM;
	if (joined_index(slot, name) >= 0)
		return -EBUSY;
	free_slot = joined_index(slot, "");
	if (free_slot < 0)
		return -ENOSPC;
	if (iommu_group_dma_owner_claimed(group) && iommu_get_domain_for_dev(dev) != slot->domain &&
	    iommu_get_domain_for_dev(dev) != dma_domain_of(dev))
		return -EBUSY;
	ret = iommu_device_claim_dma_owner(dev, slot->domain);
	if (ret)
		return ret;
	if (iommu_get_domain_for_dev(dev) != slot->domain) {
		ret = iommu_attach_group(slot->domain, group);
		if (ret) {
			iommu_device_release_dma_owner(dev);
			return ret;
		}
	}
	strscpy(slot->joined[free_slot], name, CUSTODY_KMOD_NAME);
	return 0;
}

/* The proposal's detach: a device that has not joined is a warning; the last one out releases the
 * group, which returns it to its default domain (iommu_device_release_dma_owner). */
static int detach_shared(struct named_domain *slot, struct device *dev)
{
	int index = joined_index(slot, dev_name(dev));

	if (WARN(index < 0, "custody-kmod: %s has not joined domain %s\n", dev_name(dev), slot->name))
		return 0;
	slot->joined[index][0] = 0;
	iommu_device_release_dma_owner(dev);
	return 0;
}

/* ---- probe failures ------------------------------------------------------------------------------ */

static int take_failure(const char *device)
{
	unsigned long flags;
	int i, error = 0;

	spin_lock_irqsave(&failures_lock, flags);
	for (i = 0; i < MAX_FAILS; i++) {
		if (failures[i].device[0] && strcmp(failures[i].device, device) == 0) {
			error = failures[i].error;
			failures[i].device[0] = 0;
			break;
		}
	}
	spin_unlock_irqrestore(&failures_lock, flags);
	return error;
}

static int fail_next_probe(const char *device, int error)
{
	unsigned long flags;
	int i, ret = -ENOSPC;

	spin_lock_irqsave(&failures_lock, flags);
	for (i = 0; i < MAX_FAILS; i++) {
		if (!failures[i].device[0] || strcmp(failures[i].device, device) == 0) {
			strscpy(failures[i].device, device, sizeof(failures[i].device));
			failures[i].error = error;
			ret = 0;
			break;
		}
	}
	spin_unlock_irqrestore(&failures_lock, flags);
	return ret;
}

/* Where a failed probe resumes: a function that only returns, as just_return_func is for the
 * kernel's error injection (not built into the oracle kernel). */
asmlinkage void custody_just_return(void);
asm(".pushsection .text\n"
    ".type custody_just_return, @function\n"
    "custody_just_return:\n"
    ANNOTATE_NOENDBR
    ASM_RET
    ".size custody_just_return, .-custody_just_return\n"
    ".popsection\n");

static unsigned long just_return = (unsigned long)&custody_just_return;

/* At pci_device_probe's entry: a device asked to fail returns the errno at once (just_return_func). */
static int fail_probe_entry(struct kprobe *probe, struct pt_regs *regs)
{
	struct device *dev = (struct device *)regs->di;
	int error = take_failure(dev_name(dev));

	if (!error)
		return 0;
	regs->ax = (unsigned long)(long)-error;
	regs->ip = just_return;
	return 1;
}

/* Runs after a probe that was let through; its presence alone matters: it keeps the
 * probe an int3 one: an optimised (jump) kprobe ignores the pre-handler's new ip, as the kernel's
 * fail_function knows. */
static void probe_entry_done(struct kprobe *probe, struct pt_regs *regs, unsigned long flags)
{
}

static struct kprobe probe_failures = {
	.symbol_name = "pci_device_probe",
	.pre_handler = fail_probe_entry,
	.post_handler = probe_entry_done,
};

/*
 * The module's own decision: a map over an IOVA that already translates is refused with EEXIST
 * before iommu_map is called. VT-d (6.12) does not check: for a 4K map inside a present 2M or 1G
 * leaf, pfn_to_dma_pte takes the leaf for a table and writes into the memory it maps (a page fault
 * in the guest when that memory is not RAM), and a map over a leaf of its own size only WARNs. The
 * model refuses as the io-pgtable drivers do; such a step compares the model with this check, not
 * with the kernel. Misaligned calls go on to iommu_map, which refuses them first.
 */
static bool translates_any(struct iommu_domain *domain, u64 iova, u64 paddr, u64 size)
{
	u64 at;

	if (!IS_ALIGNED(iova | paddr | size, SZ_4K) || iova + size < iova)
		return false;
	for (at = iova; at < iova + size; at += SZ_4K)
		if (iommu_iova_to_phys(domain, at))
			return true;
	return false;
}

/* ---- the calls ----------------------------------------------------------------------------------- */

/* A call on a group, reached through the first present member device. */
static long group_call(unsigned int op, struct custody_kmod_call *call, struct device *dev)
{
	struct iommu_group *group = iommu_group_get(dev);
	struct iommu_domain *domain;
	void *owner;
	long ret = 0;

	if (!group)
		return -ENODEV;
	switch (op) {
	case CUSTODY_KMOD_GROUP_CLAIM:
		owner = owner_cookie(call->owner);
		ret = IS_ERR(owner) ? PTR_ERR(owner) : iommu_group_claim_dma_owner(group, owner);
		break;
	case CUSTODY_KMOD_GROUP_RELEASE:
		iommu_group_release_dma_owner(group);
		break;
	case CUSTODY_KMOD_ATTACH_GROUP:
		ret = resolve_domain(call->domain, &domain);
		if (!ret)
			ret = iommu_attach_group(domain, group);
		break;
	case CUSTODY_KMOD_DETACH_GROUP:
		/* iommu_detach_group() does not look at the domain; a stale name is passed as NULL */
		if (resolve_domain(call->domain, &domain))
			domain = NULL;
		iommu_detach_group(domain, group);
		break;
	case CUSTODY_KMOD_REPLACE_DOMAIN:
		ret = resolve_domain(call->domain, &domain);
		if (!ret)
			ret = iommu_group_replace_domain(group, domain);
		break;
	}
	iommu_group_put(group);
	return ret;
}

static long domain_call(unsigned int op, struct custody_kmod_call *call, struct device *dev)
{
	struct named_domain *slot = call->domain[0] == '@' ? NULL : named(call->domain);
	struct iommu_domain *domain;
	void *owner;
	long ret;

	switch (op) {
	case CUSTODY_KMOD_USE_DEFAULT_DOMAIN:
		return use_default_domain(dev);
	case CUSTODY_KMOD_UNUSE_DEFAULT_DOMAIN:
		unuse_default_domain(dev);
		return 0;
	case CUSTODY_KMOD_DEVICE_CLAIM:
		owner = owner_cookie(call->owner);
		return IS_ERR(owner) ? PTR_ERR(owner) : iommu_device_claim_dma_owner(dev, owner);
	case CUSTODY_KMOD_DEVICE_RELEASE:
		/* the kernel dereferences the group unchecked: its caller is a driver of a grouped device */
		if (!dev->iommu_group)
			return -ENODEV;
		iommu_device_release_dma_owner(dev);
		return 0;
	case CUSTODY_KMOD_DOMAIN_ALLOC:
		domain = iommu_paging_domain_alloc(dev);
		if (IS_ERR(domain))
			return PTR_ERR(domain);
		slot = new_named(call->domain);
		if (!slot) {
			iommu_domain_free(domain);
			return -ENOSPC;
		}
		slot->domain = domain;
		return 0;
	}
	ret = resolve_domain(call->domain, &domain);
	if (ret)
		return ret;
	switch (op) {
	case CUSTODY_KMOD_ATTACH_DEVICE:
		return iommu_attach_device(domain, dev);
	case CUSTODY_KMOD_DETACH_DEVICE:
		iommu_detach_device(domain, dev);
		return 0;
	case CUSTODY_KMOD_ATTACH_SHARED:
		return slot ? attach_shared(slot, dev) : -EINVAL;
	case CUSTODY_KMOD_DETACH_SHARED:
		return slot ? detach_shared(slot, dev) : -EINVAL;
	}
	return -ENOTTY;
}

static long mapping_call(unsigned int op, struct custody_kmod_call *call)
{
	struct named_domain *slot;
	struct iommu_domain *domain;
	long ret = resolve_domain(call->domain, &domain);
	size_t unmapped;

	if (ret)
		return ret;
	switch (op) {
	case CUSTODY_KMOD_DOMAIN_FREE:
		slot = named(call->domain);
		if (!slot)
			return -EINVAL;
		/* the module's refusal: the kernel would free the domain under the group using it */
		if (WARN(domain_in_use(domain), "custody-kmod: domain %s is in use: not freed\n", slot->name))
			return 0;
		iommu_domain_free(domain);
		slot->domain = NULL;
		return 0;
	case CUSTODY_KMOD_MAP:
		if (translates_any(domain, call->iova, call->paddr, call->size))
			return -EEXIST;
		ret = iommu_map(domain, call->iova, call->paddr, call->size, call->prot, GFP_KERNEL);
		call->out = ret ? 0 : call->size;
		return ret;
	case CUSTODY_KMOD_UNMAP:
		unmapped = iommu_unmap(domain, call->iova, call->size);
		call->out = unmapped;
		return 0;
	case CUSTODY_KMOD_IOVA_TO_PHYS:
		call->out = iommu_iova_to_phys(domain, call->iova);
		return 0;
	}
	return -ENOTTY;
}

static long custody_call(unsigned int op, struct custody_kmod_call *call)
{
	struct device *dev;
	long ret;

	switch (op) {
	case CUSTODY_KMOD_DOMAIN_FREE:
	case CUSTODY_KMOD_MAP:
	case CUSTODY_KMOD_UNMAP:
	case CUSTODY_KMOD_IOVA_TO_PHYS:
		return mapping_call(op, call);
	case CUSTODY_KMOD_FAIL_NEXT_PROBE:
		return fail_next_probe(call->device, call->error);
	}
	dev = find_device(call->device);
	if (!dev)
		return -ENODEV;
	switch (op) {
	case CUSTODY_KMOD_GROUP_CLAIM:
	case CUSTODY_KMOD_GROUP_RELEASE:
	case CUSTODY_KMOD_ATTACH_GROUP:
	case CUSTODY_KMOD_DETACH_GROUP:
	case CUSTODY_KMOD_REPLACE_DOMAIN:
		ret = group_call(op, call, dev);
		break;
	default:
		ret = domain_call(op, call, dev);
	}
	put_device(dev);
	return ret;
}

static long custody_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct custody_kmod_call call;
	long ret;

	if (_IOC_TYPE(cmd) != 'C' || _IOC_SIZE(cmd) != sizeof(call))
		return -ENOTTY;
	if (copy_from_user(&call, (void __user *)arg, sizeof(call)))
		return -EFAULT;
	call.device[CUSTODY_KMOD_NAME - 1] = 0;
	call.owner[CUSTODY_KMOD_NAME - 1] = 0;
	call.domain[CUSTODY_KMOD_NAME - 1] = 0;
	call.out = 0;
	mutex_lock(&custody_lock);
	ret = custody_call(_IOC_NR(cmd), &call);
	mutex_unlock(&custody_lock);
	if (copy_to_user((void __user *)arg, &call, sizeof(call)))
		return -EFAULT;
	return ret;
}

static const struct file_operations custody_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = custody_ioctl,
};

static struct miscdevice custody_device = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "custody-kmod",
	.fops = &custody_fops,
};

/* ---- the stand-in drivers ------------------------------------------------------------------------ */

static int custody_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	return 0;
}

static void custody_remove(struct pci_dev *pdev)
{
}

/* QEMU's pci-testdev, which no other driver matches: the device that plays a DMA-API driver. */
static const struct pci_device_id custody_dma_ids[] = {
	{ PCI_DEVICE(0x1b36, 0x0005) },
	{}
};

static struct pci_driver custody_dma_driver = {
	.name = "custody-dma",
	.id_table = custody_dma_ids,
	.probe = custody_probe,
	.remove = custody_remove,
};

/* Binds only where driver_override or a dynamic id sends it, as vfio-pci does. */
static struct pci_driver custody_managed_driver = {
	.name = "custody-managed",
	.probe = custody_probe,
	.remove = custody_remove,
	.driver_managed_dma = true,
};

static int __init custody_init(void)
{
	int ret;

	use_default_domain = (void *)lookup_symbol("iommu_device_use_default_domain");
	unuse_default_domain = (void *)lookup_symbol("iommu_device_unuse_default_domain");
	dma_domain_of = (void *)lookup_symbol("iommu_get_dma_domain");
	if (!use_default_domain || !unuse_default_domain || !dma_domain_of) {
		pr_err("custody-kmod: cannot find the kernel's unexported functions\n");
		return -ENOENT;
	}
	ret = register_kprobe(&probe_failures);
	if (ret) {
		pr_err("custody-kmod: cannot probe pci_device_probe: %d\n", ret);
		return ret;
	}
	ret = misc_register(&custody_device);
	if (ret)
		goto no_device;
	ret = pci_register_driver(&custody_dma_driver);
	if (ret)
		goto no_dma_driver;
	ret = pci_register_driver(&custody_managed_driver);
	if (ret)
		goto no_managed_driver;
	return 0;
no_managed_driver:
	pci_unregister_driver(&custody_dma_driver);
no_dma_driver:
	misc_deregister(&custody_device);
no_device:
	unregister_kprobe(&probe_failures);
	return ret;
}

static void __exit custody_exit(void)
{
	pci_unregister_driver(&custody_managed_driver);
	pci_unregister_driver(&custody_dma_driver);
	misc_deregister(&custody_device);
	unregister_kprobe(&probe_failures);
}

module_init(custody_init);
module_exit(custody_exit);
