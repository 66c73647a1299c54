//! In-process group attributes (standalone mode, unit tests).

use crate::error::Result;
use crate::ids::AppId;
use crate::ports::attributes::{AttributeSnapshot, Attributes};
use async_trait::async_trait;
use parking_lot::Mutex;
use std::collections::HashMap;

#[derive(Default)]
pub struct MemoryAttributes {
    rooms: Mutex<HashMap<(AppId, String), AttributeSnapshot>>,
}

impl MemoryAttributes {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Attributes for MemoryAttributes {
    async fn get(&self, app: AppId, room: &str) -> Result<AttributeSnapshot> {
        Ok(self
            .rooms
            .lock()
            .get(&(app, room.to_string()))
            .cloned()
            .unwrap_or_default())
    }

    async fn compare_and_set(&self, app: AppId, room: &str, expected: u64, next: &AttributeSnapshot) -> Result<bool> {
        let mut rooms = self.rooms.lock();
        let current = rooms.entry((app, room.to_string())).or_default();
        if current.version != expected {
            return Ok(false);
        }
        *current = next.clone();
        Ok(true)
    }

    async fn forget(&self, app: AppId, room: &str) -> Result<()> {
        self.rooms.lock().remove(&(app, room.to_string()));
        Ok(())
    }
}
