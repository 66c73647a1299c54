//! Tencent's REST API over real HTTP: a caller with the app admin's real
//! userSig, raw requests for the bad-input cases, and checks of replies
//! against Tencent's documented shapes (field names and JSON types).

use super::server::{ADMIN, APP, usersig};
use serde_json::Value;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A REST caller: the app, the identifier and its userSig.
pub struct Rest {
    pub addr: SocketAddr,
    pub app: u64,
    pub identifier: String,
    pub sig: String,
}

impl Rest {
    /// The test app's admin.
    pub fn admin(addr: SocketAddr) -> Self {
        Self {
            addr,
            app: APP,
            identifier: ADMIN.into(),
            sig: usersig(ADMIN),
        }
    }

    /// `/v4/<command>?sdkappid=…&identifier=…&usersig=…&random=…&contenttype=json`.
    pub fn target(&self, command: &str) -> String {
        format!(
            "/v4/{command}?sdkappid={}&identifier={}&usersig={}&random={}&contenttype=json",
            self.app,
            self.identifier,
            self.sig,
            rand::random::<u32>()
        )
    }

    /// POSTs `body` to `command` (`service/command`) and returns the reply,
    /// after checking it is HTTP 200 with the envelope every reply has.
    pub async fn call(&self, command: &str, body: Value) -> Value {
        let (status, reply) = post(self.addr, &self.target(command), body.to_string().as_bytes()).await;
        assert_eq!(status, 200, "{command}: {reply}");
        assert_envelope(&reply);
        reply
    }

    /// `call`, which must succeed.
    pub async fn ok(&self, command: &str, body: Value) -> Value {
        let r = self.call(command, body).await;
        assert_eq!(r["ActionStatus"], "OK", "{command}: {r}");
        assert_eq!(r["ErrorCode"], 0, "{command}: {r}");
        assert_eq!(r["ErrorInfo"], "", "{command}: {r}");
        r
    }

    /// `call`, which must fail with `code`.
    pub async fn fails(&self, command: &str, body: Value, code: u32) -> Value {
        let r = self.call(command, body).await;
        assert_fail(&r, code);
        r
    }
}

/// Every reply: `ActionStatus` ("OK"/"FAIL"), numeric `ErrorCode`, text `ErrorInfo`.
pub fn assert_envelope(r: &Value) {
    assert!(
        r["ActionStatus"] == "OK" || r["ActionStatus"] == "FAIL",
        "ActionStatus: {r}"
    );
    assert!(r["ErrorCode"].is_u64(), "ErrorCode: {r}");
    assert!(r["ErrorInfo"].is_string(), "ErrorInfo: {r}");
    assert_eq!(r["ActionStatus"] == "OK", r["ErrorCode"] == 0, "{r}");
}

/// A failure reply with `code` and an explanation, and nothing else.
pub fn assert_fail(r: &Value, code: u32) {
    assert_eq!(r["ActionStatus"], "FAIL", "{r}");
    assert_eq!(r["ErrorCode"], code, "{r}");
    assert!(!r["ErrorInfo"].as_str().unwrap().is_empty(), "{r}");
    assert_eq!(r.as_object().unwrap().len(), 3, "{r}");
}

/// JSON types of Tencent's fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum J {
    Str,
    Int,
    Arr,
    Obj,
}

fn type_of(v: &Value) -> Option<J> {
    match v {
        Value::String(_) => Some(J::Str),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(J::Int),
        Value::Array(_) => Some(J::Arr),
        Value::Object(_) => Some(J::Obj),
        _ => None,
    }
}

/// `obj` has exactly the fields `shape` names, each of its type.
pub fn assert_fields(obj: &Value, shape: &[(&str, J)]) {
    let map = obj.as_object().unwrap_or_else(|| panic!("not an object: {obj}"));
    let mut expected: Vec<&str> = shape.iter().map(|(k, _)| *k).collect();
    let mut got: Vec<&str> = map.keys().map(String::as_str).collect();
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, expected, "fields of {obj}");
    for (k, t) in shape {
        assert_eq!(type_of(&map[*k]), Some(*t), "{k} in {obj}");
    }
}

/// A successful reply with exactly the envelope and `shape`.
pub fn assert_reply(r: &Value, shape: &[(&str, J)]) {
    let mut all = vec![("ActionStatus", J::Str), ("ErrorCode", J::Int), ("ErrorInfo", J::Str)];
    all.extend_from_slice(shape);
    assert_fields(r, &all);
}

/// A raw `POST` (HTTP/1.1, one request per connection): status and JSON reply.
pub async fn post(addr: SocketAddr, target: &str, body: &[u8]) -> (u16, Value) {
    request(addr, "POST", target, body).await
}

/// Any method; the reply must be JSON.
pub async fn request(addr: SocketAddr, method: &str, target: &str, body: &[u8]) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).await.expect("connect to the REST API");
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    // A server may answer (and close) before taking an oversized body.
    let _ = s.write_all(body).await;
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP reply: {text}"));
    let status: u16 = head.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("status");
    let reply = serde_json::from_str(body).unwrap_or_else(|e| panic!("reply is not JSON ({e}): {body}"));
    (status, reply)
}
