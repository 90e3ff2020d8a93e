// SPDX-License-Identifier: MIT OR Apache-2.0

//! `novaxctl vm`: the clients' GPU VA spaces, from the driver's debugfs `vms` file: each
//! client's page directory base, page-table pages and mappings.
//!
//! With `--map SIZE`, this process first creates its own VA space with a buffer object of SIZE
//! bytes mapped twice (read-write, and read-only at another address) and shows only that one,
//! so the command demonstrates VM_INIT and VM_BIND on a device nobody else uses.

use super::{CmdResult, Failure};
use novax_uapi::{sys, Device};
use std::io::Write;
use std::path::Path;

/// One client's VA space, as debugfs shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Space {
    /// The DRM client id (fdinfo's `drm-client-id`).
    pub client: u64,
    /// The header line and the lines after it, as the driver wrote them.
    pub lines: Vec<String>,
}

/// Splits the `vms` file into its totals line and the clients' spaces.
pub fn parse(text: &str) -> (String, Vec<Space>) {
    let mut lines = text.lines();
    let totals = lines.next().unwrap_or("").to_string();
    let mut spaces: Vec<Space> = Vec::new();
    for l in lines {
        if let Some(rest) = l.strip_prefix("client ") {
            let client = rest
                .split_whitespace()
                .next()
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            spaces.push(Space {
                client,
                lines: vec![l.to_string()],
            });
        } else if let Some(s) = spaces.last_mut() {
            s.lines.push(l.to_string());
        }
    }
    (totals, spaces)
}

const KERNEL_ADDR: u64 = 1 << 32;
const KERNEL_SIZE: u64 = 64 << 20;
const MAP_VA: u64 = 1 << 36;

/// Makes this process's VA space with one object of `size` bytes mapped twice.
fn demo(dev: &Device, size: u64, out: &mut impl Write) -> Result<u64, Failure> {
    dev.vm_init(KERNEL_ADDR, KERNEL_SIZE)?;
    let bo = dev.gem_create(size)?;
    let op = |addr, flags| sys::drm_novax_vm_bind_op {
        op: 0,
        flags,
        handle: bo.handle(),
        pad: 0,
        addr,
        bo_offset: 0,
        range: bo.size(),
    };
    dev.vm_bind(&[op(MAP_VA, 0), op(MAP_VA * 2, 1)])?;
    writeln!(
        out,
        "mapped a {}-byte object at {MAP_VA:#x} (rw) and {:#x} (ro)",
        bo.size(),
        MAP_VA * 2
    )?;
    Ok(dev.client_id()?)
}

/// Prints the spaces of `debugfs_dir`'s `vms` (all, or `client`'s).
pub fn show(debugfs_dir: &Path, client: Option<u64>, out: &mut impl Write) -> CmdResult {
    let path = debugfs_dir.join("vms");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::Check(format!("read {}: {e}", path.display())))?;
    let (totals, spaces) = parse(&text);
    writeln!(out, "{totals}")?;
    let mut shown = 0;
    for s in spaces
        .iter()
        .filter(|s| client.is_none_or(|c| c == s.client))
    {
        for l in &s.lines {
            writeln!(out, "{l}")?;
        }
        shown += 1;
    }
    match client {
        Some(c) if shown == 0 => Err(Failure::Check(format!("client {c} has no VM"))),
        _ => Ok(()),
    }
}

/// `vm [--client ID] [--map SIZE]`.
pub fn run(dev: &Device, client: Option<u64>, map: Option<u64>, out: &mut impl Write) -> CmdResult {
    let client = match map {
        Some(size) => Some(demo(dev, size, out)?),
        None => client,
    };
    show(&dev.debugfs_dir()?, client, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_debugfs_file() {
        let text = "spaces 2 table_pages 9\n\
                    client 3 space 0 kernel 0x100000000-0x104000000 mappings 1\n\
                    \x20 pdb 0x1234000 table_pages 5\n\
                    \x20 0x001000000000-0x001000001000 handle 1 offset 0x0 rw\n\
                    client 7 space 1 kernel 0x100000000-0x104000000 mappings 0\n\
                    \x20 pdb 0x2234000 table_pages 4\n";
        let (totals, spaces) = parse(text);
        assert_eq!(totals, "spaces 2 table_pages 9");
        assert_eq!(spaces.len(), 2);
        assert_eq!(spaces[0].client, 3);
        assert_eq!(spaces[0].lines.len(), 3);
        assert_eq!(spaces[1].client, 7);
        assert_eq!(spaces[1].lines[1], "  pdb 0x2234000 table_pages 4");
    }
}
