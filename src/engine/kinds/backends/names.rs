//! A backend's name is its public spelling (CLI, presets, JSON): printing it, parsing it (the
//! error lists the names a user can pick) and serde, all from the table's `name`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::BackendKind;

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no backend's; the message lists the ones a user can pick.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown backend '{name}' (expected one of: {})", names(&[BackendKind::USER_FACING, BackendKind::PYTHON].concat()))]
pub struct UnknownBackend {
    pub name: String,
}

fn names(backends: &[BackendKind]) -> String {
    backends.iter().map(|b| b.name()).collect::<Vec<_>>().join(", ")
}

impl FromStr for BackendKind {
    type Err = UnknownBackend;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|b| b.name() == s).ok_or_else(|| UnknownBackend { name: s.to_owned() })
    }
}

impl Serialize for BackendKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for BackendKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(|_| {
            let expected: Vec<String> = Self::ALL.iter().map(|b| format!("`{}`", b.name())).collect();
            serde::de::Error::custom(format!("unknown variant `{name}`, expected one of {}", expected.join(", ")))
        })
    }
}
