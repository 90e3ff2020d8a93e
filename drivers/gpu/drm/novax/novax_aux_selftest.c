// SPDX-License-Identifier: GPL-2.0
/*
 * novax_aux_selftest: an auxiliary device that C code creates under the name the novax DRM
 * driver binds to ("novax_core.drm.<id>"), without the data the novax core driver shares.
 *
 * The auxiliary bus matches drivers by name only, so any module can create a device that
 * novax's probe gets called for. The Rust abstraction must tell such a device from one a Rust
 * `auxiliary::Registration` created and refuse it (`shared_data()` answers ENOENT) instead of
 * reading "shared data" past the end of the `struct auxiliary_device`, where a Rust-created
 * device keeps it. Here the memory after the device holds a poison pattern (it stands for
 * whatever the C driver embeds the device in), so a driver that misreads it dereferences a
 * non-canonical pointer on any kernel instead of finding zeroes by luck. The guest test loads
 * this module and checks that novax refused the device cleanly and that unloading removes it.
 */
#include <linux/auxiliary_bus.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/slab.h>

/* Far above the ids the core driver hands out (0, 1, 2, ... per bind). */
#define NOVAX_AUX_SELFTEST_ID 4096

/* A C driver's device: the auxiliary device, then the driver's own fields. */
struct novax_aux_selftest {
	struct auxiliary_device adev;
	unsigned long own[8];
};

static struct device *parent;
static struct auxiliary_device *adev;

static void novax_aux_selftest_release(struct device *dev)
{
	kfree(container_of(dev, struct novax_aux_selftest, adev.dev));
}

static int __init novax_aux_selftest_init(void)
{
	struct novax_aux_selftest *st;
	int ret;

	parent = root_device_register("novax_aux_selftest");
	if (IS_ERR(parent))
		return PTR_ERR(parent);

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st) {
		ret = -ENOMEM;
		goto err_parent;
	}
	memset(st->own, 0xa5, sizeof(st->own));
	adev = &st->adev;
	adev->name = "drm";
	adev->id = NOVAX_AUX_SELFTEST_ID;
	adev->dev.parent = parent;
	adev->dev.release = novax_aux_selftest_release;

	ret = auxiliary_device_init(adev);
	if (ret) {
		kfree(st);
		goto err_parent;
	}
	ret = __auxiliary_device_add(adev, "novax_core");
	if (ret) {
		auxiliary_device_uninit(adev);
		goto err_parent;
	}
	pr_info("novax_aux_selftest: created %s\n", dev_name(&adev->dev));
	return 0;

err_parent:
	root_device_unregister(parent);
	return ret;
}

static void __exit novax_aux_selftest_exit(void)
{
	auxiliary_device_delete(adev);
	auxiliary_device_uninit(adev);
	root_device_unregister(parent);
}

module_init(novax_aux_selftest_init);
module_exit(novax_aux_selftest_exit);
MODULE_DESCRIPTION("novax: a C-created auxiliary device named like the core driver's");
MODULE_LICENSE("GPL");
