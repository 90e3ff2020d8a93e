// SPDX-License-Identifier: GPL-2.0

//! A minimal Rust module built from the novax tree.
//!
//! The test harness loads and unloads it to prove that a module built from our overlay runs in
//! the test kernel: it checks the two log lines below, with the counter that shows `init`'s
//! state reaching `drop`.

use kernel::prelude::*;

module! {
    type: NovaxSelftest,
    name: "novax_selftest",
    author: "novax developers",
    description: "novax: Rust module self-test",
    license: "GPL",
}

struct NovaxSelftest {
    numbers: KVec<u32>,
}

impl kernel::Module for NovaxSelftest {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let mut numbers = KVec::new();
        for i in 1..=10 {
            numbers.push(i, GFP_KERNEL)?;
        }
        let sum: u32 = numbers.iter().sum();
        pr_info!("loaded: Rust module from the novax overlay, sum {}\n", sum);
        Ok(Self { numbers })
    }
}

impl Drop for NovaxSelftest {
    fn drop(&mut self) {
        pr_info!("unloaded: {} numbers freed\n", self.numbers.len());
    }
}
