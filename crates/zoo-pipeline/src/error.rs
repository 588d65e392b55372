//! The pipeline's errors. Most are a sentence that names the problem and its fix
//! ([`Error::Message`]); the others are a lower crate's error, passed on as it is, or one of
//! them with what was being done when it happened ([`Error::Context`]). The chain of sources
//! is what the binary prints, one line, each cause said once.

use std::fmt::Display;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A problem found here, stated with its fix.
    #[error("{0}")]
    Message(String),
    /// What was being done when `source` failed.
    #[error("{context}")]
    Context {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error(transparent)]
    Runtime(#[from] zoo_runtime::RuntimeError),
    #[error(transparent)]
    Image(#[from] zoo_runtime::images::ImageError),
    #[error(transparent)]
    Artifact(#[from] zoo_artifacts::ArtifactError),
    #[error(transparent)]
    Model(#[from] zoo_models::ModelError),
    #[error(transparent)]
    Shape(#[from] zoo_graph::ShapeError),
    #[error(transparent)]
    Write(#[from] zoo_graph::WriteError),
    #[error(transparent)]
    Read(#[from] zoo_graph::ir::read::ReadError),
    #[error(transparent)]
    Pass(#[from] zoo_graph::passes::PassError),
    #[error(transparent)]
    Ship(#[from] zoo_ship::ShipError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

impl Error {
    pub fn msg(message: impl Display) -> Error {
        Error::Message(message.to_string())
    }
}

/// `Error::Message(format!(…))`.
#[macro_export]
#[doc(hidden)]
macro_rules! err {
    ($($t:tt)*) => { $crate::Error::Message(format!($($t)*)) };
}

/// Returns `Err(err!(…))`.
#[macro_export]
#[doc(hidden)]
macro_rules! bail {
    ($($t:tt)*) => { return Err($crate::err!($($t)*)) };
}

/// What was being done when an error happened, as [`Error::Context`]; for an `Option`, the
/// message of its `None`.
pub trait Context<T> {
    fn context(self, context: impl Display) -> Result<T>;
    fn with_context<C: Display>(self, context: impl FnOnce() -> C) -> Result<T>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl Display) -> Result<T> {
        self.map_err(|e| Error::Context { context: context.to_string(), source: Box::new(e) })
    }

    fn with_context<C: Display>(self, context: impl FnOnce() -> C) -> Result<T> {
        self.map_err(|e| Error::Context { context: context().to_string(), source: Box::new(e) })
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, context: impl Display) -> Result<T> {
        self.ok_or_else(|| Error::Message(context.to_string()))
    }

    fn with_context<C: Display>(self, context: impl FnOnce() -> C) -> Result<T> {
        self.ok_or_else(|| Error::Message(context().to_string()))
    }
}

/// An error and its causes joined by `: ` (for notes inside a report).
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut line = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        line.push_str(": ");
        line.push_str(&c.to_string());
        cause = c.source();
    }
    line
}
