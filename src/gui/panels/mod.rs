//! The panels around the plots. Each is a `*_ui` function that draws from state and returns
//! an optional [`UiCommand`](super::command::UiCommand) for `app.rs` to apply.

pub mod columns;
pub mod controls;
pub mod history_list;
pub mod preset_note;
pub mod python;
pub mod status_bar;
pub mod summary;
pub mod sweep_controls;
pub mod top_bar;
pub mod widgets;
