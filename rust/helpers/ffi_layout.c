// SPDX-License-Identifier: GPL-2.0
/*
 * The C half of the FFI layout self-test (rust/kernel/ffi_layout_test.rs): sizeof and offsetof
 * as the C compiler sees them, for every C struct whose fields the Rust abstractions read or write.
 * The Rust half compares these against size_of/offset_of! on the bindgen output, which catches
 * a bindgen that lays structs out wrongly (0.73.2 with 6.12's task_struct) at once.
 *
 * Entries are "struct" (its size) and "struct.field" (the field's offset). Keep the list in
 * step with LAYOUT in ffi_layout_test.rs: the test fails on a name present on one side only.
 */

#include <drm/drm_device.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_mode_config.h>
#include <kunit/test.h>
#include <linux/auxiliary_bus.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/irq_poll.h>
#include <linux/pci.h>
#include <linux/path.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/stddef.h>

struct ffi_layout_entry {
	const char *name;
	size_t value;
};

#define SIZE(s) { #s, sizeof(struct s) }
#define OFF(s, f) { #s "." #f, offsetof(struct s, f) }

static const struct ffi_layout_entry ffi_layout_table[] = {
	SIZE(task_struct),
	OFF(task_struct, __state),
	OFF(task_struct, flags),
	OFF(task_struct, usage),
	OFF(task_struct, mm),
	OFF(task_struct, pid),
	OFF(task_struct, tgid),
	OFF(task_struct, real_parent),
	OFF(task_struct, parent),
	OFF(task_struct, group_leader),
	OFF(task_struct, cred),
	OFF(task_struct, comm),
	OFF(task_struct, files),
	OFF(task_struct, signal),
	SIZE(device),
	OFF(device, kobj),
	OFF(device, parent),
	OFF(device, init_name),
	OFF(device, type),
	OFF(device, bus),
	OFF(device, driver),
	OFF(device, platform_data),
	OFF(device, driver_data),
	OFF(device, dma_mask),
	OFF(device, devt),
	OFF(device, class),
	OFF(device, release),
	SIZE(file_operations),
	OFF(file_operations, owner),
	OFF(file_operations, llseek),
	OFF(file_operations, read),
	OFF(file_operations, write),
	OFF(file_operations, poll),
	OFF(file_operations, unlocked_ioctl),
	OFF(file_operations, compat_ioctl),
	OFF(file_operations, mmap),
	OFF(file_operations, open),
	OFF(file_operations, release),
	OFF(file_operations, show_fdinfo),
	OFF(file_operations, fop_flags),
	SIZE(pci_dev),
	OFF(pci_dev, vendor),
	OFF(pci_dev, device),
	OFF(pci_dev, revision),
	OFF(pci_dev, class),
	OFF(pci_dev, dev),
	SIZE(pci_device_id),
	OFF(pci_device_id, vendor),
	OFF(pci_device_id, device),
	OFF(pci_device_id, subvendor),
	OFF(pci_device_id, subdevice),
	OFF(pci_device_id, class),
	OFF(pci_device_id, class_mask),
	OFF(pci_device_id, driver_data),
	OFF(pci_device_id, override_only),
	SIZE(pci_driver),
	OFF(pci_driver, name),
	OFF(pci_driver, id_table),
	OFF(pci_driver, probe),
	OFF(pci_driver, remove),
	SIZE(auxiliary_device),
	OFF(auxiliary_device, dev),
	OFF(auxiliary_device, name),
	OFF(auxiliary_device, id),
	SIZE(auxiliary_device_id),
	OFF(auxiliary_device_id, name),
	OFF(auxiliary_device_id, driver_data),
	SIZE(auxiliary_driver),
	OFF(auxiliary_driver, probe),
	OFF(auxiliary_driver, remove),
	OFF(auxiliary_driver, id_table),
	SIZE(irq_poll),
	OFF(irq_poll, list),
	OFF(irq_poll, state),
	OFF(irq_poll, weight),
	OFF(irq_poll, poll),
	/* debugfs: i_private is a file's Entry, seq_file.private its data. */
	SIZE(inode),
	OFF(inode, i_private),
	SIZE(file),
	OFF(file, f_op),
	OFF(file, f_inode),
	SIZE(seq_file),
	OFF(seq_file, private),
	/* debugfs KUnit suite: opens files by path. */
	SIZE(path),
	OFF(path, mnt),
	OFF(path, dentry),
	/* DRM (rust/kernel/drm/) */
	SIZE(drm_driver),
	OFF(drm_driver, load),
	OFF(drm_driver, open),
	OFF(drm_driver, postclose),
	OFF(drm_driver, unload),
	OFF(drm_driver, release),
	OFF(drm_driver, master_set),
	OFF(drm_driver, master_drop),
	OFF(drm_driver, debugfs_init),
	OFF(drm_driver, gem_create_object),
	OFF(drm_driver, prime_handle_to_fd),
	OFF(drm_driver, prime_fd_to_handle),
	OFF(drm_driver, gem_prime_import),
	OFF(drm_driver, gem_prime_import_sg_table),
	OFF(drm_driver, dumb_create),
	OFF(drm_driver, dumb_map_offset),
	OFF(drm_driver, fbdev_probe),
	OFF(drm_driver, show_fdinfo),
	OFF(drm_driver, major),
	OFF(drm_driver, minor),
	OFF(drm_driver, patchlevel),
	OFF(drm_driver, name),
	OFF(drm_driver, desc),
	OFF(drm_driver, date),
	OFF(drm_driver, driver_features),
	OFF(drm_driver, ioctls),
	OFF(drm_driver, num_ioctls),
	OFF(drm_driver, fops),
	SIZE(drm_device),
	OFF(drm_device, dev),
	OFF(drm_device, dev_private),
	OFF(drm_device, primary),
	OFF(drm_device, render),
	OFF(drm_device, registered),
	OFF(drm_device, debugfs_root),
	OFF(drm_device, mode_config),
	SIZE(drm_mode_config),
	OFF(drm_mode_config, min_width),
	OFF(drm_mode_config, min_height),
	OFF(drm_mode_config, max_width),
	OFF(drm_mode_config, max_height),
	OFF(drm_mode_config, funcs),
	OFF(drm_mode_config, fb_modifiers_not_supported),
	SIZE(drm_mode_config_funcs),
	OFF(drm_mode_config_funcs, fb_create),
	SIZE(drm_mode_fb_cmd2),
	OFF(drm_mode_fb_cmd2, flags),
	OFF(drm_mode_fb_cmd2, modifier),
	SIZE(drm_mode_create_dumb),
	OFF(drm_mode_create_dumb, height),
	OFF(drm_mode_create_dumb, width),
	OFF(drm_mode_create_dumb, bpp),
	OFF(drm_mode_create_dumb, flags),
	OFF(drm_mode_create_dumb, handle),
	OFF(drm_mode_create_dumb, pitch),
	OFF(drm_mode_create_dumb, size),
	SIZE(drm_minor),
	OFF(drm_minor, index),
	OFF(drm_minor, dev),
	SIZE(drm_file),
	OFF(drm_file, driver_priv),
	OFF(drm_file, minor),
	OFF(drm_file, client_id),
	SIZE(drm_gem_object),
	OFF(drm_gem_object, size),
	OFF(drm_gem_object, dev),
	OFF(drm_gem_object, funcs),
	OFF(drm_gem_object, vma_node),
	OFF(drm_gem_object, import_attach),
	SIZE(drm_gem_shmem_object),
	OFF(drm_gem_shmem_object, base),
	OFF(drm_gem_shmem_object, sgt),
	SIZE(sg_table),
	OFF(sg_table, sgl),
	OFF(sg_table, nents),
	SIZE(drm_gem_object_funcs),
	OFF(drm_gem_object_funcs, free),
	OFF(drm_gem_object_funcs, print_info),
	OFF(drm_gem_object_funcs, pin),
	OFF(drm_gem_object_funcs, unpin),
	OFF(drm_gem_object_funcs, get_sg_table),
	OFF(drm_gem_object_funcs, vmap),
	OFF(drm_gem_object_funcs, vunmap),
	OFF(drm_gem_object_funcs, mmap),
	OFF(drm_gem_object_funcs, vm_ops),
	SIZE(drm_ioctl_desc),
	OFF(drm_ioctl_desc, cmd),
	OFF(drm_ioctl_desc, flags),
	OFF(drm_ioctl_desc, func),
	OFF(drm_ioctl_desc, name),
	SIZE(kunit_case),
	OFF(kunit_case, run_case),
	OFF(kunit_case, name),
	SIZE(kunit_suite),
	OFF(kunit_suite, name),
	OFF(kunit_suite, test_cases),
	SIZE(device_type),
	OFF(device_type, name),
};

size_t rust_helper_ffi_layout_count(void)
{
	return ARRAY_SIZE(ffi_layout_table);
}

const char *rust_helper_ffi_layout_name(size_t i)
{
	return i < ARRAY_SIZE(ffi_layout_table) ? ffi_layout_table[i].name : NULL;
}

size_t rust_helper_ffi_layout_value(size_t i)
{
	return i < ARRAY_SIZE(ffi_layout_table) ? ffi_layout_table[i].value : 0;
}
