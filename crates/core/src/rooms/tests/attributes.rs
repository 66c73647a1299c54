//! Group attributes: limits, compare-and-set versions, who may replace
//! everything, the write rate, and the pushed `attributes` event.

use super::*;
use crate::limits::{ATTR_KEY_MAX, ATTR_KEYS_MAX, ATTR_VALUE_MAX};
use crate::ports::attributes::AttributeValues;
use crate::ratelimit::RateOptions;
use crate::rooms::{AttributeChange, AttributesOptions};

const ROOM: &str = "live-1";

fn attrs(pairs: &[(&str, &str)]) -> AttributeValues {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A harness whose rooms take `n` attribute writes per second.
fn with_rate(n: u32) -> Harness {
    Harness::with_options(RoomsOptions {
        attributes: AttributesOptions {
            room_write_rate: RateOptions {
                per_sec: f64::from(n),
                burst: n,
            },
        },
        ..RoomsOptions::default()
    })
}

#[tokio::test]
async fn writes_are_versioned_and_pushed() {
    let h = with_rate(100);
    h.staffed_room(ROOM).await;
    let mut sub = h.subscribe(ROOM).await;
    let snap = h.rooms.attributes(APP, ROOM).await.unwrap();
    assert_eq!((snap.version, snap.values.len()), (0, 0));

    let s = h
        .rooms
        .write_attributes(
            APP,
            &user(OWNER),
            ROOM,
            AttributeChange::Init(attrs(&[("seat1", "")])),
            Some(0),
        )
        .await
        .unwrap();
    assert_eq!(s.version, 1);
    let e = next_json(&mut sub);
    assert_eq!(e["kind"], "attributes");
    assert_eq!(e["seq"], 0);
    assert_eq!(e["version"], 1);
    assert_eq!(e["attributes"], serde_json::json!({ "seat1": "" }));

    // A member takes the seat at version 1; a second taker at version 1 loses.
    let take = |who: &str| AttributeChange::Set(attrs(&[("seat1", who)]));
    let s = h
        .rooms
        .write_attributes(APP, &user(MEMBER), ROOM, take(MEMBER), Some(1))
        .await
        .unwrap();
    assert_eq!(s.version, 2);
    let lost = h
        .rooms
        .write_attributes(APP, &user(OTHER), ROOM, take(OTHER), Some(1))
        .await;
    assert_eq!(code(lost), 10056);
    assert_eq!(h.rooms.attributes(APP, ROOM).await.unwrap().values["seat1"], MEMBER);
    // Without a version the write applies to whatever is current.
    h.rooms
        .write_attributes(
            APP,
            &user(OTHER),
            ROOM,
            AttributeChange::Set(attrs(&[("topic", "x")])),
            None,
        )
        .await
        .unwrap();
    h.rooms
        .write_attributes(APP, &user(OTHER), ROOM, AttributeChange::Delete(ids(&["topic"])), None)
        .await
        .unwrap();
    let s = h.rooms.attributes(APP, ROOM).await.unwrap();
    assert_eq!((s.version, s.values), (4, attrs(&[("seat1", MEMBER)])));
    // Sequenced events are not disturbed.
    assert_eq!(delivered_seq(h.send(ROOM, MEMBER, "hi").await.unwrap()), 1);
}

#[tokio::test]
async fn only_staff_initialize_or_clear() {
    let h = with_rate(100);
    h.staffed_room(ROOM).await;
    let m = user(MEMBER);
    let init = AttributeChange::Init(attrs(&[("a", "1")]));
    assert_eq!(
        code(h.rooms.write_attributes(APP, &m, ROOM, init.clone(), None).await),
        10007
    );
    let clear = AttributeChange::Delete(vec![]);
    assert_eq!(
        code(h.rooms.write_attributes(APP, &m, ROOM, clear.clone(), None).await),
        10007
    );
    h.rooms
        .write_attributes(APP, &user(ADMIN), ROOM, init, None)
        .await
        .unwrap();
    h.rooms
        .write_attributes(APP, &Actor::AppAdmin, ROOM, clear, None)
        .await
        .unwrap();
    assert!(h.rooms.attributes(APP, ROOM).await.unwrap().values.is_empty());
}

#[tokio::test]
async fn limits_refuse_bad_input_with_10004() {
    let h = with_rate(1000);
    h.staffed_room(ROOM).await;
    let o = user(OWNER);
    let long_key = "k".repeat(ATTR_KEY_MAX + 1);
    let long_value = "v".repeat(ATTR_VALUE_MAX + 1);
    for change in [
        AttributeChange::Set(attrs(&[(long_key.as_str(), "")])),
        AttributeChange::Set(attrs(&[("", "x")])),
        AttributeChange::Set(attrs(&[("k", long_value.as_str())])),
        AttributeChange::Set(AttributeValues::new()),
    ] {
        assert_eq!(code(h.rooms.write_attributes(APP, &o, ROOM, change, None).await), 10004);
    }
    // 16 keys at most; 16 KB in total.
    let names: Vec<String> = (0..ATTR_KEYS_MAX).map(|i| format!("k{i}")).collect();
    let full: AttributeValues = names.iter().map(|n| (n.clone(), String::new())).collect();
    h.rooms
        .write_attributes(APP, &o, ROOM, AttributeChange::Init(full), None)
        .await
        .unwrap();
    let more = AttributeChange::Set(attrs(&[("one-more", "")]));
    assert_eq!(code(h.rooms.write_attributes(APP, &o, ROOM, more, None).await), 10004);
    let big = "v".repeat(ATTR_VALUE_MAX);
    let five: AttributeValues = (0..5).map(|i| (format!("k{i}"), big.clone())).collect();
    assert_eq!(
        code(
            h.rooms
                .write_attributes(APP, &o, ROOM, AttributeChange::Set(five), None)
                .await
        ),
        10004
    );
    assert_eq!(
        code(
            h.rooms
                .write_attributes(APP, &o, "nope", AttributeChange::Set(attrs(&[("a", "")])), None)
                .await
        ),
        10010
    );
}

#[tokio::test]
async fn writes_per_room_are_rate_limited_with_10049() {
    let h = with_rate(2);
    h.staffed_room(ROOM).await;
    let set = || AttributeChange::Set(attrs(&[("a", "1")]));
    h.rooms
        .write_attributes(APP, &user(OWNER), ROOM, set(), None)
        .await
        .unwrap();
    h.rooms
        .write_attributes(APP, &user(OWNER), ROOM, set(), None)
        .await
        .unwrap();
    let r = h.rooms.write_attributes(APP, &user(OWNER), ROOM, set(), None).await;
    let e = r.expect_err("over the rate");
    assert_eq!(e.code(), 10049);
    assert!(e.retryable());
}

#[tokio::test]
async fn dismissal_drops_attributes() {
    let h = with_rate(100);
    h.staffed_room(ROOM).await;
    h.rooms
        .write_attributes(
            APP,
            &user(OWNER),
            ROOM,
            AttributeChange::Set(attrs(&[("a", "1")])),
            None,
        )
        .await
        .unwrap();
    h.rooms.dismiss_room(APP, &Actor::AppAdmin, ROOM).await.unwrap();
    h.staffed_room(ROOM).await;
    assert_eq!(h.rooms.attributes(APP, ROOM).await.unwrap().version, 0);
}
