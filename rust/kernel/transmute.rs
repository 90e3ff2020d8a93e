// SPDX-License-Identifier: GPL-2.0

//! Types that may be converted from and to raw bytes.
//!
//! Firmware interfaces and shared-memory protocols are byte layouts. Reading them through byte
//! offsets is easy to get wrong; reading them as `#[repr(C)]` structs needs to know that every
//! bit pattern is a valid value ([`FromBytes`]) and that a value has no padding whose contents
//! would leak or be undefined ([`AsBytes`]). Upstream Rust-for-Linux has these two traits (in
//! later kernels than 6.12, which lacks them); they are written here for 6.12 with the same
//! names, plus [`bytes_struct!`](crate::bytes_struct!), which declares a `#[repr(C)]` struct of
//! such fields and implements both traits after checking at compile time that the struct has
//! no padding, so drivers need no `unsafe` for their message types.
//!
//! Byte order is the CPU's: the structs describe little-endian wire formats on little-endian
//! machines, which is what the GPUs and the kernels that drive them share.

/// Types for which every bit pattern of `size_of::<Self>()` bytes is a valid value.
///
/// # Safety
///
/// Implementers have no invalid bit patterns (no references, `bool`, `char`, enums or
/// uninhabited types anywhere inside).
pub unsafe trait FromBytes: Sized {
    /// A copy of the value in `bytes`, which must be exactly `size_of::<Self>()` long (any
    /// alignment). `None` otherwise.
    fn from_bytes_copy(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != core::mem::size_of::<Self>() {
            return None;
        }
        // SAFETY: `bytes` holds `size_of::<Self>()` readable bytes; every bit pattern is a
        // valid `Self` (trait contract); the read is unaligned.
        Some(unsafe { bytes.as_ptr().cast::<Self>().read_unaligned() })
    }

    /// A copy of the value at the start of `bytes` and the bytes after it; `None` if `bytes`
    /// is shorter than `Self`.
    fn from_prefix(bytes: &[u8]) -> Option<(Self, &[u8])> {
        let n = core::mem::size_of::<Self>();
        if bytes.len() < n {
            return None;
        }
        let (head, rest) = bytes.split_at(n);
        Some((Self::from_bytes_copy(head)?, rest))
    }

    /// The all-zero value, which every such type has: the starting point of a message whose
    /// fields are mostly zero.
    fn zeroed() -> Self {
        // SAFETY: Every bit pattern is a valid `Self` (trait contract), the all-zero one too.
        unsafe { core::mem::zeroed() }
    }
}

/// Types whose values are fully initialised bytes (no padding).
///
/// # Safety
///
/// Implementers have no padding bytes and no interior mutability, so every byte of a value is
/// initialised and may be read while the value is borrowed.
pub unsafe trait AsBytes {
    /// The value's bytes.
    fn as_bytes(&self) -> &[u8]
    where
        Self: Sized,
    {
        // SAFETY: `self` is `size_of::<Self>()` initialised bytes (trait contract), borrowed for
        // the lifetime of the slice.
        unsafe {
            core::slice::from_raw_parts(
                core::ptr::from_ref(self).cast::<u8>(),
                core::mem::size_of::<Self>(),
            )
        }
    }

    /// Writes the value's bytes to the start of `dst`; `None` if `dst` is too short.
    fn write_to_prefix(&self, dst: &mut [u8]) -> Option<()>
    where
        Self: Sized,
    {
        let bytes = self.as_bytes();
        dst.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(())
    }
}

macro_rules! impl_integers {
    ($($t:ty),*) => {
        $(
            // SAFETY: Integers have no invalid bit patterns and no padding.
            unsafe impl FromBytes for $t {}
            // SAFETY: As above.
            unsafe impl AsBytes for $t {}
        )*
    };
}

impl_integers!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

// SAFETY: An array of `FromBytes` elements has no invalid bit patterns either.
unsafe impl<T: FromBytes, const N: usize> FromBytes for [T; N] {}
// SAFETY: Arrays have no padding between their elements, and the elements have none.
unsafe impl<T: AsBytes, const N: usize> AsBytes for [T; N] {}

/// For [`bytes_struct!`](crate::bytes_struct!): compiles only for field types that are
/// [`FromBytes`] and [`AsBytes`].
#[doc(hidden)]
pub const fn assert_bytes_field<T: FromBytes + AsBytes>() {}

/// Declares a `#[repr(C)]` struct whose fields are all [`FromBytes`] and [`AsBytes`] and
/// implements both traits for it, after checking at compile time that it has no padding (its
/// size is the sum of its fields' sizes).
///
/// ```
/// kernel::bytes_struct! {
///     /// A header.
///     #[derive(Clone, Copy, Default)]
///     pub struct Header {
///         /// The version.
///         pub version: u32,
///         /// The length.
///         pub length: u32,
///         /// A tag.
///         pub tag: [u8; 8],
///     }
/// }
/// use kernel::transmute::{AsBytes, FromBytes};
/// let h = Header { version: 3, length: 16, tag: *b"demo\0\0\0\0" };
/// let bytes = h.as_bytes();
/// assert_eq!(&bytes[..4], &3u32.to_ne_bytes());
/// assert_eq!(Header::from_bytes_copy(bytes).map(|h| h.length), Some(16));
/// assert!(Header::from_bytes_copy(&bytes[1..]).is_none());
/// ```
///
/// A struct with padding (e.g. a `u8` followed by a `u32`) fails to compile.
#[macro_export]
macro_rules! bytes_struct {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $fvis:vis $field:ident : $ty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[repr(C)]
        $vis struct $name {
            $(
                $(#[$fmeta])*
                $fvis $field: $ty,
            )*
        }

        const _: () = {
            $($crate::transmute::assert_bytes_field::<$ty>();)*
            if ::core::mem::size_of::<$name>() != 0 $(+ ::core::mem::size_of::<$ty>())* {
                ::core::panic!("bytes_struct!: the struct has padding");
            }
        };

        // SAFETY: Every field is `FromBytes` (checked above), and a `#[repr(C)]` struct of such
        // fields has no invalid bit patterns.
        unsafe impl $crate::transmute::FromBytes for $name {}
        // SAFETY: Every field is `AsBytes` (checked above) and the struct has no padding (its
        // size is the sum of its fields', checked above).
        unsafe impl $crate::transmute::AsBytes for $name {}
    };
}
