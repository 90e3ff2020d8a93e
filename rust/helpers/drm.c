// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for the Rust DRM abstractions (rust/kernel/drm/): wrappers of static inline
 * functions, and the part of __drm_gem_shmem_create() that initialises an object the Rust side
 * has already allocated (and pin-initialised), reporting errors without freeing it.
 */

#include <drm/drm_device.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_vma_manager.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/pagemap.h>
#include <linux/uaccess.h>

void rust_helper_drm_gem_object_get(struct drm_gem_object *obj)
{
	drm_gem_object_get(obj);
}

void rust_helper_drm_gem_object_put(struct drm_gem_object *obj)
{
	drm_gem_object_put(obj);
}

__u64 rust_helper_drm_vma_node_offset_addr(struct drm_vma_offset_node *node)
{
	return drm_vma_node_offset_addr(node);
}

/*
 * Initialises the shmem object @shmem of @size bytes (page aligned) on @dev, whose memory the
 * caller allocated zeroed and whose base.funcs it has set: what __drm_gem_shmem_create() does
 * between allocating and returning the object, except that the fake mmap offset is not created
 * here but on first use (Object::create_mmap_offset()): objects that are never CPU-mapped
 * through the DRM file skip the drm_mm insertion and removal, and take the offset manager's lock
 * once (at free) instead of twice. @private selects the variant for
 * imported dma-bufs (no shmem file). On error everything done here is undone and the memory is
 * left to the caller; on success the object holds one reference, released through
 * base.funcs->free.
 */
int rust_helper_drm_gem_shmem_init_lazy(struct drm_device *dev,
					 struct drm_gem_shmem_object *shmem, size_t size,
					 bool private)
{
	struct drm_gem_object *obj = &shmem->base;
	int ret;

	if (private) {
		drm_gem_private_object_init(dev, obj, size);
		shmem->map_wc = false; /* dma-buf mappings use always writecombine */
	} else {
		ret = drm_gem_object_init(dev, obj, size);
		if (ret) {
			drm_gem_private_object_fini(obj);
			return ret;
		}
	}

	INIT_LIST_HEAD(&shmem->madv_list);

	if (!private)
		/* Pinned pages must not come from ZONE_MOVABLE, as in __drm_gem_shmem_create(). */
		mapping_set_gfp_mask(obj->filp->f_mapping,
				     GFP_HIGHUSER | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);

	return 0;
}

/* The size of the shmem object to create for an imported dma-buf. */
size_t rust_helper_drm_prime_import_size(struct dma_buf_attachment *attach)
{
	return PAGE_ALIGN(attach->dmabuf->size);
}

/*
 * Gives the parent of a DRM device without hardware (rust/kernel/drm/faux.rs) a 64-bit DMA
 * mask, as vgem does for its own, so that dma-bufs of other devices can be mapped for it when
 * they are imported.
 */
int rust_helper_drm_faux_dma_mask(struct device *dev)
{
	return dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64));
}

/* copy_struct_from_user() is inline: extensible ioctl arguments (rust/kernel/drm/ioctl.rs). */
int rust_helper_copy_struct_from_user(void *dst, size_t ksize, const void __user *src,
				      size_t usize)
{
	return copy_struct_from_user(dst, ksize, src, usize);
}
