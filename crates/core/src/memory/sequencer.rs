//! In-process sequencer for standalone mode: frequency windows and room
//! sequence numbers in sharded maps.

use crate::error::Result;
use crate::freq::{FreqWindow, FrequencyOptions};
use crate::ids::AppId;
use crate::ports::sequencer::{Admission, AdmitClass, RoomSequencer};
use async_trait::async_trait;
use parking_lot::Mutex;
use std::collections::HashMap;

#[derive(Default)]
struct RoomCounters {
    seq: u64,
    window: FreqWindow,
}

const SHARDS: usize = 64;

/// In-process sequencer for standalone mode.
pub struct MemorySequencer {
    opts: FrequencyOptions,
    shards: Vec<Mutex<HashMap<(AppId, String), RoomCounters>>>,
}

impl MemorySequencer {
    pub fn new(opts: FrequencyOptions) -> Self {
        Self {
            opts,
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, app: AppId, room: &str) -> &Mutex<HashMap<(AppId, String), RoomCounters>> {
        &self.shards[crate::shard::index(&(app, room), SHARDS)]
    }
}

#[async_trait]
impl RoomSequencer for MemorySequencer {
    async fn admit(&self, app: AppId, room: &str, class: AdmitClass, now_ms: i64) -> Result<Admission> {
        let mut shard = self.shard(app, room).lock();
        let c = shard.entry((app, room.to_string())).or_default();
        let ok = match class {
            AdmitClass::Exempt => true,
            AdmitClass::Message { priority, privileged } => c.window.admit(&self.opts, priority, privileged, now_ms),
        };
        if !ok {
            return Ok(Admission::Dropped);
        }
        c.seq += 1;
        Ok(Admission::Accepted { seq: c.seq })
    }

    async fn forget(&self, app: AppId, room: &str) -> Result<()> {
        self.shard(app, room).lock().remove(&(app, room.to_string()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Priority;

    #[tokio::test]
    async fn sequence_is_gap_free_over_admitted_only() {
        let s = MemorySequencer::new(FrequencyOptions::uniform(2));
        let class = AdmitClass::Message {
            priority: Priority::Normal,
            privileged: false,
        };
        assert_eq!(s.admit(1, "r", class, 0).await.unwrap(), Admission::Accepted { seq: 1 });
        assert_eq!(s.admit(1, "r", class, 0).await.unwrap(), Admission::Accepted { seq: 2 });
        assert_eq!(s.admit(1, "r", class, 0).await.unwrap(), Admission::Dropped);
        assert_eq!(
            s.admit(1, "r", AdmitClass::Exempt, 0).await.unwrap(),
            Admission::Accepted { seq: 3 }
        );
        assert_eq!(
            s.admit(1, "other", class, 0).await.unwrap(),
            Admission::Accepted { seq: 1 }
        );
    }
}
