//! A workload's size: one value, or a list cycled across tasks (`--size 28,30,32`). It reads
//! and writes as a number when it is one value, else as a list, in presets and in the JSON.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The workload's size: one value, or a list cycled across tasks (task `i` gets
/// `sizes[i % len]`). Serialized as a number when it is one value, else as a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sizes(Vec<u64>);

impl Sizes {
    pub fn one(size: u64) -> Self {
        Self(vec![size])
    }

    pub fn list(sizes: Vec<u64>) -> Self {
        Self(sizes)
    }

    pub fn values(&self) -> &[u64] {
        &self.0
    }

    /// The size of task `task`.
    pub fn for_task(&self, task: u64) -> u64 {
        let len = self.0.len() as u64;
        if len == 0 {
            return 0;
        }
        usize::try_from(task % len).ok().and_then(|i| self.0.get(i).copied()).unwrap_or(0)
    }
}

impl fmt::Display for Sizes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u64::to_string).collect();
        f.write_str(&parts.join(","))
    }
}

impl Serialize for Sizes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => serializer.serialize_u64(*one),
            many => many.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Sizes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged, expecting = "a size (a whole number) or a list of sizes")]
        enum OneOrMany {
            One(u64),
            Many(Vec<u64>),
        }
        Ok(match OneOrMany::deserialize(deserializer)? {
            OneOrMany::One(size) => Sizes::one(size),
            OneOrMany::Many(sizes) => Sizes::list(sizes),
        })
    }
}
