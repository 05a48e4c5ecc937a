//! `--vary PARAM=VALUES`: what a sweep varies and through which values. VALUES is a list
//! (`1,2,4,8`), every integer of a range (`1..16`), or a geometric range (`1..1024:x2`, each
//! value the previous times 2, up to the end); the window's values field reads the same syntax
//! with the same function ([`parse_sweep_values`]).

use crate::engine::{SweepSpec, Vary, parse_sweep_values};

/// Parses `--vary`; the message names the flag and what is wrong.
pub fn parse_vary(text: &str) -> Result<SweepSpec, String> {
    let (param, values) =
        text.split_once('=').ok_or_else(|| format!("expected PARAM=VALUES (e.g. workers=1,2,4,8), got '{text}'"))?;
    let vary: Vary = param.trim().parse().map_err(|e| format!("{e}"))?;
    let values = parse_sweep_values(values.trim())?;
    let spec = SweepSpec { vary, values };
    spec.check().map_err(|e| e.to_string())?;
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_ranges_and_geometric_ranges() {
        let values = |text: &str| parse_vary(text).map(|s| s.values);
        assert_eq!(values("workers=1,2,4,8"), Ok(vec![1, 2, 4, 8]));
        assert_eq!(values("tasks=3..6"), Ok(vec![3, 4, 5, 6]));
        assert_eq!(values("workers=1..1024:x2"), Ok(vec![1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]));
        assert_eq!(values("size=10..100:x3"), Ok(vec![10, 30, 90]));
        assert_eq!(parse_vary("size=1,2").map(|s| s.vary), Ok(Vary::Size));
    }

    #[test]
    fn bad_values_say_what_is_wrong() {
        let err = |text: &str| parse_vary(text).err().unwrap_or_default();
        assert!(err("workers").starts_with("expected PARAM=VALUES"), "{}", err("workers"));
        assert_eq!(err("cores=1,2"), "sweep: unknown parameter 'cores' (expected one of: workers, tasks, size)");
        assert_eq!(err("workers=1,two"), "'two' is not a whole number");
        assert_eq!(err("workers=4,2"), "sweep: workers values must increase, but 2 comes after 4");
        assert_eq!(err("workers=8"), "sweep: workers needs at least 2 values to sweep, got 1");
        assert_eq!(err("workers=9..3"), "the range 9..3 is empty");
        assert_eq!(err("workers=1..1000"), "the range gives more than 64 values");
        assert_eq!(err("workers=0..8:x2"), "a geometric range can't start at 0");
        assert_eq!(err("workers=1..8:x1"), "a geometric range needs a factor of 2 or more, got x1");
    }
}
