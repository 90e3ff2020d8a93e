// SPDX-License-Identifier: GPL-2.0

//! debugfs: files for debugging, tied to the lifetime of Rust objects.
