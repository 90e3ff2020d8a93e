// SPDX-License-Identifier: MIT OR Apache-2.0

//! `novaxctl bo create|info`: buffer objects.
//!
//! Handles belong to one open DRM file, so a handle printed by one novaxctl process means nothing
//! to the next one: each command creates what it inspects.

use super::{CmdResult, Failure};
use crate::units::format_size;
use novax_uapi::{Access, Device, GemInfo};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use std::io::Write;

/// The value of the 8-byte word at `off` in the check pattern: different in every word and in
/// every run, so a stale page or a mapping of the wrong object cannot match by accident.
pub fn pattern(seed: u64, off: usize) -> u64 {
    seed ^ (off as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

fn page_size() -> u64 {
    rustix::param::page_size() as u64
}

/// Checks what GEM_CREATE and GEM_INFO said about an object of `requested` bytes.
pub fn check_sizes(requested: u64, created: u64, info: &GemInfo, page: u64) -> Result<(), String> {
    if info.size != created {
        return Err(format!(
            "GEM_INFO says {} bytes, GEM_CREATE said {created}",
            info.size
        ));
    }
    if created < requested || !created.is_multiple_of(page) || created - requested >= page {
        return Err(format!(
            "size {created} is not {requested} rounded up to the page size ({page})"
        ));
    }
    if info.mmap_offset == 0 || !info.mmap_offset.is_multiple_of(page) {
        return Err(format!(
            "mmap offset {:#x} is not a nonzero multiple of the page size",
            info.mmap_offset
        ));
    }
    Ok(())
}

fn write_info(out: &mut impl Write, handle: u32, info: &GemInfo) -> std::io::Result<()> {
    writeln!(out, "handle:       {handle}")?;
    writeln!(
        out,
        "size:         {} ({})",
        info.size,
        format_size(info.size)
    )?;
    writeln!(out, "mmap offset:  {:#x}", info.mmap_offset)
}

/// `bo create SIZE`.
pub fn create(dev: &Device, size: u64, out: &mut impl Write) -> CmdResult {
    let bo = dev.gem_create(size)?;
    let info = bo.info()?;
    write_info(out, bo.handle(), &info)?;
    writeln!(out, "requested:    {size}")?;
    check_sizes(size, bo.size(), &info, page_size()).map_err(Failure::Check)?;

    let writer = bo.mmap_with(Access::ReadWrite)?;
    let reader = bo.mmap_with(Access::ReadOnly)?;
    let seed = StdRng::from_os_rng().next_u64();
    writer.fill_with(|off| pattern(seed, off));
    if let Some(off) = reader.find_mismatch(|off| pattern(seed, off)) {
        return Err(Failure::Check(format!(
            "the second mapping differs from what the first wrote at offset {off:#x}"
        )));
    }
    writeln!(
        out,
        "mapped twice: pattern written through one mapping reads back through the other: OK"
    )?;
    drop((writer, reader));
    bo.close()?;
    Ok(())
}

/// `bo info HANDLE [--create SIZE]...`.
pub fn info(dev: &Device, handle: u32, create: &[u64], out: &mut impl Write) -> CmdResult {
    let mut keep = Vec::new();
    for &size in create {
        let bo = dev.gem_create(size)?;
        writeln!(
            out,
            "created handle {} ({})",
            bo.handle(),
            format_size(bo.size())
        )?;
        keep.push(bo);
    }
    let info = dev.gem_info(handle)?;
    write_info(out, handle, &info)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_differs_per_word_and_seed() {
        assert_ne!(pattern(1, 0), pattern(1, 8));
        assert_ne!(pattern(1, 0), pattern(2, 0));
        assert_ne!(pattern(0, 0), 0, "a zeroed page must not match");
    }

    #[test]
    fn sizes() {
        let info = |size, mmap_offset| GemInfo { size, mmap_offset };
        assert_eq!(check_sizes(4096, 4096, &info(4096, 0x10000), 4096), Ok(()));
        assert_eq!(check_sizes(1, 4096, &info(4096, 0x10000), 4096), Ok(()));
        assert!(check_sizes(4097, 4096, &info(4096, 0x10000), 4096).is_err());
        assert!(check_sizes(4096, 8192, &info(8192, 0x10000), 4096).is_err());
        assert!(check_sizes(100, 100, &info(100, 0x10000), 4096).is_err());
        assert!(check_sizes(4096, 4096, &info(8192, 0x10000), 4096)
            .unwrap_err()
            .starts_with("GEM_INFO says 8192"));
        assert!(check_sizes(4096, 4096, &info(4096, 0), 4096).is_err());
        assert!(check_sizes(4096, 4096, &info(4096, 0x10010), 4096).is_err());
    }
}
