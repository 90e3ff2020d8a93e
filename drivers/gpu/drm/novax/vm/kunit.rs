// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `novax_drm_vm`: the VM_BIND mapping list and the page-table operations it becomes,
//! on objects whose pages have made-up bus addresses (no device needed).
//!
//! The cases are the ones a bind meets: a map inside a mapping splits it in three with the
//! object offsets carried over, a map over exactly a mapping replaces it, an unmap cuts what it
//! covers and leaves the rest (and of nothing is a no-op); then the operations for the core: big
//! pages only where VA, offset and bus memory line up, merged runs, read-only breaking a run,
//! and the 64 KiB rewrite around a split big page.

use super::{apply, emit, BoPages, Mapping, BIG, SMALL};
use crate::iface::{PtOp, PT_OP_CLEAR, PT_OP_MAP};
use kernel::{c_str, kunit_suite::Test, prelude::*, sync::Arc};

/// Bus address of page 0 of the made-up objects: 64 KiB-aligned.
const BUS: u64 = 0x4000_0000;

/// An object of `pages` pages at contiguous bus addresses from `BUS + first * 4 KiB`.
fn pages(pages: u64, first: u64) -> Result<Arc<BoPages>> {
    let mut addrs = KVVec::new();
    for i in 0..pages {
        addrs.push(BUS + (first + i) * SMALL, GFP_KERNEL)?;
    }
    BoPages::from_addrs(addrs)
}

/// Objects for a case, or the case fails (no memory).
macro_rules! objects {
    ($test:expr, $($name:ident = ($n:expr, $first:expr)),+) => {
        $(
            let Ok($name) = pages($n, $first) else {
                return $test.fail(format_args!("no memory for the objects"));
            };
        )+
    };
}

fn mapping(va: u64, len: u64, offset: u64, handle: u32, pages: &Arc<BoPages>) -> Mapping {
    Mapping {
        va,
        end: va + len,
        offset,
        read_only: false,
        handle,
        pages: pages.clone(),
    }
}

/// (va, end, offset, handle) of each mapping.
fn shape(list: &[Mapping]) -> KVec<(u64, u64, u64, u32)> {
    let mut out = KVec::new();
    for m in list {
        let _ = out.push((m.va, m.end, m.offset, m.handle), GFP_KERNEL);
    }
    out
}

fn expect_shape(test: &Test, list: &[Mapping], want: &[(u64, u64, u64, u32)]) {
    let got = shape(list);
    if got.as_slice() != want {
        test.fail(format_args!("list {:x?}, expected {:x?}", &got[..], want));
    }
}

/// (kind, page_shift, read_only, va, size, first_addr) of each op.
fn ops_shape(ops: &[PtOp]) -> KVec<(u32, u32, u32, u64, u64, u64)> {
    let mut out = KVec::new();
    for o in ops {
        let _ = out.push(
            (
                o.kind,
                o.page_shift,
                o.read_only,
                o.va,
                o.size,
                o.first_addr,
            ),
            GFP_KERNEL,
        );
    }
    out
}

fn expect_ops(test: &Test, ops: &[PtOp], want: &[(u32, u32, u32, u64, u64, u64)]) {
    let got = ops_shape(ops);
    if got.as_slice() != want {
        test.fail(format_args!("ops {:x?}, expected {:x?}", &got[..], want));
    }
}

/// `list` with `va..end` unmapped and `map` inserted, or the case fails.
fn step(
    test: &Test,
    list: &[Mapping],
    va: u64,
    end: u64,
    map: Option<Mapping>,
) -> Option<KVec<Mapping>> {
    let r = apply(list, va, end, map).ok();
    if r.is_none() {
        test.fail(format_args!("apply failed"));
    }
    r
}

/// [`step`], then the new list must have `want`'s shape.
fn step_expect(
    test: &Test,
    list: &[Mapping],
    va: u64,
    end: u64,
    map: Option<Mapping>,
    want: &[(u64, u64, u64, u32)],
) -> Option<KVec<Mapping>> {
    let l = step(test, list, va, end, map)?;
    expect_shape(test, &l, want);
    Some(l)
}

/// The page-table ops and addresses that make `lo..hi` show `list`, or the case fails.
fn ops_for(test: &Test, list: &[Mapping], lo: u64, hi: u64) -> Option<(KVec<PtOp>, KVVec<u64>)> {
    let (mut ops, mut addrs) = (KVec::new(), KVVec::new());
    if emit(list, lo, hi, &mut ops, &mut addrs).is_err() {
        test.fail(format_args!("emit failed"));
        return None;
    }
    Some((ops, addrs))
}

fn list_split_and_replace(test: &Test) {
    objects!(test, a = (16, 0));
    objects!(test, b = (16, 64));
    let Some(list) = step_expect(
        test,
        &[],
        0x10_0000,
        0x11_0000,
        Some(mapping(0x10_0000, BIG, 0, 1, &a)),
        &[(0x10_0000, 0x11_0000, 0, 1)],
    ) else {
        return;
    };
    // B inside A: A before, B, A after, with A's offset carried into its tail.
    let Some(list) = step_expect(
        test,
        &list,
        0x10_4000,
        0x10_8000,
        Some(mapping(0x10_4000, 0x4000, 0x3000, 2, &b)),
        &[
            (0x10_0000, 0x10_4000, 0, 1),
            (0x10_4000, 0x10_8000, 0x3000, 2),
            (0x10_8000, 0x11_0000, 0x8000, 1),
        ],
    ) else {
        return;
    };
    // Exactly over the middle piece: replaced, nothing else moves.
    let Some(list) = step_expect(
        test,
        &list,
        0x10_4000,
        0x10_8000,
        Some(mapping(0x10_4000, 0x4000, 0, 3, &a)),
        &[
            (0x10_0000, 0x10_4000, 0, 1),
            (0x10_4000, 0x10_8000, 0, 3),
            (0x10_8000, 0x11_0000, 0x8000, 1),
        ],
    ) else {
        return;
    };
    // Across the ends of two mappings: both clipped, the new one between, sorted.
    let _ = step_expect(
        test,
        &list,
        0x10_2000,
        0x10_a000,
        Some(mapping(0x10_2000, 0x8000, 0x1000, 4, &b)),
        &[
            (0x10_0000, 0x10_2000, 0, 1),
            (0x10_2000, 0x10_a000, 0x1000, 4),
            (0x10_a000, 0x11_0000, 0xa000, 1),
        ],
    );
}

fn list_unmap(test: &Test) {
    objects!(test, a = (16, 0));
    let list = [
        mapping(0x20_0000, 0x4000, 0, 1, &a),
        mapping(0x20_8000, 0x8000, 0x4000, 2, &a),
    ];
    // Nothing there: unchanged.
    let _ = step_expect(
        test,
        &list,
        0x30_0000,
        0x30_1000,
        None,
        &[
            (0x20_0000, 0x20_4000, 0, 1),
            (0x20_8000, 0x21_0000, 0x4000, 2),
        ],
    );
    // The middle of the second: two pieces, the tail's offset moved on.
    let _ = step_expect(
        test,
        &list,
        0x20_a000,
        0x20_c000,
        None,
        &[
            (0x20_0000, 0x20_4000, 0, 1),
            (0x20_8000, 0x20_a000, 0x4000, 2),
            (0x20_c000, 0x21_0000, 0x8000, 2),
        ],
    );
    // Across both and the hole between: the first's head and the second's tail stay.
    let _ = step_expect(
        test,
        &list,
        0x20_1000,
        0x20_9000,
        None,
        &[
            (0x20_0000, 0x20_1000, 0, 1),
            (0x20_9000, 0x21_0000, 0x5000, 2),
        ],
    );
    // Everything.
    let _ = step_expect(test, &list, 0, 1 << 40, None, &[]);
}

fn list_ops_big_and_small(test: &Test) {
    // 32 contiguous, 64 KiB-aligned pages: two big pages at a 64 KiB-aligned VA, merged.
    objects!(test, a = (32, 0));
    let list = [mapping(0x40_0000, 2 * BIG, 0, 1, &a)];
    let Some((ops, addrs)) = ops_for(test, &list, 0x40_0000, 0x42_0000) else {
        return;
    };
    expect_ops(
        test,
        &ops,
        &[
            (PT_OP_CLEAR, 0, 0, 0x40_0000, 0x2_0000, 0),
            (PT_OP_MAP, 16, 0, 0x40_0000, 0x2_0000, 0),
        ],
    );
    test.expect_eq(
        &addrs[..],
        &[BUS, BUS + BIG][..],
        c_str!("big page addresses"),
    );

    // The same object from offset 4 KiB: nothing lines up, 4 KiB pages only, one run.
    let list = [mapping(0x40_0000, BIG, SMALL, 1, &a)];
    let Some((ops, addrs)) = ops_for(test, &list, 0x40_0000, 0x41_0000) else {
        return;
    };
    expect_ops(
        test,
        &ops,
        &[
            (PT_OP_CLEAR, 0, 0, 0x40_0000, BIG, 0),
            (PT_OP_MAP, 12, 0, 0x40_0000, BIG, 0),
        ],
    );
    test.expect_eq(addrs.len(), 16, c_str!("small page addresses"));
    test.expect_eq(
        addrs.first().copied(),
        Some(BUS + SMALL),
        c_str!("first page"),
    );

    // Bus memory not 64 KiB-aligned (the object starts at page 1): small pages.
    objects!(test, b = (16, 1));
    let list = [mapping(0x40_0000, BIG, 0, 2, &b)];
    let Some((ops, _)) = ops_for(test, &list, 0x40_0000, 0x41_0000) else {
        return;
    };
    test.expect_eq(
        ops.get(1).map(|o| o.page_shift),
        Some(12),
        c_str!("unaligned bus memory"),
    );

    // Read-only ends a run.
    let mut ro = mapping(0x40_4000, 0x4000, 0x4000, 1, &a);
    ro.read_only = true;
    let list = [mapping(0x40_0000, 0x4000, 0, 1, &a), ro];
    let Some((ops, _)) = ops_for(test, &list, 0x40_0000, 0x41_0000) else {
        return;
    };
    expect_ops(
        test,
        &ops,
        &[
            (PT_OP_CLEAR, 0, 0, 0x40_0000, BIG, 0),
            (PT_OP_MAP, 12, 0, 0x40_0000, 0x4000, 0),
            (PT_OP_MAP, 12, 1, 0x40_4000, 0x4000, 4),
        ],
    );
}

fn list_split_big_page(test: &Test) {
    // A big page, then 4 KiB of another object mapped into its middle: the 64 KiB around the
    // change is cleared and rewritten in small pages, A's remaining 15 pages included.
    objects!(test, a = (16, 0));
    objects!(test, b = (1, 100));
    let Some(list) = step(
        test,
        &[],
        0x50_0000,
        0x51_0000,
        Some(mapping(0x50_0000, BIG, 0, 1, &a)),
    ) else {
        return;
    };
    let Some(list) = step(
        test,
        &list,
        0x50_8000,
        0x50_9000,
        Some(mapping(0x50_8000, SMALL, 0, 2, &b)),
    ) else {
        return;
    };
    let Some((ops, addrs)) = ops_for(test, &list, 0x50_0000, 0x51_0000) else {
        return;
    };
    expect_ops(
        test,
        &ops,
        &[
            (PT_OP_CLEAR, 0, 0, 0x50_0000, BIG, 0),
            (PT_OP_MAP, 12, 0, 0x50_0000, 0x10_000, 0),
        ],
    );
    // One run of 16 small pages: A's pages 0-7, B's page, A's pages 9-15.
    test.expect_eq(addrs.len(), 16, c_str!("addresses"));
    test.expect_eq(
        addrs.get(7).copied(),
        Some(BUS + 7 * SMALL),
        c_str!("A page 7"),
    );
    test.expect_eq(
        addrs.get(8).copied(),
        Some(BUS + 100 * SMALL),
        c_str!("B's page"),
    );
    test.expect_eq(
        addrs.get(9).copied(),
        Some(BUS + 9 * SMALL),
        c_str!("A page 9"),
    );
}

kernel::kunit_suite!(
    novax_drm_vm,
    [
        list_split_and_replace,
        list_unmap,
        list_ops_big_and_small,
        list_split_big_page
    ]
);
