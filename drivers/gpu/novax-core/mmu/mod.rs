// SPDX-License-Identifier: GPL-2.0

//! The GPU's memory management unit, from the driver's side: the GMMU version 2 page-table
//! format ([`format`]) and the page tables of a VA space ([`pt`]).
//!
//! The tables are the GPU's: it walks them from the page-directory base on every access its
//! TLB misses, so they live in memory the GPU reads (DMA-coherent system memory on the
//! emulated GPU, which has no VRAM) and every change is followed by a TLB invalidate before the
//! memory a change releases is reused.

// The VA spaces that will own page tables (VM_INIT/VM_BIND) are not here yet: until then only
// the KUnit suite uses the tree.
#![cfg_attr(not(CONFIG_NOVAX_CORE_KUNIT_TEST), allow(dead_code))]

pub(crate) mod format;
#[cfg(CONFIG_NOVAX_CORE_KUNIT_TEST)]
mod kunit;
pub(crate) mod pt;
