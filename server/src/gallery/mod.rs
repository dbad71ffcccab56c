//! The images of an event: ingest, re-rendering, serving.

pub mod ingest;
pub mod models;
pub mod rerender;
pub mod serve;
