// SPDX-License-Identifier: MIT OR Apache-2.0

//! Flag fields of the ioctls the client uses.

use bitflags::bitflags;

bitflags! {
    /// `drm_novax_gem_create::flags`. No flag is defined yet: the kernel rejects any bit with
    /// EINVAL, and so does [`GemCreateFlags::from_bits`], so a caller cannot build a value the
    /// kernel would refuse.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct GemCreateFlags: u32 {
    }
}

bitflags! {
    /// `drm_prime_handle::flags` of `DRM_IOCTL_PRIME_HANDLE_TO_FD`: flags of the new dma-buf
    /// file descriptor. The DRM core accepts these two and nothing else.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct PrimeFlags: u32 {
        /// `DRM_CLOEXEC`: close the fd on exec.
        const CLOEXEC = rustix::fs::OFlags::CLOEXEC.bits();
        /// `DRM_RDWR`: allow writable mappings of the dma-buf.
        const RDWR = rustix::fs::OFlags::RDWR.bits();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gem_create_flags_reject_every_bit() {
        assert_eq!(GemCreateFlags::from_bits(0), Some(GemCreateFlags::empty()));
        for bit in 0..32 {
            assert_eq!(GemCreateFlags::from_bits(1 << bit), None, "bit {bit}");
        }
        assert_eq!(GemCreateFlags::from_bits(u32::MAX), None);
        assert_eq!(GemCreateFlags::all().bits(), 0);
        assert_eq!(GemCreateFlags::from_bits_truncate(u32::MAX).bits(), 0);
    }

    #[test]
    fn prime_flags_match_drm_h() {
        use crate::sys::c_values::novax_c_values as c;
        assert_eq!(PrimeFlags::CLOEXEC.bits(), c::NOVAX_C_CLOEXEC);
        assert_eq!(PrimeFlags::RDWR.bits(), c::NOVAX_C_RDWR);
        assert_eq!(
            PrimeFlags::from_bits(PrimeFlags::all().bits() | 1 << 3),
            None,
            "an undefined bit is rejected"
        );
    }
}
