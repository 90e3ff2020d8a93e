// SPDX-License-Identifier: GPL-2.0

//! FFI layout self-test: the KUnit suite `rust_ffi_layout`.
//!
//! Rust reaches C structs through bindgen's output, so a bindgen that lays a struct out wrongly
//! makes Rust read the wrong bytes with no error anywhere (bindgen 0.73.2 drops `task_struct`'s
//! explicit padding on 6.12, shifting every later field by 56 bytes). This suite compares, for
//! every C struct whose fields the Rust abstractions use, `size_of`/`offset_of!` on the bindings with
//! C's `sizeof`/`offsetof` from `rust/helpers/ffi_layout.c`: one case per struct.

use crate::{bindings, kunit_suite::Test, str::CStr};
use core::mem::{offset_of, size_of};

/// The Rust view of one struct: its size and the offsets of the fields we list.
macro_rules! layout {
    ($s:ident: $($f:ident),+ $(,)?) => {
        &[
            (stringify!($s), size_of::<bindings::$s>()),
            $((concat!(stringify!($s), ".", stringify!($f)), offset_of!(bindings::$s, $f)),)+
        ]
    };
}

type Entries = &'static [(&'static str, usize)];

/// Looks a name up in the C table.
fn c_value(name: &str) -> Option<usize> {
    // SAFETY: The helpers only read a static table and bound-check the index.
    let count = unsafe { bindings::ffi_layout_count() };
    (0..count).find_map(|i| {
        // SAFETY: `i` is in range; the name is a static NUL-terminated string.
        let n = unsafe { CStr::from_char_ptr(bindings::ffi_layout_name(i)) };
        // SAFETY: `i` is in range.
        (n.as_bytes() == name.as_bytes()).then(|| unsafe { bindings::ffi_layout_value(i) })
    })
}

/// Checks one struct: every Rust entry against C, and that C lists nothing Rust does not.
fn check(test: &Test, rust: Entries) {
    let strukt = rust[0].0;
    for &(name, value) in rust {
        // bindgen escapes C fields named like Rust keywords with a trailing `_`.
        let name = name.trim_end_matches('_');
        match c_value(name) {
            Some(c) if c == value => {}
            Some(c) => test.fail(format_args!(
                "{name}: C says {c}, Rust bindings say {value}"
            )),
            None => test.fail(format_args!(
                "{name}: missing from rust/helpers/ffi_layout.c"
            )),
        }
    }
    // SAFETY: As in `c_value`.
    let count = unsafe { bindings::ffi_layout_count() };
    for i in 0..count {
        // SAFETY: As in `c_value`.
        let n = unsafe { CStr::from_char_ptr(bindings::ffi_layout_name(i)) };
        let n = n.as_bytes();
        let ours = n == strukt.as_bytes()
            || (n.starts_with(strukt.as_bytes()) && n.get(strukt.len()) == Some(&b'.'));
        if ours
            && !rust
                .iter()
                .any(|&(r, _)| r.trim_end_matches('_').as_bytes() == n)
        {
            test.fail(format_args!("{}: listed in C only", n.escape_ascii()));
        }
    }
}

fn task_struct(test: &Test) {
    check(
        test,
        layout!(task_struct: __state, flags, usage, mm, pid, tgid, real_parent, parent,
            group_leader, cred, comm, files, signal),
    );
}

fn device(test: &Test) {
    check(
        test,
        layout!(device: kobj, parent, init_name, type_, bus, driver, platform_data, driver_data,
            dma_mask, devt, class, release),
    );
}

fn file_operations(test: &Test) {
    check(
        test,
        layout!(file_operations: owner, llseek, read, write, poll, unlocked_ioctl, compat_ioctl,
            mmap, open, release, show_fdinfo, fop_flags),
    );
}

fn pci(test: &Test) {
    check(test, layout!(pci_dev: vendor, device, revision, class, dev));
    check(
        test,
        layout!(pci_device_id: vendor, device, subvendor, subdevice, class, class_mask,
            driver_data, override_only),
    );
    check(test, layout!(pci_driver: name, id_table, probe, remove));
}

fn auxiliary(test: &Test) {
    check(test, layout!(auxiliary_device: dev, name, id));
    check(test, layout!(auxiliary_device_id: name, driver_data));
    check(test, layout!(auxiliary_driver: probe, remove, id_table));
}

fn irq_poll(test: &Test) {
    check(test, layout!(irq_poll: list, state, weight, poll));
}

fn inode(test: &Test) {
    check(test, layout!(inode: i_private));
}

fn file(test: &Test) {
    check(test, layout!(file: f_op, f_inode));
}

fn seq_file(test: &Test) {
    check(test, layout!(seq_file: private));
}

fn path(test: &Test) {
    check(test, layout!(path: mnt, dentry));
}

fn drm_driver(test: &Test) {
    check(
        test,
        layout!(drm_driver: load, open, postclose, unload, release, master_set, master_drop,
            debugfs_init, gem_create_object, prime_handle_to_fd, prime_fd_to_handle,
            gem_prime_import, gem_prime_import_sg_table, dumb_create, dumb_map_offset,
            fbdev_probe, show_fdinfo, major, minor, patchlevel, name, desc, date,
            driver_features, ioctls, num_ioctls, fops),
    );
}

fn drm_device(test: &Test) {
    check(
        test,
        layout!(drm_device: dev, dev_private, primary, render, registered, debugfs_root,
            mode_config),
    );
}

fn drm_mode_config(test: &Test) {
    check(
        test,
        layout!(drm_mode_config: min_width, min_height, max_width, max_height, funcs,
            fb_modifiers_not_supported),
    );
    check(test, layout!(drm_mode_config_funcs: fb_create));
    check(test, layout!(drm_mode_fb_cmd2: flags, modifier));
    check(
        test,
        layout!(drm_mode_create_dumb: height, width, bpp, flags, handle, pitch, size),
    );
}

fn drm_minor(test: &Test) {
    check(test, layout!(drm_minor: index, dev));
}

fn drm_file(test: &Test) {
    check(test, layout!(drm_file: driver_priv, minor, client_id));
}

fn drm_gem_object(test: &Test) {
    check(
        test,
        layout!(drm_gem_object: size, dev, funcs, vma_node, import_attach),
    );
}

fn drm_gem_shmem_object(test: &Test) {
    check(test, layout!(drm_gem_shmem_object: base, sgt));
}

/// The table `dma::Segments` walks.
fn sg_table(test: &Test) {
    check(test, layout!(sg_table: sgl, nents));
}

fn drm_gem_object_funcs(test: &Test) {
    check(
        test,
        layout!(drm_gem_object_funcs: free, print_info, pin, unpin, get_sg_table, vmap, vunmap,
            mmap, vm_ops),
    );
}

fn drm_ioctl_desc(test: &Test) {
    check(test, layout!(drm_ioctl_desc: cmd, flags, func, name));
}

/// The tables `kunit_suite!` builds in Rust and the device type `auxiliary` defines.
fn kunit_and_device_type(test: &Test) {
    check(test, layout!(kunit_case: run_case, name));
    check(test, layout!(kunit_suite: name, test_cases));
    check(test, layout!(device_type: name));
}

crate::kunit_suite!(
    rust_ffi_layout,
    [
        task_struct,
        device,
        file_operations,
        pci,
        auxiliary,
        irq_poll,
        inode,
        file,
        seq_file,
        path,
        drm_driver,
        drm_device,
        drm_mode_config,
        drm_minor,
        drm_file,
        drm_gem_object,
        drm_gem_shmem_object,
        sg_table,
        drm_gem_object_funcs,
        drm_ioctl_desc,
        kunit_and_device_type
    ]
);
