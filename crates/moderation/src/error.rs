use std::path::PathBuf;

/// Everything that can go wrong while configuring or running screening.
///
/// Runtime failures ([`Overloaded`](Self::Overloaded),
/// [`Unavailable`](Self::Unavailable)) mean the message was *not* screened;
/// callers must fail closed and reject it with a retryable error rather than
/// let unscreened text reach a room.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModerationError {
    /// The screening queue is full; the message was not screened.
    #[error("moderation queue is full")]
    Overloaded,
    /// The worker pool is shut down or a worker failed while screening.
    #[error("moderation is unavailable")]
    Unavailable,
    /// A word-list file could not be read or parsed.
    #[error("word list {}{}: {reason}", .path.display(), line_suffix(*.line))]
    ListFile {
        /// The file, as configured.
        path: PathBuf,
        /// 1-based line number, when the problem is tied to one line.
        line: Option<usize>,
        /// Human-readable cause.
        reason: String,
    },
    /// The options (or a dictionary built from them) are unusable.
    #[error("invalid moderation options: {0}")]
    InvalidOptions(String),
    /// A word-list change was rejected (e.g. the list would grow past
    /// `max_terms_per_list`); the list is unchanged.
    #[error("invalid word list change: {0}")]
    InvalidList(String),
}

impl ModerationError {
    /// Whether the same request may succeed if retried later.
    ///
    /// Only capacity and availability problems are transient; configuration
    /// errors will fail the same way until an operator fixes them.
    pub fn retryable(&self) -> bool {
        matches!(self, Self::Overloaded | Self::Unavailable)
    }
}

fn line_suffix(line: Option<usize>) -> String {
    line.map(|n| format!(" line {n}")).unwrap_or_default()
}
