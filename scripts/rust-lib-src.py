#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Rebuild the Rust standard library sources (`rust-src`) from the `rust-docs` component.

The toolchain on our machines has no `rust-src` component and none can be downloaded, but the
kernel compiles `core` from source. rustdoc renders every library source file it documents as
`share/doc/rust/html/src/<crate>/**/*.rs.html`; each page names its original path in a
`<meta name="description">` tag and holds the code, with line-number anchors and highlighting
markup, in `<pre class="rust"><code>`. Stripping the markup gives the source back.

Two kinds of file are not rendered and are recreated here: documentation pulled in only through
`include_str!` (written as empty files: they only feed doc attributes) and
`core/src/fmt/nofloat.rs`, which is compiled only under `cfg(no_fp_fmt_parse)` as the kernel does.

Usage: rust-lib-src.py <sysroot> <out-dir>   (writes <out-dir>/library/...)
"""
import html
import os
import re
import subprocess
import sys

DESC = re.compile(r'<meta name="description" content="Source of the Rust file `([^`]+)`\.">')
CODE = re.compile(r'<pre class="rust"><code>(.*?)</code></pre>', re.S)
ANCHOR = re.compile(r'<a href=#\d+ id=\d+ data-nosnippet>\d+</a>')
TAG = re.compile(r'<[^>]+>')

NOFLOAT = """//! Float formatting is compiled out under `cfg(no_fp_fmt_parse)` (the kernel sets it).
//! Recreated by novax's scripts/rust-lib-src.py: rustdoc does not render this file.

use crate::fmt::{Debug, Formatter, Result};

macro_rules! floating {
    ($($ty:ident)*) => {
        $(
            #[stable(feature = "rust1", since = "1.0.0")]
            impl Debug for $ty {
                #[inline]
                fn fmt(&self, _fmt: &mut Formatter<'_>) -> Result {
                    panic!("floating point fmt support is turned off");
                }
            }
        )*
    };
}

floating! { f16 f32 f64 f128 }
"""


def normalise(path):
    # `library/core/src/../../stdarch/x` -> `library/stdarch/x`
    return os.path.normpath(path)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: rust-lib-src.py <sysroot> <out-dir>")
    sysroot, out = sys.argv[1], sys.argv[2]
    src = os.path.join(sysroot, "share/doc/rust/html/src")
    if not os.path.isdir(os.path.join(src, "core")):
        sys.exit(f"error: {src}/core missing: install the rust-docs component "
                 "(`rustup component add rust-docs`)")
    count = 0
    for crate in ("core", "alloc"):
        for root, _dirs, files in os.walk(os.path.join(src, crate)):
            for name in files:
                if not name.endswith(".rs.html"):
                    continue
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    page = f.read()
                m = DESC.search(page)
                c = CODE.search(page)
                if not m or not c:
                    sys.exit(f"error: unexpected rustdoc page layout in {root}/{name}")
                code = html.unescape(TAG.sub("", ANCHOR.sub("", c.group(1))))
                dest = os.path.join(out, normalise(m.group(1)))
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with open(dest, "w", encoding="utf-8") as f:
                    f.write(code)
                count += 1
    nofloat = os.path.join(out, "library/core/src/fmt/nofloat.rs")
    with open(nofloat, "w", encoding="utf-8") as f:
        f.write(NOFLOAT)
    # Files included only by `include_str!` for docs: create each one the compiler names.
    for _ in range(100):
        r = subprocess.run(
            ["rustc", "--edition=2024", "--crate-type=rlib", "--crate-name=core",
             "--cfg", "no_fp_fmt_parse", "-Zunstable-options", "--emit=metadata",
             "-o", os.path.join(out, "core.rmeta"),
             os.path.join(out, "library/core/src/lib.rs")],
            env=dict(os.environ, RUSTC_BOOTSTRAP="1"), capture_output=True, text=True)
        missing = re.findall(r"couldn't read `([^`]+)`", r.stderr)
        if not missing:
            break
        for path in missing:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "a").close()
    if r.returncode != 0:
        sys.stderr.write(r.stderr[-4000:])
        sys.exit("error: the reconstructed core library does not compile")
    os.remove(os.path.join(out, "core.rmeta"))
    print(f"rust-lib-src: {count} files from rust-docs, core compiles")


if __name__ == "__main__":
    main()
