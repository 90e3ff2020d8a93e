// SPDX-License-Identifier: MIT OR Apache-2.0

//! Sizes and durations for humans.

/// Parses a decimal or `0x` hexadecimal unsigned number.
pub fn parse_number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() => u64::from_str_radix(hex, 16).ok(),
        Some(_) => None,
        None if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        None => None,
    }
}

const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];

/// Parses a size: a number (decimal or `0x` hex) with an optional binary suffix `K`, `M`, `G`
/// (also `k`, `KiB`, `MiB`, `GiB`). `None` on garbage or overflow.
pub fn parse_size(s: &str) -> Option<u64> {
    let split = if s.starts_with("0x") || s.starts_with("0X") {
        s.len() // hex digits include b..f: no suffix for hex
    } else {
        s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len())
    };
    let (num, suffix) = s.split_at(split);
    let mult: u64 = match suffix {
        "" | "B" => 1,
        "k" | "K" | "KiB" => 1 << 10,
        "M" | "MiB" => 1 << 20,
        "G" | "GiB" => 1 << 30,
        _ => return None,
    };
    parse_number(num)?.checked_mul(mult)
}

/// `268435456` -> `256 MiB`; `1536` -> `1.50 KiB`; `100` -> `100 B`.
pub fn format_size(bytes: u64) -> String {
    for (name, unit) in UNITS {
        if bytes >= unit {
            return if bytes.is_multiple_of(unit) {
                format!("{} {name}", bytes / unit)
            } else {
                format!("{:.2} {name}", bytes as f64 / unit as f64)
            };
        }
    }
    format!("{bytes} B")
}

/// `1234` -> `1.23 µs`, scaled to ns, µs, ms or s.
pub fn format_ns(ns: u64) -> String {
    match ns {
        0..=999 => format!("{ns} ns"),
        1_000..=999_999 => format!("{:.2} µs", ns as f64 / 1e3),
        1_000_000..=999_999_999 => format!("{:.2} ms", ns as f64 / 1e6),
        _ => format!("{:.3} s", ns as f64 / 1e9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("0"), Some(0));
        assert_eq!(parse_number("42"), Some(42));
        assert_eq!(parse_number("0x2a"), Some(42));
        assert_eq!(parse_number("0XFF"), Some(255));
        assert_eq!(parse_number("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "0x",
            "-1",
            "+1",
            "1e3",
            "18446744073709551616",
            " 1",
            "0xg",
        ] {
            assert_eq!(parse_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("0x1000"), Some(4096));
        assert_eq!(parse_size("4k"), Some(4096));
        assert_eq!(parse_size("4K"), Some(4096));
        assert_eq!(parse_size("4KiB"), Some(4096));
        assert_eq!(parse_size("256M"), Some(256 << 20));
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size("7B"), Some(7));
        assert_eq!(parse_size("0xfffffffffffffffe"), Some(u64::MAX - 1));
        for bad in [
            "",
            "K",
            "4 K",
            "4KB",
            "4T",
            "-4",
            "0x",
            "0x10K",
            "17179869184G",
            "4.5M",
        ] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn sizes_format() {
        assert_eq!(format_size(0), "0 B");
        assert_eq!(format_size(1023), "1023 B");
        assert_eq!(format_size(4096), "4 KiB");
        assert_eq!(format_size(1536), "1.50 KiB");
        assert_eq!(format_size(256 << 20), "256 MiB");
        assert_eq!(format_size(24 << 30), "24 GiB");
        assert_eq!(format_size((1 << 30) + (1 << 29)), "1.50 GiB");
    }

    #[test]
    fn durations_format() {
        assert_eq!(format_ns(0), "0 ns");
        assert_eq!(format_ns(999), "999 ns");
        assert_eq!(format_ns(1_234), "1.23 µs");
        assert_eq!(format_ns(45_600_000), "45.60 ms");
        assert_eq!(format_ns(2_000_000_000), "2.000 s");
    }
}
