//! In-process group counters (standalone mode, unit tests).

use crate::error::{CoreError, Result};
use crate::ids::AppId;
use crate::ports::counters::{CounterValues, Counters};
use async_trait::async_trait;
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};

#[derive(Default)]
pub struct MemoryCounters {
    rooms: Mutex<HashMap<(AppId, String), CounterValues>>,
    dirty: Mutex<HashSet<(AppId, String)>>,
}

impl MemoryCounters {
    pub fn new() -> Self {
        Self::default()
    }

    fn mark(&self, app: AppId, room: &str) {
        self.dirty.lock().insert((app, room.to_string()));
    }
}

#[async_trait]
impl Counters for MemoryCounters {
    async fn update(
        &self,
        app: AppId,
        room: &str,
        set: bool,
        entries: &[(String, i64)],
        max_keys: usize,
    ) -> Result<CounterValues> {
        let mut rooms = self.rooms.lock();
        let current = rooms.entry((app, room.to_string())).or_default();
        let new_keys = entries
            .iter()
            .filter(|(k, _)| !current.contains_key(k))
            .map(|(k, _)| k)
            .collect::<HashSet<_>>()
            .len();
        if current.len() + new_keys > max_keys {
            return Err(CoreError::InvalidParameter(format!(
                "a room holds at most {max_keys} counters"
            )));
        }
        // Computed first, applied after: all or none.
        let mut next = CounterValues::new();
        for (k, v) in entries {
            let value = if set {
                *v
            } else {
                let old = next.get(k).or(current.get(k)).copied().unwrap_or(0);
                old.checked_add(*v)
                    .ok_or_else(|| CoreError::InvalidParameter(format!("counter {k} would overflow int64")))?
            };
            next.insert(k.clone(), value);
        }
        current.extend(next.iter().map(|(k, v)| (k.clone(), *v)));
        drop(rooms);
        self.mark(app, room);
        Ok(next)
    }

    async fn delete(&self, app: AppId, room: &str, keys: &[String]) -> Result<()> {
        let removed = {
            let mut rooms = self.rooms.lock();
            let Some(current) = rooms.get_mut(&(app, room.to_string())) else {
                return Ok(());
            };
            keys.iter().filter(|k| current.remove(*k).is_some()).count()
        };
        if removed > 0 {
            self.mark(app, room);
        }
        Ok(())
    }

    async fn get(&self, app: AppId, room: &str, keys: &[String]) -> Result<CounterValues> {
        let rooms = self.rooms.lock();
        let Some(current) = rooms.get(&(app, room.to_string())) else {
            return Ok(CounterValues::new());
        };
        if keys.is_empty() {
            return Ok(current.clone());
        }
        Ok(keys
            .iter()
            .filter_map(|k| current.get(k).map(|v| (k.clone(), *v)))
            .collect())
    }

    async fn take_dirty(&self, max: usize) -> Result<Vec<(AppId, String)>> {
        let mut dirty = self.dirty.lock();
        let taken: Vec<_> = dirty.iter().take(max).cloned().collect();
        for t in &taken {
            dirty.remove(t);
        }
        Ok(taken)
    }

    async fn forget(&self, app: AppId, room: &str) -> Result<()> {
        let key = (app, room.to_string());
        self.rooms.lock().remove(&key);
        self.dirty.lock().remove(&key);
        Ok(())
    }
}
