//! Human-readable numbers (durations, bytes), shared by the report's words, the exports and the
//! GUI.

/// `0.000000083` -> "83 ns", `0.0000123` -> "12.3 µs", `0.0413` -> "41.3 ms", `2.5` -> "2.50 s".
pub fn duration(secs: f64) -> String {
    let abs = secs.abs();
    if abs > 0.0 && abs < 1e-6 {
        format!("{:.0} ns", secs * 1e9)
    } else if abs < 1e-3 {
        format!("{:.1} µs", secs * 1e6)
    } else if abs < 1.0 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{secs:.2} s")
    }
}

/// "3.2 MiB".
pub fn bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// An optional figure, or "n/a" when it could not be measured.
pub fn or_na<T>(value: Option<T>, show: impl FnOnce(T) -> String) -> String {
    value.map_or_else(|| "n/a".to_owned(), show)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_a_unit() {
        assert_eq!(duration(0.000_000_083), "83 ns");
        assert_eq!(duration(0.0), "0.0 µs");
        assert_eq!(duration(0.000_012_3), "12.3 µs");
        assert_eq!(duration(0.0413), "41.3 ms");
        assert_eq!(duration(2.5), "2.50 s");
    }

    #[test]
    fn bytes_pick_a_unit() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(3 * 1024 * 1024 + 200 * 1024), "3.2 MiB");
    }
}
