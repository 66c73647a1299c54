//! The Roomcast client protocol (docs/protocol.md): the few frames the load
//! test sends and a borrowing parser for what it receives.

use serde::Deserialize;
use std::borrow::Cow;

/// A frame from the server: a reply (`id`, `code`) or a push (`type`).
#[derive(Debug, Deserialize)]
pub struct Incoming<'a> {
    #[serde(rename = "type", borrow, default)]
    pub ty: Option<Cow<'a, str>>,
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(borrow, default)]
    pub messages: Option<Vec<Event<'a>>>,
    #[serde(borrow, default)]
    pub reason: Option<Cow<'a, str>>,
    /// A reply's `data` (only the fields the load test reads).
    #[serde(borrow, default)]
    pub data: Option<ReplyData<'a>>,
}

/// The fields of reply `data` the load test reads: the `join` reply's
/// `epoch`, `recovered` and `missed[]`, a counter op's new `value`.
#[derive(Debug, Default, Deserialize)]
pub struct ReplyData<'a> {
    #[serde(borrow, default)]
    pub epoch: Option<Cow<'a, str>>,
    #[serde(default)]
    pub recovered: Option<bool>,
    #[serde(borrow, default)]
    pub missed: Option<Vec<Event<'a>>>,
    #[serde(default)]
    pub value: Option<i64>,
}

/// One room event inside a `messages` push.
#[derive(Debug, Deserialize)]
pub struct Event<'a> {
    pub seq: u64,
    /// `message`, `tip`, `notice`, `counters`, `attributes`.
    #[serde(borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(default)]
    pub time: u64,
    /// `counters` events: the room's counters (only `likes` is read).
    #[serde(default)]
    pub counters: Option<CounterValues>,
    #[serde(rename = "msgBody", borrow, default)]
    pub msg_body: Option<Vec<Elem<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CounterValues {
    #[serde(default)]
    pub likes: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct Elem<'a> {
    #[serde(rename = "MsgContent", borrow, default)]
    pub content: Option<Content<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct Content<'a> {
    #[serde(rename = "Data", borrow, default)]
    pub data: Option<Cow<'a, str>>,
    #[serde(rename = "Text", borrow, default)]
    pub text: Option<Cow<'a, str>>,
}

impl Event<'_> {
    /// Outside the room sequence (`counters`, `attributes`: seq 0).
    pub fn unsequenced(&self) -> bool {
        self.seq == 0
    }

    /// The `likes` value of a `counters` event.
    pub fn likes(&self) -> Option<i64> {
        if self.kind.as_deref() != Some("counters") {
            return None;
        }
        self.counters.as_ref()?.likes
    }

    /// The text of the first custom `Data` or text element, if any.
    pub fn payload(&self) -> Option<&str> {
        let first = self.msg_body.as_ref()?.first()?.content.as_ref()?;
        first.data.as_deref().or(first.text.as_deref())
    }
}

pub fn parse(frame: &str) -> Result<Incoming<'_>, serde_json::Error> {
    serde_json::from_str(frame)
}

use roomcast_core::client::requests::{self, CounterData, JoinData, LoginData, SendData, SinceData};
pub use roomcast_core::model::Priority;

pub fn login(id: u64, sdkappid: u64, user: &str, sig: &str) -> String {
    let data = LoginData {
        sdk_app_id: sdkappid,
        user_id: user.into(),
        user_sig: sig.into(),
    };
    requests::request(id, "login", &data)
}

/// A `join`; `since` (the last room seq seen and its epoch) asks for
/// what was missed since.
pub fn join(id: u64, room: &str, guest_app: Option<u64>, since: Option<(u64, &str)>) -> String {
    let data = JoinData {
        room_id: room.into(),
        sdk_app_id: guest_app,
        history: None,
        since: since.map(|(seq, epoch)| SinceData {
            seq,
            epoch: epoch.into(),
        }),
    };
    requests::request(id, "join", &data)
}

/// `increaseCounter {roomId, key, value}`.
pub fn increase_counter(id: u64, room: &str, key: &str, value: i64) -> String {
    let data = CounterData {
        room_id: room.into(),
        key: key.into(),
        value,
    };
    requests::request(id, "increaseCounter", &data)
}

/// A `send` request; `custom` picks a TIMCustomElem (`Data`) over a
/// TIMTextElem.
pub fn send(id: u64, room: &str, payload: &str, custom: bool, priority: Priority) -> String {
    let (ty, field) = if custom {
        ("TIMCustomElem", "Data")
    } else {
        ("TIMTextElem", "Text")
    };
    let data = SendData {
        room_id: room.into(),
        msg_body: serde_json::json!([{ "MsgType": ty, "MsgContent": { field: payload } }]),
        priority,
        msg_key: None,
    };
    requests::request(id, "send", &data)
}

/// Frequency-control drop (`dropReason: MsgFreqCtrl`).
pub const CODE_FREQ_CTRL: i64 = roomcast_core::error::CODE_FREQUENCY_CONTROLLED as i64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_coalesced_push() {
        let f = r#"{"type":"messages","messages":[
            {"roomId":"lt-0","seq":7,"kind":"message","time":1,"priority":"Normal","from":"u1","nick":"","avatar":"",
             "msgBody":[{"MsgType":"TIMCustomElem","MsgContent":{"Data":"LT|1|2|3|x","Desc":"","Ext":""}}]},
            {"roomId":"lt-0","seq":8,"kind":"tip","time":1,"priority":"Lowest","tip":{"opType":1,"type":"memberJoined","users":["a"]}},
            {"roomId":"lt-0","seq":9,"kind":"message","time":1,"priority":"High","from":"u1","nick":"","avatar":"",
             "msgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hello \"quoted\""}}]}
        ]}"#;
        let inc = parse(f).unwrap();
        assert_eq!(inc.ty.as_deref(), Some("messages"));
        let ev = inc.messages.unwrap();
        assert_eq!(ev.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![7, 8, 9]);
        assert_eq!(ev[0].payload(), Some("LT|1|2|3|x"));
        assert_eq!(ev[1].payload(), None);
        assert_eq!(ev[2].payload(), Some("hello \"quoted\""));
    }

    #[test]
    fn parses_replies_and_other_pushes() {
        let r = parse(r#"{"id":5,"code":200001,"message":"dropped","data":{"dropReason":"MsgFreqCtrl"}}"#).unwrap();
        assert_eq!((r.id, r.code), (Some(5), Some(CODE_FREQ_CTRL)));
        let r = parse(r#"{"id":6,"code":0,"message":"ok","data":{"roomId":"r","seq":1,"time":2}}"#).unwrap();
        assert_eq!((r.id, r.code, r.ty.is_none()), (Some(6), Some(0), true));
        let k = parse(r#"{"type":"kicked","roomId":null,"reason":"logged_in_elsewhere"}"#).unwrap();
        assert_eq!(k.ty.as_deref(), Some("kicked"));
        assert_eq!(k.reason.as_deref(), Some("logged_in_elsewhere"));
    }

    #[test]
    fn send_frame_is_valid_json() {
        let f = send(3, "lt-0", "LT|0|0|1|xx", true, Priority::High);
        let v: serde_json::Value = serde_json::from_str(&f).unwrap();
        assert_eq!(v["op"], "send");
        assert_eq!(v["data"]["priority"], "High");
        assert_eq!(v["data"]["msgBody"][0]["MsgContent"]["Data"], "LT|0|0|1|xx");
        let f = send(4, "lt-0", "p", false, Priority::Low);
        let v: serde_json::Value = serde_json::from_str(&f).unwrap();
        assert_eq!(v["data"]["msgBody"][0]["MsgType"], "TIMTextElem");
        let j: serde_json::Value = serde_json::from_str(&join(1, "r", Some(9), None)).unwrap();
        assert_eq!(j["data"]["sdkAppId"], 9);
        assert!(j["data"].get("since").is_none());
        let j: serde_json::Value = serde_json::from_str(&join(2, "r", None, Some((41, "e-7")))).unwrap();
        assert_eq!(j["data"]["since"]["seq"], 41);
        assert_eq!(j["data"]["since"]["epoch"], "e-7");
        let c: serde_json::Value = serde_json::from_str(&increase_counter(5, "r", "likes", 1)).unwrap();
        assert_eq!(c["op"], "increaseCounter");
        assert_eq!(
            (c["data"]["roomId"].as_str(), c["data"]["key"].as_str()),
            (Some("r"), Some("likes"))
        );
        assert_eq!(c["data"]["value"], 1);
    }

    #[test]
    fn parses_join_reply_with_recovery_and_counter_events() {
        let r = parse(
            r#"{"id":2,"code":0,"message":"ok","data":{"roomId":"lt-0","status":"success","room":{"id":"lt-0","owner":null},
            "epoch":"abc","recovered":true,"missed":[
              {"roomId":"lt-0","seq":42,"kind":"message","time":5,"priority":"Normal","from":"u","msgBody":[{"MsgType":"TIMCustomElem","MsgContent":{"Data":"LT|0|1|2|x"}}]},
              {"roomId":"lt-0","seq":43,"kind":"tip","time":6,"priority":"Lowest","tip":{"opType":1}}]}}"#,
        )
        .unwrap();
        let d = r.data.unwrap();
        assert_eq!((d.epoch.as_deref(), d.recovered), (Some("abc"), Some(true)));
        let missed = d.missed.unwrap();
        assert_eq!(missed.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![42, 43]);
        assert_eq!(missed[0].payload(), Some("LT|0|1|2|x"));
        let p = parse(
            r#"{"type":"messages","messages":[{"roomId":"lt-0","seq":0,"kind":"counters","time":9,"counters":{"likes":52310,"gifts":12}}]}"#,
        )
        .unwrap();
        let ev = &p.messages.unwrap()[0];
        assert!(ev.unsequenced());
        assert_eq!((ev.likes(), ev.time), (Some(52310), 9));
        let v = parse(r#"{"id":9,"code":0,"message":"ok","data":{"roomId":"r","key":"likes","value":17}}"#).unwrap();
        assert_eq!(v.data.unwrap().value, Some(17));
    }
}
