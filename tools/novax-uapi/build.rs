// SPDX-License-Identifier: MIT OR Apache-2.0

//! Generates the Rust side of the novax UAPI from `include/uapi/drm/novax_drm.h`.
//!
//! Three files land in `OUT_DIR`:
//!
//! - `bindings.rs`: the UAPI structures (with zerocopy derives, so the compiler rejects any
//!   padding) and the two enums as Rust enums with
//!   CamelCase variants (`NOVAX_GETPARAM_VRAM_SIZE` becomes `VramSize`).
//! - `enums.rs`: `ALL` and `uapi_name()` for both enums, written from the variants bindgen saw,
//!   so a parameter added to the header shows up in `Param::ALL` without anyone editing Rust.
//! - `c_values.rs`: the request codes, flag values and structure sizes as the C compiler
//!   (libclang) evaluates them from the header's macros, for the tests to compare with the
//!   codes computed in Rust.

use bindgen::callbacks::{DeriveInfo, EnumVariantValue, IntKind, ParseCallbacks, TypeKind};
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// C enums turned into Rust enums: (C name, variant prefix to strip).
const RUST_ENUMS: &[(&str, &str)] = &[
    ("drm_novax_getparam_param", "NOVAX_GETPARAM_"),
    ("drm_novax_ioctl_nr", "DRM_NOVAX_"),
];

/// Structures passed to ioctls by value-copy: they get the zerocopy derives. (The generic DRM
/// structures are drm-rs's business.)
fn wants_zerocopy(name: &str) -> bool {
    name.starts_with("drm_novax_")
}

/// Variants seen per enum: enum name -> [(original name, CamelCase name, value)].
type Seen = Arc<Mutex<Vec<(String, String, String, i64)>>>;

#[derive(Debug)]
struct Callbacks {
    seen: Seen,
}

impl ParseCallbacks for Callbacks {
    fn int_macro(&self, name: &str, _value: i64) -> Option<IntKind> {
        // A byte count, compared with u64 sizes; bindgen would pick u32 for its value.
        (name == "NOVAX_GEM_MAX_SIZE").then_some(IntKind::U64)
    }

    fn add_derives(&self, info: &DeriveInfo<'_>) -> Vec<String> {
        if info.kind == TypeKind::Struct && wants_zerocopy(info.name) {
            ["FromBytes", "IntoBytes", "KnownLayout", "Immutable"]
                .iter()
                .map(|d| format!("zerocopy::{d}"))
                .collect()
        } else {
            Vec::new()
        }
    }

    fn enum_variant_name(
        &self,
        enum_name: Option<&str>,
        original: &str,
        value: EnumVariantValue,
    ) -> Option<String> {
        // clang spells C enum types "enum NAME".
        let enum_name = enum_name?.trim_start_matches("enum ");
        let &(_, prefix) = RUST_ENUMS.iter().find(|(n, _)| *n == enum_name)?;
        let short = original.strip_prefix(prefix)?;
        let camel = camel_case(short);
        let value = match value {
            EnumVariantValue::Signed(v) => v,
            EnumVariantValue::Unsigned(v) => i64::try_from(v).expect("enum value fits i64"),
            EnumVariantValue::Boolean(b) => i64::from(b),
        };
        self.seen.lock().unwrap().push((
            enum_name.to_string(),
            short.to_string(),
            camel.clone(),
            value,
        ));
        Some(camel)
    }
}

/// `GSP_FW_VERSION` -> `GspFwVersion`.
fn camel_case(s: &str) -> String {
    s.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut c = lower.chars();
            let first = c.next().unwrap().to_ascii_uppercase();
            std::iter::once(first).chain(c).collect::<String>()
        })
        .collect()
}

/// Where `drm.h` is: libdrm's copy, found with pkg-config (its headers are the kernel UAPI
/// headers the distribution ships for userspace).
fn libdrm_include_dirs() -> Vec<PathBuf> {
    println!("cargo:rerun-if-env-changed=NOVAX_LIBDRM_INCLUDE");
    if let Some(dir) = env::var_os("NOVAX_LIBDRM_INCLUDE") {
        return vec![dir.into()];
    }
    match pkg_config::Config::new()
        .cargo_metadata(false)
        .env_metadata(true)
        .probe("libdrm")
    {
        Ok(lib) => lib.include_paths,
        Err(e) => {
            println!("cargo:warning=pkg-config libdrm failed ({e}); using /usr/include/libdrm");
            vec!["/usr/include/libdrm".into()]
        }
    }
}

fn builder(uapi_dir: &Path, drm_dirs: &[PathBuf]) -> bindgen::Builder {
    let mut b = bindgen::Builder::default()
        .clang_arg(format!("-I{}", uapi_dir.display()))
        .use_core()
        .layout_tests(true)
        .derive_default(true)
        .derive_eq(true)
        .derive_hash(true);
    for d in drm_dirs {
        b = b.clang_arg(format!("-I{}", d.display()));
    }
    b
}

/// Writes `ALL`, `uapi_name()` and `from_raw()` for the Rust enums.
fn enum_impls(seen: &[(String, String, String, i64)]) -> String {
    let mut out = String::new();
    for (c_name, _) in RUST_ENUMS {
        let variants: Vec<_> = seen.iter().filter(|v| v.0 == *c_name).collect();
        assert!(!variants.is_empty(), "no variants seen for enum {c_name}");
        let n = variants.len();
        writeln!(out, "impl {c_name} {{").unwrap();
        writeln!(out, "    /// Every variant, in the header's order.").unwrap();
        write!(out, "    pub const ALL: [Self; {n}] = [").unwrap();
        for v in &variants {
            write!(out, "Self::{}, ", v.2).unwrap();
        }
        writeln!(out, "];").unwrap();
        writeln!(out, "    /// The name in the header, without its prefix.").unwrap();
        writeln!(out, "    pub const fn uapi_name(self) -> &'static str {{").unwrap();
        writeln!(out, "        match self {{").unwrap();
        for v in &variants {
            writeln!(out, "            Self::{} => \"{}\",", v.2, v.1).unwrap();
        }
        writeln!(out, "        }}\n    }}").unwrap();
        writeln!(out, "    /// The variant with the raw value `raw`, if any.").unwrap();
        writeln!(
            out,
            "    pub const fn from_raw(raw: u64) -> Option<Self> {{"
        )
        .unwrap();
        writeln!(out, "        match raw {{").unwrap();
        for v in &variants {
            writeln!(out, "            {} => Some(Self::{}),", v.3, v.2).unwrap();
        }
        writeln!(out, "            _ => None,\n        }}\n    }}\n}}").unwrap();
    }
    out
}

/// C expressions evaluated by libclang for the tests: (Rust constant name, C expression).
const C_VALUES: &[(&str, &str)] = &[
    ("IOCTL_NOVAX_GETPARAM", "DRM_IOCTL_NOVAX_GETPARAM"),
    ("IOCTL_NOVAX_GEM_CREATE", "DRM_IOCTL_NOVAX_GEM_CREATE"),
    ("IOCTL_NOVAX_GEM_INFO", "DRM_IOCTL_NOVAX_GEM_INFO"),
    ("IOCTL_NOVAX_GSP_ECHO", "DRM_IOCTL_NOVAX_GSP_ECHO"),
    ("IOCTL_NOVAX_VM_INIT", "DRM_IOCTL_NOVAX_VM_INIT"),
    ("IOCTL_NOVAX_VM_BIND", "DRM_IOCTL_NOVAX_VM_BIND"),
    ("CLOEXEC", "DRM_CLOEXEC"),
    ("RDWR", "DRM_RDWR"),
    ("COMMAND_BASE", "DRM_COMMAND_BASE"),
];

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let uapi_dir = manifest.join("../../include/uapi/drm");
    let header = uapi_dir.join("novax_drm.h");
    println!("cargo:rerun-if-changed={}", header.display());
    println!("cargo:rerun-if-changed=build.rs");
    let drm_dirs = libdrm_include_dirs();

    let seen = Seen::default();
    let mut b = builder(&uapi_dir, &drm_dirs)
        .header(header.to_str().expect("UTF-8 path"))
        .allowlist_type("drm_novax_.*")
        .allowlist_var("NOVAX_.*|DRM_COMMAND_BASE|DRM_IOCTL_BASE")
        .parse_callbacks(Box::new(Callbacks { seen: seen.clone() }));
    for (name, _) in RUST_ENUMS {
        b = b.rustified_enum(name);
    }
    b.generate()
        .expect("bindgen failed on novax_drm.h")
        .write_to_file(out.join("bindings.rs"))
        .unwrap();
    fs::write(out.join("enums.rs"), enum_impls(&seen.lock().unwrap())).unwrap();

    let mut check = String::from("#include <fcntl.h>\n#include \"novax_drm.h\"\n");
    check.push_str("enum novax_c_values {\n");
    for (name, expr) in C_VALUES {
        writeln!(check, "\tNOVAX_C_{name} = {expr},").unwrap();
    }
    check.push_str("};\n");
    builder(&uapi_dir, &drm_dirs)
        .header_contents("novax_c_values.h", &check)
        .allowlist_type("novax_c_values")
        .constified_enum_module("novax_c_values")
        .generate()
        .expect("bindgen failed on the C value checks")
        .write_to_file(out.join("c_values.rs"))
        .unwrap();
}
