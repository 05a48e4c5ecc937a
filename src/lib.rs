//! Concurrency Lab: run the same work on an event loop, OS threads or OS processes and see
//! what your machine does with it. `engine` runs and measures; `report` judges the results
//! (which runs compare, by how much, why); `presets` and `export` turn files into configs and
//! results into files; `cli`/`headless` and (feature `gui`) the window are the two front ends.
//! ARCHITECTURE.md at the top of the repository describes the layers and a run end to end.

pub mod cli;
pub mod engine;
pub mod export;
#[cfg(feature = "gui")]
pub mod gui;
pub mod headless;
pub mod presets;
pub mod report;
pub mod shared;
