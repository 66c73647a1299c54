//! Where a gateway (or the admin API) hands a user message for screening,
//! sequencing and publication: the room service itself in standalone mode,
//! the moderator pool (a NATS queue group) in cluster mode.

use crate::error::Result;
use crate::ids::AppId;
use crate::ports::idempotency::SendOutcome;
use crate::rooms::SendRequest;
use async_trait::async_trait;

#[async_trait]
pub trait MessageSubmitter: Send + Sync + 'static {
    async fn submit(&self, app: AppId, req: SendRequest) -> Result<SendOutcome>;
}
