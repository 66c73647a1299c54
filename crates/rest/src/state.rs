//! Group attributes (`*_group_attr`) and group counters
//! (`*_group_counter`), over the same rules as the clients' ops.

use crate::Ctx;
use crate::error::{Result, invalid};
use crate::types::{GroupOnly, KeyValue, fields, parse};
use roomcast_core::model::Actor;
use roomcast_core::ports::counters::{CounterMode, CounterValues};
use roomcast_core::rooms::AttributeChange;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `{"key": …, "value": …}`: Tencent's attribute entries are lower-case.
#[derive(Serialize, Deserialize)]
struct Attr {
    key: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttrWrite {
    group_id: String,
    group_attr: Vec<Attr>,
}

pub async fn get_group_attr(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: GroupOnly = parse(body)?;
    let snap = ctx.rooms.attributes(ctx.app, &r.group_id).await?;
    let attrs: Vec<Attr> = snap
        .values
        .into_iter()
        .map(|(key, value)| Attr { key, value })
        .collect();
    fields(serde_json::json!({ "GroupAttrAry": attrs }))
}

async fn write(ctx: &Ctx<'_>, room: &str, change: AttributeChange) -> Result<Value> {
    ctx.rooms
        .write_attributes(ctx.app, &Actor::AppAdmin, room, change, None)
        .await?;
    Ok(Value::Null)
}

/// Adds or overwrites the given attributes.
pub async fn modify_group_attr(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: AttrWrite = parse(body)?;
    let values = r.group_attr.into_iter().map(|a| (a.key, a.value)).collect();
    write(ctx, &r.group_id, AttributeChange::Set(values)).await
}

/// Replaces every attribute with the given ones.
pub async fn set_group_attr(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: AttrWrite = parse(body)?;
    let values = r.group_attr.into_iter().map(|a| (a.key, a.value)).collect();
    write(ctx, &r.group_id, AttributeChange::Init(values)).await
}

pub async fn clear_group_attr(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: GroupOnly = parse(body)?;
    write(ctx, &r.group_id, AttributeChange::Delete(Vec::new())).await
}

pub async fn delete_group_attr(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: AttrWrite = parse(body)?;
    if r.group_attr.is_empty() {
        // An empty list would clear everything: that is clear_group_attr.
        return Err(invalid("GroupAttr must name at least one key"));
    }
    let keys = r.group_attr.into_iter().map(|a| a.key).collect();
    write(ctx, &r.group_id, AttributeChange::Delete(keys)).await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CounterKeys {
    group_id: String,
    #[serde(default)]
    group_counter_keys: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CounterUpdate {
    group_id: String,
    group_counter: Vec<KeyValue<i64>>,
    mode: String,
}

fn counters(values: CounterValues) -> Vec<KeyValue<i64>> {
    values.into_iter().map(|(key, value)| KeyValue { key, value }).collect()
}

/// The named counters, or every counter when `GroupCounterKeys` is absent.
pub async fn get_group_counter(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: CounterKeys = parse(body)?;
    let values = ctx
        .rooms
        .get_counters(ctx.app, Some(&Actor::AppAdmin), &r.group_id, &r.group_counter_keys)
        .await?;
    fields(serde_json::json!({ "GroupCounter": counters(values) }))
}

pub async fn update_group_counter(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: CounterUpdate = parse(body)?;
    let mode = match r.mode.as_str() {
        "Set" => CounterMode::Set,
        "Increase" => CounterMode::Increase,
        "Decrease" => CounterMode::Decrease,
        other => return Err(invalid(format!("Mode must be Set, Increase or Decrease (got {other})"))),
    };
    let mut entries = CounterValues::new();
    for kv in r.group_counter {
        if entries.insert(kv.key.clone(), kv.value).is_some() {
            return Err(invalid(format!("counter {} is given twice", kv.key)));
        }
    }
    let values = ctx
        .rooms
        .update_counters(ctx.app, &Actor::AppAdmin, &r.group_id, mode, &entries)
        .await?;
    fields(serde_json::json!({ "GroupCounter": counters(values) }))
}

pub async fn delete_group_counter(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: CounterKeys = parse(body)?;
    ctx.rooms
        .delete_counters(ctx.app, &Actor::AppAdmin, &r.group_id, &r.group_counter_keys)
        .await?;
    Ok(Value::Null)
}
