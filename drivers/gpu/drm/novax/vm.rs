// SPDX-License-Identifier: GPL-2.0

//! A client's GPU virtual address space: what VM_INIT creates and VM_BIND changes.
//!
//! The DRM driver keeps the client's view, a sorted list of mappings (VA range → range of a
//! buffer object), and turns every bind into page-table updates that the core driver applies
//! to the VA space it owns ([`crate::iface::CoreOps::vm_update`]). A bind is all or nothing:
//! every operation is checked, every object looked up and its pages pinned and DMA-mapped, and
//! the new list computed before the core is called once; the core makes every table first, so
//! an allocation failure there changes nothing either.
//!
//! Page sizes: a 64 KiB-aligned 64 KiB piece of a mapping whose 16 pages are contiguous and
//! 64 KiB-aligned in bus memory is mapped with one big page, the rest with 4 KiB pages. A
//! change inside a big page rewrites the whole 64 KiB around it from the list, so a split
//! mapping keeps what it still covers.
//!
//! Teardown: the file's VM goes when the file is closed. It frees the core's VA space first
//! (so the GPU no longer reaches the pages), then unpins the pages. After an unbind the core
//! has already freed every VA space with its export; the file's mappings then only hold pins.

use crate::{
    drv::NovaxDrm,
    gem::{NovaxObject, Object},
    iface::{PtOp, VmInfo, PT_OP_CLEAR, PT_OP_MAP},
};
use kernel::{
    drm::{self, gem::DmaPages, ioctl::copy_struct_from_user},
    interface::Slice,
    prelude::*,
    sync::{Arc, Mutex},
    transmute::FromBytes,
    types::ARef,
    uapi,
};

/// Width of GPU virtual addresses (GMMU version 2).
pub(crate) const VA_BITS: u32 = 49;
/// The end of the VA space.
const VA_END: u64 = 1 << VA_BITS;
/// The smallest kernel region VM_INIT takes: room for channel rings and semaphores.
pub(crate) const KERNEL_MIN_SIZE: u64 = 16 << 20;
/// The kernel region ends at or below this: Host semaphore and GP-entry addresses have 40 bits.
const KERNEL_END_MAX: u64 = 1 << 40;
/// The most operations in one VM_BIND.
pub(crate) const BIND_OPS_MAX: u32 = 1024;
/// The page sizes the VA space uses.
pub(crate) const PAGE_SIZES: u64 = SMALL | BIG;

const SMALL: u64 = 4 << 10;
const BIG: u64 = 64 << 10;

kernel::bytes_struct! {
    /// `struct drm_novax_vm_bind_op`, read from userspace as bytes.
    #[derive(Clone, Copy, Default)]
    struct BindOp {
        op: u32,
        flags: u32,
        handle: u32,
        pad: u32,
        addr: u64,
        bo_offset: u64,
        range: u64,
    }
}

const _: () =
    assert!(core::mem::size_of::<BindOp>() == core::mem::size_of::<uapi::drm_novax_vm_bind_op>());

/// A buffer object's pages as the GPU reaches them: pinned and mapped, with the bus address of
/// every 4 KiB page.
struct BoPages {
    /// The pins and the DMA mapping (none in KUnit, whose pages are made up).
    _dma: Option<DmaPages<NovaxObject>>,
    addrs: KVVec<u64>,
}

impl BoPages {
    fn new(bo: &Object) -> Result<Arc<Self>> {
        let dma = bo.dma_pages()?;
        let mut addrs = KVVec::with_capacity(bo.size() / 4096, GFP_KERNEL)?;
        for seg in dma.segments() {
            let mut a = seg.addr;
            while a < seg.addr + seg.len {
                addrs.push(a, GFP_KERNEL)?;
                a += SMALL;
            }
        }
        if addrs.len() * 4096 < bo.size() {
            return Err(EIO);
        }
        Ok(Arc::new(
            Self {
                _dma: Some(dma),
                addrs,
            },
            GFP_KERNEL,
        )?)
    }

    /// Pages at made-up bus addresses, for KUnit.
    #[cfg(CONFIG_DRM_NOVAX_KUNIT_TEST)]
    fn from_addrs(addrs: KVVec<u64>) -> Result<Arc<Self>> {
        Ok(Arc::new(Self { _dma: None, addrs }, GFP_KERNEL)?)
    }

    /// Whether the 64 KiB from page `first` on are one aligned, contiguous 64 KiB of bus memory.
    fn big_at(&self, first: usize) -> bool {
        let Some(pages) = self.addrs.get(first..first + 16) else {
            return false;
        };
        pages[0] % BIG == 0
            && pages
                .iter()
                .zip(0u64..)
                .all(|(&a, i)| a == pages[0] + i * SMALL)
    }
}

/// One mapping: `va..end` shows the object from `offset` on.
#[derive(Clone)]
struct Mapping {
    va: u64,
    end: u64,
    offset: u64,
    read_only: bool,
    handle: u32,
    pages: Arc<BoPages>,
}

impl Mapping {
    /// The part of the mapping in `lo..hi` (which must overlap it).
    fn clip(&self, lo: u64, hi: u64) -> Self {
        let va = self.va.max(lo);
        Self {
            va,
            end: self.end.min(hi),
            offset: self.offset + (va - self.va),
            ..self.clone()
        }
    }
}

/// A client's VA space.
///
/// # Invariants
///
/// `mappings` is sorted by `va`, its ranges do not overlap and lie outside `kernel`; `space` is
/// the core's VA space, which maps exactly them (while the core is there).
pub(crate) struct Vm {
    dev: ARef<drm::Device<NovaxDrm>>,
    space: u32,
    client: u64,
    kernel: (u64, u64),
    mappings: KVec<Mapping>,
}

impl Drop for Vm {
    fn drop(&mut self) {
        // Tables first, pins after (with `mappings`). Once the device is gone the core has
        // freed the space with its export.
        if let Ok(core) = self.dev.data().core() {
            core.vm_destroy(self.space);
        }
    }
}

/// A VM, shared by its file and the device's list (for debugfs).
pub(crate) type SharedVm = Arc<Mutex<Vm>>;

/// VM_INIT.
pub(crate) fn init(
    dev: &drm::Device<NovaxDrm>,
    args: &uapi::drm_novax_vm_init,
    file: &drm::File<crate::file::NovaxFile>,
) -> Result {
    let (addr, size) = (args.kernel_addr, args.kernel_size);
    let end = addr.checked_add(size).ok_or(EINVAL)?;
    if args.flags != 0
        || args.pad != 0
        || addr % SMALL != 0
        || size % SMALL != 0
        || size < KERNEL_MIN_SIZE
        || end > KERNEL_END_MAX
    {
        return Err(EINVAL);
    }
    let _guard = dev.enter().ok_or(ENODEV)?;
    let inner = file.inner();
    let mut slot = inner.vm.lock();
    if slot.is_some() {
        return Err(EEXIST);
    }
    let core = dev.data().core()?;
    let space = core.vm_create()?;
    // INVARIANT: no mappings; the core's new space maps nothing.
    let vm = Vm {
        dev: dev.into(),
        space,
        client: file.client_id(),
        kernel: (addr, end),
        mappings: KVec::new(),
    };
    let vm = Arc::pin_init(kernel::new_mutex!(vm, "novax::Vm"), GFP_KERNEL)?;
    dev.data().register_vm(vm.clone())?;
    *slot = Some(vm);
    Ok(())
}

/// An operation, checked and resolved.
struct Op {
    va: u64,
    end: u64,
    map: Option<Mapping>,
}

/// Reads element `i` of a `drm_novax_array` of `T` (`size` bytes in its first version).
fn read_element<T: FromBytes + Default>(
    arr: &uapi::drm_novax_array,
    i: u32,
    size: usize,
) -> Result<T> {
    let stride = usize::try_from(arr.stride)?;
    let at = u64::from(arr.stride)
        .checked_mul(u64::from(i))
        .and_then(|o| arr.ptr.checked_add(o))
        .ok_or(EFAULT)?;
    let mut buf = [0u8; 64];
    let buf = buf.get_mut(..size).ok_or(EINVAL)?;
    copy_struct_from_user(buf, at, stride)?;
    T::from_bytes_copy(buf).ok_or(EINVAL)
}

/// Checks the array header: `EINVAL` for a stride below the first version, `E2BIG` above
/// `max` elements.
fn check_array(arr: &uapi::drm_novax_array, size: usize, max: u32) -> Result {
    if arr.count > max {
        return Err(E2BIG);
    }
    if arr.count > 0 && usize::try_from(arr.stride)? < size {
        return Err(EINVAL);
    }
    Ok(())
}

/// Checks one operation and resolves its object.
fn resolve(vm: &Vm, op: &BindOp, file: &drm::File<crate::file::NovaxFile>) -> Result<Op> {
    let end = op.addr.checked_add(op.range).ok_or(EINVAL)?;
    if op.pad != 0
        || op.addr % SMALL != 0
        || op.range % SMALL != 0
        || op.bo_offset % SMALL != 0
        || op.range == 0
        || end > VA_END
        || (op.addr < vm.kernel.1 && vm.kernel.0 < end)
    {
        return Err(EINVAL);
    }
    match op.op {
        uapi::DRM_NOVAX_VM_BIND_OP_MAP => {
            if op.flags & !uapi::DRM_NOVAX_VM_BIND_READ_ONLY != 0 {
                return Err(EINVAL);
            }
            let bo = Object::lookup_handle(file, op.handle)?;
            let bo_end = op.bo_offset.checked_add(op.range).ok_or(EINVAL)?;
            if bo_end > u64::try_from(bo.size())? {
                return Err(EINVAL);
            }
            Ok(Op {
                va: op.addr,
                end,
                map: Some(Mapping {
                    va: op.addr,
                    end,
                    offset: op.bo_offset,
                    read_only: op.flags & uapi::DRM_NOVAX_VM_BIND_READ_ONLY != 0,
                    handle: op.handle,
                    pages: BoPages::new(&bo)?,
                }),
            })
        }
        uapi::DRM_NOVAX_VM_BIND_OP_UNMAP => {
            if op.flags != 0 || op.handle != 0 || op.bo_offset != 0 {
                return Err(EINVAL);
            }
            Ok(Op {
                va: op.addr,
                end,
                map: None,
            })
        }
        _ => Err(EINVAL),
    }
}

/// `list` with `va..end` unmapped and then `map` inserted.
fn apply(list: &[Mapping], va: u64, end: u64, map: Option<Mapping>) -> Result<KVec<Mapping>> {
    let mut out = KVec::with_capacity(list.len() + 2, GFP_KERNEL)?;
    let mut map = map;
    for m in list {
        if let Some(new) = map.as_ref().filter(|n| n.va < m.va) {
            out.push(new.clone(), GFP_KERNEL)?;
            map = None;
        }
        if m.end <= va || m.va >= end {
            out.push(m.clone(), GFP_KERNEL)?;
            continue;
        }
        if m.va < va {
            out.push(m.clip(m.va, va), GFP_KERNEL)?;
        }
        if let Some(new) = map.take() {
            out.push(new, GFP_KERNEL)?;
        }
        if m.end > end {
            out.push(m.clip(end, m.end), GFP_KERNEL)?;
        }
    }
    if let Some(new) = map {
        out.push(new, GFP_KERNEL)?;
    }
    Ok(out)
}

/// Appends the page-table writes that make `lo..hi` (64 KiB-aligned) show `list`.
fn emit(
    list: &[Mapping],
    lo: u64,
    hi: u64,
    ops: &mut KVec<PtOp>,
    addrs: &mut KVVec<u64>,
) -> Result {
    ops.push(
        PtOp {
            kind: PT_OP_CLEAR,
            va: lo,
            size: hi - lo,
            ..PtOp::default()
        },
        GFP_KERNEL,
    )?;
    for m in list.iter().filter(|m| m.va < hi && lo < m.end) {
        let p = m.clip(lo, hi);
        let mut at = p.va;
        while at < p.end {
            let page = usize::try_from((p.offset + (at - p.va)) / SMALL)?;
            let big = at % BIG == 0 && at + BIG <= p.end && m.pages.big_at(page);
            let (shift, step) = if big { (16, BIG) } else { (12, SMALL) };
            let addr = *m.pages.addrs.get(page).ok_or(EINVAL)?;
            match ops.last_mut() {
                Some(last)
                    if last.kind == PT_OP_MAP
                        && last.page_shift == shift
                        && last.va + last.size == at
                        && last.read_only == u32::from(m.read_only) =>
                {
                    last.size += step;
                }
                _ => ops.push(
                    PtOp {
                        kind: PT_OP_MAP,
                        page_shift: shift,
                        read_only: u32::from(m.read_only),
                        pad: 0,
                        va: at,
                        size: step,
                        first_addr: u64::try_from(addrs.len())?,
                    },
                    GFP_KERNEL,
                )?,
            }
            addrs.push(addr, GFP_KERNEL)?;
            at += step;
        }
    }
    Ok(())
}

/// VM_BIND.
pub(crate) fn bind(
    dev: &drm::Device<NovaxDrm>,
    args: &uapi::drm_novax_vm_bind,
    file: &drm::File<crate::file::NovaxFile>,
) -> Result {
    let size = core::mem::size_of::<BindOp>();
    if args.pad != 0 || args.flags & !uapi::DRM_NOVAX_VM_BIND_ASYNC != 0 {
        return Err(EINVAL);
    }
    check_array(&args.ops, size, BIND_OPS_MAX)?;
    if args.flags & uapi::DRM_NOVAX_VM_BIND_ASYNC != 0
        || args.waits.count != 0
        || args.signals.count != 0
    {
        return Err(EOPNOTSUPP);
    }
    let _guard = dev.enter().ok_or(ENODEV)?;
    let vm = file.inner().vm.lock().clone().ok_or(ENOENT)?;
    let mut vm = vm.lock();

    let mut resolved = KVec::with_capacity(usize::try_from(args.ops.count)?, GFP_KERNEL)?;
    for i in 0..args.ops.count {
        let op: BindOp = read_element(&args.ops, i, size)?;
        resolved.push(resolve(&vm, &op, file)?, GFP_KERNEL)?;
    }
    if resolved.is_empty() {
        return Ok(());
    }
    let mut list = apply(&vm.mappings, 0, 0, None)?;
    for op in resolved.iter_mut() {
        list = apply(&list, op.va, op.end, op.map.take())?;
    }
    let mut pt = KVec::new();
    let mut addrs = KVVec::new();
    for op in &resolved {
        let lo = op.va & !(BIG - 1);
        let hi = op
            .end
            .checked_next_multiple_of(BIG)
            .ok_or(EINVAL)?
            .min(VA_END);
        emit(&list, lo, hi, &mut pt, &mut addrs)?;
    }
    let core = dev.data().core()?;
    core.vm_update(vm.space, Slice::from(&pt[..]), Slice::from(&addrs[..]))?;
    // INVARIANT: the core now maps exactly `list`, which `apply` kept sorted and disjoint
    // (and `resolve` outside the kernel region).
    vm.mappings = list;
    Ok(())
}

/// Writes the debugfs dump of `vm`.
pub(crate) fn dump(vm: &Vm, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
    let mut info = VmInfo::default();
    let res = vm
        .dev
        .data()
        .core()
        .and_then(|core| core.vm_info(vm.space, &mut info));
    writeln!(
        f,
        "client {} space {} kernel {:#x}-{:#x} mappings {}",
        vm.client,
        vm.space,
        vm.kernel.0,
        vm.kernel.1,
        vm.mappings.len()
    )?;
    match res {
        Ok(()) => writeln!(
            f,
            "  pdb {:#x} table_pages {} rm_vaspace {:#x}",
            info.pdb, info.table_pages, info.rm_vaspace
        )?,
        Err(e) => writeln!(f, "  tables gone (error {})", e.to_errno())?,
    }
    for m in &vm.mappings {
        writeln!(
            f,
            "  {:#014x}-{:#014x} handle {} offset {:#x} {}",
            m.va,
            m.end,
            m.handle,
            m.offset,
            if m.read_only { "ro" } else { "rw" }
        )?;
    }
    Ok(())
}

/// The client a VM belongs to.
pub(crate) fn client(vm: &Vm) -> u64 {
    vm.client
}

/// The device a VM is on.
pub(crate) fn device(vm: &Vm) -> ARef<drm::Device<NovaxDrm>> {
    vm.dev.clone()
}

#[cfg(CONFIG_DRM_NOVAX_KUNIT_TEST)]
mod kunit;
