// SPDX-License-Identifier: MIT OR Apache-2.0

//! novax-emu: an emulated NVIDIA GPU for the novax driver.
//!
//! The emulator serves QEMU's `ivshmem-doorbell` PCI device and plays the GPU behind it: the
//! register window, the GSP firmware's command and message queues, interrupts, and a
//! test-control block through which guest tests inject faults. Every number it shares with the
//! driver comes from `Documentation/gpu/novax-gsp.rst` and lives in [`regs`].
//!
//! Layers, bottom up:
//! - [`eventfd`], [`mapping`], [`signals`], [`wire`]: what the emulator makes of the system
//!   calls (rustix, and nix for signalfd): interrupt lines, shared mappings, the termination
//!   signals, the ivshmem messages with their descriptors.
//! - [`mem`], [`shm`]: memory the GPU model works on, as a trait; the shared mapping.
//! - [`guest_ram`]: the guest's RAM by guest-physical address, for the GPU's DMA.
//! - [`mmu`]: GMMU version 2 page-table walks in guest RAM, and the TLB.
//! - [`regs`], [`chip`]: the contract's numbers; the emulated chip.
//! - [`queue`]: the message format and the rings, pure and unit-tested.
//! - [`rm`]: GSP-RM's resource-manager object tree (`GSP_RM_ALLOC`, `GSP_RM_CONTROL`, `FREE`):
//!   clients, devices, subdevices, VA spaces and the page directories handed over, pure.
//! - [`fault`], [`control`]: fault injection; the test-control block.
//! - [`watch`]: what the driver does to the device after it halted the GSP (counted).
//! - [`gsp`]: the firmware model, a state machine stepped by the main loop.
//! - [`ivshmem`], [`server`]: QEMU's ivshmem server protocol; the main loop.
//! - [`cli`], [`log`]: the command line; the log file.

#![warn(missing_docs)]

pub mod chip;
pub mod cli;
pub mod control;
pub mod eventfd;
pub mod fault;
pub mod gsp;
pub mod guest_ram;
pub mod ivshmem;
pub mod log;
pub mod mapping;
pub mod mem;
pub mod mmu;
pub mod queue;
pub mod regs;
pub mod rm;
pub mod server;
pub mod shm;
pub mod signals;
#[cfg(test)]
mod test_rng;
pub mod watch;
pub mod wire;
