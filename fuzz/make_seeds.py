#!/usr/bin/env python3
"""Writes the committed seed corpora (fuzz/seeds/<target>/). Deterministic:
rerunning it rewrites the same files. Seeds are small and each shows one
meaningful case; libFuzzer grows its working corpus (fuzz/corpus/, not
committed) from them."""

import base64, hashlib, hmac, json, os, struct, zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- ws_frame_reader: [split, limit/64, stream...] ---------------------------
MASK = bytes([0x12, 0x34, 0x56, 0x78])


def frame(fin, op, payload, masked=True, rsv=0, long_form=None):
    b0 = (0x80 if fin else 0) | rsv | op
    n = len(payload)
    m = 0x80 if masked else 0
    if long_form == 127 or n > 0xFFFF:
        head = bytes([b0, m | 127]) + struct.pack(">Q", n)
    elif long_form == 126 or n > 125:
        head = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, m | n])
    if not masked:
        return head + payload
    return head + MASK + bytes(b ^ MASK[i % 4] for i, b in enumerate(payload))


def ws(name, stream, split=0, limit=255):
    write("ws_frame_reader", name, bytes([split, limit]) + stream)


ws("text", frame(True, 1, b"hello"))
ws("text-trickled", frame(True, 1, b"hello"), split=1)
ws("binary", frame(True, 2, bytes(range(16))))
ws("ping-pong-close", frame(True, 9, b"p") + frame(True, 10, b"") + frame(True, 8, struct.pack(">H", 1000) + b"bye"))
ws("close-empty", frame(True, 8, b""))
ws("close-bad-code", frame(True, 8, struct.pack(">H", 1005)))
ws("close-bad-reason", frame(True, 8, struct.pack(">H", 1000) + b"\xff"))
ws("len16", frame(True, 1, b"x" * 200), split=7)
ws("len64-nonminimal", frame(True, 1, b"abc", long_form=127))
ws("fragmented", frame(False, 1, "héll".encode()) + frame(True, 9, b"") + frame(False, 0, b"o ") + frame(True, 0, "wörld".encode()), split=3)
ws("fragmented-binary", frame(False, 2, b"\x00\x01") + frame(True, 0, b"\x02"))
k = "κόσμε".encode()
ws("utf8-split-across-fragments", frame(False, 1, k[:1]) + frame(False, 0, k[1:4]) + frame(True, 0, k[4:]))
ws("utf8-invalid-in-fragment", frame(False, 1, b"ok\xce\xba\xff") + frame(True, 0, b"never"))
ws("utf8-surrogate", frame(True, 1, b"\xed\xa0\x80"))
ws("too-big", frame(True, 1, b"a" * 300), limit=4)
ws("too-big-fragments", frame(False, 1, b"a" * 200) + frame(True, 0, b"a" * 200), limit=4)
ws("huge-length", frame(False, 1, b"a") + bytes([0x80, 0xFF]) + struct.pack(">Q", (1 << 63) - 1) + MASK)
ws("unmasked", frame(True, 1, b"hi", masked=False))
ws("reserved-bits", frame(True, 1, b"hi", rsv=0x40))
ws("fragmented-ping", frame(False, 9, b""))
ws("long-ping", frame(True, 9, b"p" * 126))
ws("stray-continuation", frame(True, 0, b"x"))
ws("nested-message", frame(False, 1, b"a") + frame(True, 1, b"b"))
ws("unknown-opcode", frame(True, 3, b"x"))
ws("truncated", frame(True, 1, b"hello world")[:9])

# --- json_request: each op, and broken envelopes -----------------------------
ROOM = {"roomId": "live-1"}
body = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]
ops = {
    "login": {"sdkAppId": 1400000000, "userId": "user1", "userSig": "eJw"},
    "logout": None,
    "updateProfile": {"nick": "Ann", "avatar": "https://example.com/a.png"},
    "join": {"roomId": "live-1", "history": 20, "since": {"seq": 7, "epoch": "e1"}},
    "quit": ROOM,
    "send": {"roomId": "live-1", "msgBody": body, "priority": "High", "msgKey": "k1"},
    "ping": None,
    "history": {"roomId": "live-1", "beforeSeq": 10, "limit": 5},
    "getRoomProfile": {"roomId": "live-1", "sdkAppId": 1400000000},
    "onlineCount": ROOM,
    "onlineMembers": {"roomId": "live-1", "cursor": "c", "limit": 10},
    "mute": {"roomId": "live-1", "userIds": ["u2"], "durationSecs": 60},
    "ban": {"roomId": "live-1", "userIds": ["u2"], "durationSecs": 60, "description": "spam"},
    "unban": {"roomId": "live-1", "userIds": ["u2"]},
    "setAdmin": {"roomId": "live-1", "userId": "u2", "admin": True},
    "modifyRoom": {"roomId": "live-1", "name": "Live", "custom": {"k": "v"}, "muteAll": False},
    "dismiss": ROOM,
    "increaseCounter": {"roomId": "live-1", "key": "likes", "value": 1},
    "decreaseCounter": {"roomId": "live-1", "key": "likes", "value": 1},
    "setCounters": {"roomId": "live-1", "counters": {"likes": 10, "views": -1}},
    "deleteCounters": {"roomId": "live-1", "keys": ["likes"]},
    "getCounters": {"roomId": "live-1"},
    "initAttributes": {"roomId": "live-1", "attributes": {"seat1": "u1"}},
    "setAttributes": {"roomId": "live-1", "attributes": {"seat2": "u2"}, "version": 3},
    "deleteAttributes": {"roomId": "live-1", "keys": ["seat1"], "version": 4},
    "getAttributes": ROOM,
}
for i, (op, data) in enumerate(ops.items()):
    env = {"id": i, "op": op}
    if data is not None:
        env["data"] = data
    write("json_request", "op-" + op, json.dumps(env))
write("json_request", "send-custom-elems", json.dumps({"id": "s", "op": "send", "data": {"roomId": "r", "msgBody": [
    {"MsgType": "TIMCustomElem", "MsgContent": {"Data": "d", "Desc": "x", "Ext": "e"}},
    {"MsgType": "TIMFaceElem", "MsgContent": {"Index": 1, "Data": "f"}}]}}))
write("json_request", "send-empty-body", '{"id":1,"op":"send","data":{"roomId":"r","msgBody":[]}}')
write("json_request", "unknown-field", '{"id":1,"op":"join","data":{"roomId":"r","extra":1}}')
write("json_request", "unknown-op", '{"id":1,"op":"fly","data":{}}')
write("json_request", "missing-op", '{"id":1}')
write("json_request", "not-json", '{"id":1,"op":')
write("json_request", "deep-nesting", '{"id":' + "[" * 200 + "]" * 200 + ',"op":"ping"}')
write("json_request", "escapes", '{"id":"\\ud83d\\ude00","op":"quit","data":{"roomId":"\\u0000\\n"}}')
write("json_request", "big-numbers", '{"id":1e400,"op":"history","data":{"roomId":"r","beforeSeq":18446744073709551616}}')

# --- usersig_verify ----------------------------------------------------------
APP, KEY, USER, NOW = 1400000000, "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e", "user1", 1700000000


def mint(key, ident, expire, t, userbuf=None, ver="2.0", sig_override=None):
    content = f"TLS.identifier:{ident}\nTLS.sdkappid:{APP}\nTLS.time:{t}\nTLS.expire:{expire}\n"
    doc = {"TLS.ver": ver, "TLS.identifier": ident, "TLS.sdkappid": APP, "TLS.expire": expire, "TLS.time": t}
    if userbuf is not None:
        ub = base64.b64encode(userbuf).decode()
        content += f"TLS.userbuf:{ub}\n"
        doc["TLS.userbuf"] = ub
    sig = base64.b64encode(hmac.new(key.encode(), content.encode(), hashlib.sha256).digest()).decode()
    doc["TLS.sig"] = sig_override or sig
    raw = base64.b64encode(zlib.compress(json.dumps(doc, separators=(",", ":")).encode())).decode()
    return raw.replace("+", "*").replace("/", "-").replace("=", "_")


def sig_seed(name, s):
    write("usersig_verify", name, b"\x00" + s.encode())


sig_seed("valid", mint(KEY, USER, 86400, NOW - 10))
sig_seed("valid-userbuf", mint(KEY, USER, 86400, NOW - 10, userbuf=b"\x00\x01priv"))
sig_seed("valid-unpadded", mint(KEY, USER, 86400, NOW - 10).rstrip("_"))
sig_seed("expired", mint(KEY, USER, 10, NOW - 1000))
sig_seed("wrong-key", mint("not-the-key", USER, 86400, NOW - 10))
sig_seed("wrong-user", mint(KEY, "user2", 86400, NOW - 10))
sig_seed("forged-sig-field", mint(KEY, USER, 86400, NOW - 10, sig_override="AAAA"))
sig_seed("bad-version", mint(KEY, USER, 86400, NOW - 10, ver="1.0"))
bomb = base64.b64encode(zlib.compress(b" " * 100000)).decode().replace("+", "*").replace("/", "-").replace("=", "_")
sig_seed("zlib-bomb", bomb)
sig_seed("not-base64", "!!!!")
sig_seed("empty", "")
# Minting mode: flags, issued offset, expire/100, id length, id, [userbuf len, userbuf], edits.
write("usersig_verify", "mint-clean", bytes([1, 0, 1, 2, 5, 0]) + b"user1")
write("usersig_verify", "mint-other-key", bytes([1, 1, 1, 2, 5, 0]) + b"user1")
write("usersig_verify", "mint-userbuf-edits", bytes([1, 2, 1, 2, 5]) + b"user1" + bytes([4]) + b"abcd" + bytes([9, 3, 40, 17]))

# --- moderation_normalize ----------------------------------------------------
texts = {
    "ascii": "Hello, World! 123",
    "fullwidth": "ＦＲＥＥ　ｍｏｎｅｙ",
    "homoglyphs": "frее сhір ѕсаm",  # Cyrillic look-alikes
    "zero-width": "b\u200bad\u200dw\ufeffo\u2060rd",
    "combining": "e\u0301 a\u0308 Z\u0351\u0352\u0353a\u036fl\u0489go",
    "ligatures": "\ufb01nance \ufb02ow \u00df STRASSE \u1e9e",
    "sigma": "ΟΔΥΣΣΕΥΣ ὀδυσσεύς",
    "traditional": "這個網站很好，發財",
    "cjk-mixed": "买 币 加 微 信 12３４５",
    "kana-halfwidth": "ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟ",
    "hangul-jamo": "\u1100\u1161\u11a8 한국어",
    "emoji-zwj": "👨\u200d👩\u200d👧 🅵🆁🅴🅴 🌢",
    "max-expansion": "\ufdfa\ufdfb",
    "circled-math": "ⓕⓡⓔⓔ 𝐟𝐫𝐞𝐞 𝔣𝔯𝔢𝔢",
    "arabic-devanagari": "مرحبا नमस्ते",
    "tags-variation": "a\U000e0041\ufe0fb\U000e007f",
    "lone-marks": "\u0301\u0308x\u0301",
    "enclosed": "🄰🄱 ⒜⒝ ①②",
}
for name, t in texts.items():
    write("moderation_normalize", name, t)
print("seeds written to", ROOT)
