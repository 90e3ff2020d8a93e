// SPDX-License-Identifier: MIT OR Apache-2.0

//! The `--json` output: serde_json, plus an object whose keys keep their order.
//!
//! The reports list parameters and counters in the order the header and the driver do, which
//! is also the order the text output uses; a JSON object built from a `Vec` keeps it (serde_json
//! would sort a `BTreeMap` and needs a feature and a dependency to keep a map's order).

use serde::{Serialize, Serializer};
use std::io::Write;

/// A JSON object with keys in insertion order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T: Serialize> Serialize for Ordered<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<T> FromIterator<(String, T)> for Ordered<T> {
    fn from_iter<I: IntoIterator<Item = (String, T)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// Writes `value` as pretty-printed JSON and a newline.
pub fn write(out: &mut impl Write, value: &impl Serialize) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// Writes `value` as one line of JSON (for streams of reports, one per line).
pub fn write_line(out: &mut impl Write, value: &impl Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    writeln!(out)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_keeps_key_order() {
        let o: Ordered<u64> = [("b".to_string(), 1), ("a".to_string(), 2)]
            .into_iter()
            .collect();
        assert_eq!(serde_json::to_string(&o).unwrap(), r#"{"b":1,"a":2}"#);
        let mut out = Vec::new();
        write_line(&mut out, &o).unwrap();
        assert_eq!(out, b"{\"b\":1,\"a\":2}\n");
    }
}
