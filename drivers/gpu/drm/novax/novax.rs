// SPDX-License-Identifier: GPL-2.0

//! Placeholder for the novax driver while its abstractions are written.

use kernel::prelude::*;

module! {
    type: Placeholder,
    name: "novax",
    author: "The novax authors",
    description: "novax placeholder",
    license: "GPL",
}

struct Placeholder;

impl kernel::Module for Placeholder {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(Placeholder)
    }
}
