// SPDX-License-Identifier: GPL-2.0

//! Register definitions.
//!
//! Registers are described once, with their offset and their fields by bit range, by the
//! [`register!`] macro; it generates the accessors, so no code in the driver shifts or masks by
//! hand and a field's position is written in one place. Offsets are checked against the mapping
//! at compile time (see `kernel::io::Io::read32`).

/// Describes a 32-bit register: `register!(NAME @ OFFSET { HI:LO field; ... })`.
macro_rules! register {
    ($(#[$meta:meta])* $name:ident @ $offset:literal { $($hi:literal : $lo:literal $field:ident;)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy)]
        #[allow(non_camel_case_types)]
        pub(crate) struct $name(u32);

        #[allow(dead_code)]
        impl $name {
            /// The register's offset in BAR0 (or the emulated register window).
            pub(crate) const OFFSET: usize = $offset;

            /// Reads the register.
            pub(crate) fn read<const SIZE: usize>(io: &kernel::io::Io<SIZE>) -> Self {
                Self(io.read32(Self::OFFSET))
            }

            /// Writes the register.
            pub(crate) fn write<const SIZE: usize>(self, io: &kernel::io::Io<SIZE>) {
                io.write32(self.0, Self::OFFSET)
            }

            /// The register from its raw value.
            pub(crate) fn from_raw(raw: u32) -> Self {
                Self(raw)
            }

            /// The raw value.
            pub(crate) fn raw(self) -> u32 {
                self.0
            }

            $(
                #[doc = concat!("Bits ", stringify!($hi), ":", stringify!($lo), ".")]
                pub(crate) fn $field(self) -> u32 {
                    const WIDTH: u32 = $hi - $lo + 1;
                    const MASK: u32 = if WIDTH == 32 { u32::MAX } else { (1u32 << WIDTH) - 1 };
                    (self.0 >> $lo) & MASK
                }

                kernel::macros::paste! {
                    #[doc = concat!("The value with bits ", stringify!($hi), ":", stringify!($lo),
                                    " set to `v` (truncated to the field).")]
                    pub(crate) fn [<set_ $field>](self, v: u32) -> Self {
                        const WIDTH: u32 = $hi - $lo + 1;
                        const MASK: u32 =
                            if WIDTH == 32 { u32::MAX } else { (1u32 << WIDTH) - 1 };
                        Self((self.0 & !(MASK << $lo)) | ((v & MASK) << $lo))
                    }
                }
            )*
        }
    };
}

register!(
    /// Chip identification.
    NV_PMC_BOOT_0 @ 0x000000 {
        15:12 minor_revision;
        7:4 major_revision;
        8:8 architecture_1;
        23:20 implementation;
        28:24 architecture_0;
    }
);

register!(
    /// Chip identification of Fermi and later parts, with its own layout: the architecture in
    /// six contiguous bits and the revision in 19:12. Chips older than Fermi have no BOOT_42.
    NV_PMC_BOOT_42 @ 0x000a00 {
        15:12 minor_revision;
        19:16 major_revision;
        23:20 implementation;
        29:24 architecture;
    }
);

register!(
    /// The CPU writes the command queue's new write pointer here.
    NV_PGSP_QUEUE_HEAD @ 0x110c00 {
        31:0 address;
    }
);

/// The register window: a real BAR0's size, which the emulated GPU's register window matches
/// so that registers keep their real offsets.
pub(crate) const REG_WINDOW_SIZE: usize = 16 << 20;

register!(
    /// The page directory an MMU invalidate applies to (TU102 and later): its address >> 12,
    /// low 28 bits, in `addr`; `aperture` 1 for system memory.
    NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_PDB @ 0xb830a0 {
        1:1 aperture;
        31:4 addr;
    }
);

register!(
    /// The upper bits (59:40) of the invalidate's page directory address.
    NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_UPPER_PDB @ 0xb830a4 {
        19:0 addr;
    }
);

register!(
    /// Starts an MMU invalidate of the scope written with `trigger`; the GPU clears `trigger`
    /// when no translation older than the page tables remains cached.
    NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE @ 0xb830b0 {
        0:0 all_va;
        1:1 all_pdb;
        2:2 hubtlb_only;
        31:31 trigger;
    }
);

// Emulator registers (Documentation/gpu/novax-gsp.rst): only on the emulated GPU.
register!(EMU_SIGNATURE0 @ 0x1f0000 { 31:0 value; });
register!(EMU_SIGNATURE1 @ 0x1f0004 { 31:0 value; });
register!(EMU_VERSION @ 0x1f0008 { 31:0 value; });
register!(EMU_GSP_SHM_OFFSET @ 0x1f000c { 31:0 value; });
register!(EMU_GSP_SHM_SIZE @ 0x1f0010 { 31:0 value; });
register!(EMU_INTR_ENABLE @ 0x1f0014 { 0:0 gsp; });
register!(EMU_INTR_STATUS @ 0x1f0018 { 0:0 gsp; });
register!(EMU_PEER_ID @ 0x1f001c { 31:0 value; });
register!(EMU_GSP_CTRL @ 0x1f0020 { 0:0 run; });
register!(EMU_GSP_STATE @ 0x1f0024 { 1:0 state; });

/// "NOVX": the first signature word of the emulated GPU.
pub(crate) const EMU_SIGNATURE0_VALUE: u32 = 0x5856_4f4e;
/// "EMU1": the second signature word.
pub(crate) const EMU_SIGNATURE1_VALUE: u32 = 0x3155_4d45;

// The ivshmem register BAR (BAR0 of the emulated device).
register!(IVSHMEM_DOORBELL @ 0x0c { 15:0 vector; 31:16 peer; });
