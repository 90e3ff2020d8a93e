// SPDX-License-Identifier: GPL-2.0

//! The GPU's memory management unit, from the driver's side: the GMMU version 2 page-table
//! format ([`format`]), the page tables of a VA space ([`pt`]) in table pages ([`pages`]), a
//! device's VA spaces ([`vmm`]) and the TLB invalidate ([`tlb`]).
//!
//! The tables are the GPU's: it walks them from the page-directory base on every access its
//! TLB misses, so they live in memory the GPU reads (DMA-coherent system memory on the
//! emulated GPU, which has no VRAM) and every change is followed by a TLB invalidate before the
//! memory a change releases is reused.

pub(crate) mod format;
#[cfg(CONFIG_NOVAX_CORE_KUNIT_TEST)]
mod kunit;
pub(crate) mod pages;
pub(crate) mod pt;
pub(crate) mod tlb;
pub(crate) mod vmm;
