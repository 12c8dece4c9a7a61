//! `/api/v1/posts`: the board.

pub mod comments;
pub mod create;
pub mod edit;
pub mod list;
pub mod merge;
pub mod show;
pub mod similar;
pub mod status;
pub mod vote;

use crate::error::WebError;
use canyu_core::ErrorCode;

/// Post ids in paths are positive integers; anything else is a missing post, not a 400,
/// so clients need to handle one case.
pub(crate) fn parse_post_id(raw: &str) -> Result<i64, WebError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(WebError::from(ErrorCode::PostNotFound))
}
