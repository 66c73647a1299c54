// The session against a fake gateway: login and guests, delivery and the
// own-message echo, tips and notices, gaps, errors, kicks, keepalive and
// reconnection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import TIM, { ChatSDK } from '../../dist/roomcast.esm.js';
import { FakeServer, collect, nextEvent, room, sleep, textEvent, tipEvent, until } from '../support/fake-server.mjs';

const APP = 1400000000;
const fast = { reconnect: { minDelayMs: 10, maxDelayMs: 40 } };

function sdk(server = new FakeServer(), extra = {}) {
  const tim = new ChatSDK({ SDKAppID: APP, server: 'ws://127.0.0.1:1', WebSocket: server.WebSocket, ...fast, ...extra });
  tim.setLogLevel(4);
  return { tim, server };
}

async function loggedIn(user = 'alice', room = 'live-1') {
  const { tim, server } = sdk();
  await tim.login({ userID: user, userSig: `sig-${user}` });
  await tim.joinGroup({ groupID: room });
  return { tim, server };
}

test('login emits SDK_READY; joinGroup resolves the status and the group', async () => {
  const { tim, server } = sdk();
  const ready = nextEvent(tim, TIM.EVENT.SDK_READY);
  const r = await tim.login({ userID: 'alice', userSig: 'sig' });
  assert.deepEqual(r, { code: 0, data: { repeatLogin: false } });
  await ready;
  assert.deepEqual(server.requests[0].frame.data, { sdkAppId: APP, userId: 'alice', userSig: 'sig' });
  const again = await tim.login({ userID: 'alice', userSig: 'sig' });
  assert.equal(again.data.repeatLogin, true);
  await assert.rejects(tim.login({ userID: 'bob', userSig: 'sig' }), /logout/);

  const j = await tim.joinGroup({ groupID: 'live-1', type: TIM.TYPES.GRP_AVCHATROOM });
  assert.equal(j.data.status, TIM.TYPES.JOIN_STATUS_SUCCESS);
  const g = j.data.group;
  assert.equal(g.groupID, 'live-1');
  assert.equal(g.type, 'AVChatRoom');
  assert.equal(g.name, 'Launch party');
  assert.equal(g.avatar, 'https://x/face.png');
  assert.equal(g.ownerID, 'anchor');
  assert.equal(g.memberCount, 3);
  assert.equal(g.createTime, 1764150000);
  assert.deepEqual(g.groupCustomField, [{ key: 'topic', value: 'music' }]);
  server.handlers.join = (d) => ({ data: { roomId: d.roomId, status: 'already_in_group', room: room(d.roomId) } });
  assert.equal((await tim.joinGroup({ groupID: 'live-1' })).data.status, 'AlreadyInGroup');
  assert.deepEqual(tim.getJoinedGroupIDs(), ['live-1']);
  const count = await tim.getGroupOnlineMemberCount('live-1');
  assert.deepEqual(count, { code: 0, data: { memberCount: 7 } });
  await tim.destroy();
});

test('a guest joins without login, and logging in later rejoins as the user', async () => {
  const { tim, server } = sdk();
  await tim.joinGroup({ groupID: 'live-1' });
  assert.match(server.last.url, /sdkAppId=1400000000/);
  assert.deepEqual(server.ops(), ['join']);
  await tim.login({ userID: 'alice', userSig: 'sig' });
  // The server logs in only connections in no room.
  assert.deepEqual(server.ops(), ['join', 'quit', 'login', 'join']);
  assert.equal(server.sockets.length, 1, 'the same connection');
  assert.deepEqual(tim.getJoinedGroupIDs(), ['live-1']);
  await tim.destroy();
});

test('received messages carry the fields TIM apps render', async () => {
  const { tim, server } = await loggedIn();
  const got = nextEvent(tim, TIM.EVENT.MESSAGE_RECEIVED);
  server.push([
    textEvent('live-1', 1, 'bob', 'hello'),
    {
      roomId: 'live-1', seq: 2, kind: 'message', time: 1764150001000, priority: 'High', from: 'bob', nick: 'Bob', avatar: 'a.png',
      msgBody: [{ MsgType: 'TIMCustomElem', MsgContent: { Data: '{"gift":"rose"}', Desc: 'rose', Ext: 'x' } }], msgKey: 'k1',
    },
    { roomId: 'live-1', seq: 3, kind: 'message', time: 1764150002000, priority: 'Low', from: 'bob', nick: 'Bob', avatar: '', msgBody: [{ MsgType: 'TIMFaceElem', MsgContent: { Index: 4, Data: 'wow' } }] },
  ]);
  const [text, custom, face] = await got;
  assert.equal(text.type, TIM.TYPES.MSG_TEXT);
  assert.deepEqual(text.payload, { text: 'hello' });
  assert.equal(text.from, 'bob');
  assert.equal(text.nick, 'bob-nick');
  assert.equal(text.avatar, 'https://x/bob.png');
  assert.equal(text.to, 'live-1');
  assert.equal(text.conversationType, 'GROUP');
  assert.equal(text.conversationID, 'GROUPlive-1');
  assert.equal(text.sequence, 1);
  assert.equal(text.time, 1764150000);
  assert.equal(text.flow, 'in');
  assert.equal(text.status, 'success');
  assert.equal(text.priority, 'Normal');
  assert.equal(text.ID, 'live-1-1');
  assert.equal(custom.type, TIM.TYPES.MSG_CUSTOM);
  assert.deepEqual(custom.payload, { data: '{"gift":"rose"}', description: 'rose', extension: 'x' });
  assert.equal(custom.priority, 'High');
  assert.equal(custom.ID, 'k1', 'a message sent with a msgKey keeps it as its ID');
  assert.equal(face.type, TIM.TYPES.MSG_FACE);
  assert.deepEqual(face.payload, { index: 4, data: 'wow' });
  await tim.destroy();
});

test("the sender's own message resolves sendMessage once and is not received again", async () => {
  const { tim, server } = await loggedIn();
  await tim.updateMyProfile({ nick: 'Alice', avatar: 'https://x/alice.png' });
  const received = collect(tim, TIM.EVENT.MESSAGE_RECEIVED);
  // Reply first, then the pushed copy.
  const m1 = tim.createTextMessage({ to: 'live-1', conversationType: 'GROUP', payload: { text: 'one' } });
  const r1 = await tim.sendMessage(m1);
  assert.equal(r1.data.message, m1);
  assert.equal(m1.status, 'success');
  assert.equal(m1.sequence, 1);
  assert.equal(m1.time, 1764150000);
  assert.equal(m1.from, 'alice');
  assert.equal(m1.nick, 'Alice');
  const sent = server.requests.at(-1).frame.data;
  assert.deepEqual(sent, { roomId: 'live-1', msgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'one' } }], priority: 'Normal', msgKey: m1.ID });
  server.push([textEvent('live-1', 1, 'alice', 'one', { msgKey: m1.ID })]);
  // The pushed copy first, then the reply.
  server.handlers.send = (d, socket, frame) => {
    socket.receive({ type: 'messages', messages: [textEvent('live-1', 2, 'alice', 'two', { msgKey: d.msgKey })] });
    setTimeout(() => socket.receive({ id: frame.id, code: 0, message: 'ok', data: { roomId: 'live-1', seq: 2, time: 1764150009000 } }), 5);
    return undefined;
  };
  const m2 = tim.createTextMessage({ to: 'live-1', conversationType: 'GROUP', payload: { text: 'two' } });
  await tim.sendMessage(m2);
  assert.equal(m2.sequence, 2);
  // The same account on another device: received, flow 'out'.
  server.push([textEvent('live-1', 3, 'alice', 'from my phone', { msgKey: 'other-device-key' }), textEvent('live-1', 4, 'bob', 'hi')]);
  await until(() => received.length === 1);
  await sleep(20);
  assert.equal(received.length, 1);
  assert.deepEqual(received[0].map((m) => m.payload.text), ['from my phone', 'hi']);
  assert.equal(received[0][0].flow, 'out');
  assert.equal(received[0][1].flow, 'in');
  await tim.destroy();
});

test('a message the server masked comes back through MESSAGE_MODIFIED', async () => {
  const { tim, server } = await loggedIn();
  const modified = nextEvent(tim, TIM.EVENT.MESSAGE_MODIFIED);
  const m = tim.createTextMessage({ to: 'live-1', conversationType: 'GROUP', payload: { text: 'you idiot' } });
  await tim.sendMessage(m);
  server.push([textEvent('live-1', 1, 'alice', 'you *****', { msgKey: m.ID })]);
  const [same] = await modified;
  assert.equal(same, m);
  assert.equal(m.payload.text, 'you *****');
  assert.equal(m.isModified, true);
  await tim.destroy();
});

test('server errors reject with code, message and data', async () => {
  const { tim, server } = await loggedIn();
  const cases = [
    { code: 10017, message: 'muted', data: { mutedUntil: 1764159999 } },
    { code: 80001, message: 'blocked by content moderation' },
    { code: 200001, message: 'dropped by frequency control', data: { dropReason: 'MsgFreqCtrl' } },
    { code: 10023, message: 'sending too fast', retryable: true },
  ];
  for (const c of cases) {
    server.handlers.send = () => c;
    const m = tim.createTextMessage({ to: 'live-1', conversationType: 'GROUP', payload: { text: 'x' } });
    await assert.rejects(tim.sendMessage(m), (e) => {
      assert.equal(e.code, c.code);
      assert.equal(e.message, c.message);
      assert.equal(e.data.message, m, 'the failed message is in data.message');
      if (c.data) for (const [k, v] of Object.entries(c.data)) assert.equal(e.data[k], v);
      assert.equal(e.retryable, c.retryable === true);
      return true;
    });
    assert.equal(m.status, 'fail');
  }
  await tim.destroy();
});

test('tips and notices become MSG_GRP_TIP and MSG_GRP_SYS_NOTICE messages', async () => {
  const { tim, server } = await loggedIn();
  const got = nextEvent(tim, TIM.EVENT.MESSAGE_RECEIVED);
  server.push([
    tipEvent('live-1', 1, { opType: 1, type: 'memberJoined', users: ['bob'], members: [{ userId: 'bob', nick: 'Bob', avatar: 'b.png' }] }),
    tipEvent('live-1', 2, { opType: 7, type: 'memberProfileUpdated', operator: 'anchor', users: ['bob'], muteSecs: 60 }),
    tipEvent('live-1', 3, { opType: 6, type: 'roomProfileUpdated', users: [], changes: { name: 'New', custom: { topic: 'art' }, muteAll: true } }),
    tipEvent('live-1', 4, { opType: 10, type: 'memberBanned', operator: 'anchor', users: ['carol'], banSecs: 300 }),
    { roomId: 'live-1', seq: 5, kind: 'notice', time: 1764150003000, priority: 'High', notice: 'Stream starts soon' },
  ]);
  const [join, mute, profile, ban, notice] = await got;
  assert.equal(join.type, TIM.TYPES.MSG_GRP_TIP);
  assert.equal(join.payload.operationType, TIM.TYPES.GRP_TIP_MBR_JOIN);
  assert.equal(join.payload.operatorID, 'bob');
  assert.deepEqual(join.payload.userIDList, ['bob']);
  assert.deepEqual(join.payload.memberList, [{ userID: 'bob', nick: 'Bob', avatar: 'b.png' }]);
  assert.equal(join.payload.groupProfile.groupID, 'live-1');
  assert.equal(join.conversationID, 'GROUPlive-1');
  assert.equal(mute.payload.operationType, TIM.TYPES.GRP_TIP_MBR_PROFILE_UPDATED);
  assert.equal(mute.payload.operatorID, 'anchor');
  assert.deepEqual(mute.payload.memberList, [{ userID: 'bob', muteTime: 60 }]);
  assert.deepEqual(mute.payload.msgMemberInfo, [{ userID: 'bob', shutupTime: 60 }]);
  assert.equal(profile.payload.operationType, TIM.TYPES.GRP_TIP_GRP_PROFILE_UPDATED);
  assert.deepEqual(profile.payload.newGroupProfile, { name: 'New', muteAllMembers: true, groupCustomField: [{ key: 'topic', value: 'art' }] });
  assert.deepEqual(ban.payload.memberList, [{ userID: 'carol', banTime: 300 }]);
  assert.equal(notice.type, TIM.TYPES.MSG_GRP_SYS_NOTICE);
  assert.equal(notice.payload.userDefinedField, 'Stream starts soon');
  assert.equal(notice.payload.operationType, 255);
  assert.equal(notice.payload.groupProfile.groupID, 'live-1');
  assert.equal(notice.conversationType, TIM.TYPES.CONV_SYSTEM);
  assert.equal(notice.sequence, 5);
  await tim.destroy();
});

test('a gap in the live stream is filled from the history, in order; repeats are dropped', async () => {
  const { tim, server } = await loggedIn();
  const gaps = collect(tim, TIM.EVENT.MESSAGE_GAP);
  const received = collect(tim, TIM.EVENT.MESSAGE_RECEIVED);
  server.push([textEvent('live-1', 10, 'bob', 'a'), textEvent('live-1', 11, 'bob', 'b')]);
  // 12..14 never reached this client; the server's history has them.
  server.keep([12, 13, 14].map((n) => textEvent('live-1', n, 'bob', `c${n}`)));
  server.push([textEvent('live-1', 11, 'bob', 'b again'), textEvent('live-1', 15, 'bob', 'e')]);
  // Arrives while the history request is in flight: it waits its turn.
  server.push([textEvent('live-1', 16, 'bob', 'f')]);
  server.push([textEvent('other-room', 1, 'bob', 'not joined')]);
  await until(() => received.flat().length === 7);
  await sleep(10);
  assert.deepEqual(received.flat().map((m) => m.payload.text), ['a', 'b', 'c12', 'c13', 'c14', 'e', 'f']);
  assert.deepEqual(gaps, [{ groupID: 'live-1', fromSequence: 12, toSequence: 14, count: 3, recovered: true }]);
  const asked = server.requests.filter((r) => r.frame.op === 'history').map((r) => r.frame.data);
  assert.deepEqual(asked, [{ roomId: 'live-1', beforeSeq: 15, limit: 3 }]);
  await tim.destroy();
});

test('what the history no longer holds is reported lost, and the stream goes on', async () => {
  const { tim, server } = await loggedIn();
  const gaps = collect(tim, TIM.EVENT.MESSAGE_GAP);
  const received = collect(tim, TIM.EVENT.MESSAGE_RECEIVED);
  server.push([textEvent('live-1', 10, 'bob', 'a')]);
  server.keep([textEvent('live-1', 12, 'bob', 'c12')]); // 11 and 13 were evicted
  server.push([textEvent('live-1', 14, 'bob', 'e')]);
  await until(() => received.flat().length === 3);
  await sleep(10);
  assert.deepEqual(received.flat().map((m) => m.payload.text), ['a', 'c12', 'e']);
  assert.deepEqual(gaps, [
    { groupID: 'live-1', fromSequence: 11, toSequence: 11, count: 1, recovered: false },
    { groupID: 'live-1', fromSequence: 13, toSequence: 13, count: 1, recovered: false },
  ]);
  await tim.destroy();
});

test('a lost connection reconnects with backoff, logs in, rejoins with since and receives what it missed', async () => {
  const { tim, server } = await loggedIn();
  await tim.updateMyProfile({ nick: 'Alice' });
  server.push([textEvent('live-1', 1, 'bob', 'before')]);
  await sleep(10);
  const states = collect(tim, TIM.EVENT.NET_STATE_CHANGE);
  const gaps = collect(tim, TIM.EVENT.MESSAGE_GAP);
  const received = collect(tim, TIM.EVENT.MESSAGE_RECEIVED);
  server.refuse = true;
  server.last.drop(1006);
  server.keep([textEvent('live-1', 2, 'bob', 'missed 2'), textEvent('live-1', 3, 'bob', 'missed 3')]);
  await until(() => server.sockets.length >= 3, 3000, 'retries');
  server.refuse = false;
  // The server lost the profile (a restarted standalone server keeps nothing).
  server.requests.length = 0;
  await until(() => states.some((s) => s.state === 'connected'), 3000, 'reconnected');
  assert.equal(states[0].state, 'connecting');
  assert.deepEqual(server.ops(), ['login', 'updateProfile', 'join']);
  assert.deepEqual(server.requests[0].frame.data, { sdkAppId: APP, userId: 'alice', userSig: 'sig-alice' });
  assert.deepEqual(server.requests[1].frame.data, { nick: 'Alice' });
  assert.deepEqual(server.requests[2].frame.data, { roomId: 'live-1', since: { seq: 1, epoch: 'epoch-1' } });
  server.push([textEvent('live-1', 3, 'bob', 'missed 3 (live copy)'), textEvent('live-1', 4, 'bob', 'after')]);
  await until(() => received.flat().length === 3);
  await sleep(10);
  assert.deepEqual(received.flat().map((m) => m.payload.text), ['missed 2', 'missed 3', 'after']);
  assert.deepEqual(gaps, [{ groupID: 'live-1', fromSequence: 2, toSequence: 3, count: 2, recovered: true }]);
  // It keeps working.
  const m = tim.createTextMessage({ to: 'live-1', conversationType: 'GROUP', payload: { text: 'still here' } });
  assert.equal((await tim.sendMessage(m)).code, 0);
  await tim.destroy();
});

test('a rejoin the history cannot cover delivers what is kept and reports the rest lost', async () => {
  const { tim, server } = await loggedIn();
  server.push([textEvent('live-1', 1, 'bob', 'before')]);
  await sleep(10);
  const gaps = collect(tim, TIM.EVENT.MESSAGE_GAP);
  const received = collect(tim, TIM.EVENT.MESSAGE_RECEIVED);
  server.keep([textEvent('live-1', 4, 'bob', 'kept 4')]); // 2 and 3 evicted
  server.last.drop(1006);
  await until(() => server.ops().filter((o) => o === 'join').length === 2, 3000, 'rejoin');
  await until(() => received.flat().length === 1);
  assert.equal(received[0][0].payload.text, 'kept 4');
  assert.deepEqual(gaps, [{ groupID: 'live-1', fromSequence: 2, toSequence: 3, count: 2, recovered: false }]);
  await tim.destroy();
});

test('a re-created room (new epoch) starts its sequence again without a gap', async () => {
  const { tim, server } = await loggedIn();
  server.push([textEvent('live-1', 50, 'bob', 'old')]);
  await sleep(10);
  const gaps = collect(tim, TIM.EVENT.MESSAGE_GAP);
  const received = collect(tim, TIM.EVENT.MESSAGE_RECEIVED);
  server.epoch = 'epoch-2';
  server.history.clear();
  server.last.drop(1006);
  await until(() => server.ops().filter((o) => o === 'join').length === 2, 3000, 'rejoin');
  await sleep(10);
  server.push([textEvent('live-1', 1, 'bob', 'new room')]);
  await until(() => received.length === 1);
  assert.equal(received[0][0].payload.text, 'new room');
  assert.deepEqual(gaps, []);
  await tim.destroy();
});

test('the reconnect push moves at once', async () => {
  const { tim, server } = await loggedIn();
  const slow = new ChatSDK({ SDKAppID: APP, server: 'ws://x', WebSocket: server.WebSocket, reconnect: { minDelayMs: 60000 } });
  slow.setLogLevel(4);
  await slow.joinGroup({ groupID: 'live-1' });
  const before = server.sockets.length;
  server.last.receive({ type: 'reconnect', reason: 'draining' });
  await until(() => server.sockets.length === before + 1, 1000, 'an immediate reconnect despite a 60 s backoff');
  await until(() => slow.getJoinedGroupIDs().length === 1 && server.ops().at(-1) === 'join', 1000);
  await slow.destroy();
  await tim.destroy();
});

test('retries back off exponentially, with jitter, up to the cap', async () => {
  const server = new FakeServer();
  const { tim } = sdk(server, { reconnect: { minDelayMs: 40, maxDelayMs: 200 } });
  await tim.joinGroup({ groupID: 'live-1' });
  const opened = [];
  // Record when the SDK opens each socket.
  const origPush = server.sockets.push.bind(server.sockets);
  server.sockets.push = (s) => {
    opened.push(Date.now());
    return origPush(s);
  };
  server.refuse = true;
  const lost = Date.now();
  server.last.drop(1006);
  await until(() => opened.length >= 8, 5000, 'eight retries');
  const waits = opened.map((t, i) => t - (i === 0 ? lost : opened[i - 1]));
  // Attempt n waits between half and all of min(200, 40·2^n) ms (timers only ever run late).
  const floor = [20, 40, 80, 100, 100, 100, 100, 100];
  waits.forEach((w, i) => assert.ok(w >= floor[i] - 2, `retry ${i} waited ${w} ms, at least ${floor[i]} expected (${waits})`));
  assert.ok(Math.max(...waits) < 200 + 150, `capped: ${waits}`);
  const distinct = new Set(waits.slice(3).map((w) => Math.round(w / 5)));
  assert.ok(distinct.size > 1 || waits.length < 4, `jittered: ${waits}`);
  server.refuse = false;
  await tim.destroy();
});

test('kicked pushes: another login, a ban, a dismissal', async () => {
  const { tim, server } = await loggedIn();
  await tim.joinGroup({ groupID: 'live-2' });
  const received = collect(tim, TIM.EVENT.MESSAGE_RECEIVED);
  server.last.receive({ type: 'kicked', roomId: 'live-1', reason: 'banned' });
  server.last.receive({ type: 'kicked', roomId: 'live-2', reason: 'dismissed' });
  await until(() => received.length === 2);
  assert.deepEqual(received.map(([m]) => [m.type, m.payload.operationType, m.payload.groupProfile.groupID]), [
    ['TIMGroupSystemNoticeElem', 4, 'live-1'],
    ['TIMGroupSystemNoticeElem', 5, 'live-2'],
  ]);
  assert.deepEqual(tim.getJoinedGroupIDs(), []);

  await tim.joinGroup({ groupID: 'live-1' });
  const kicked = nextEvent(tim, TIM.EVENT.KICKED_OUT);
  const notReady = nextEvent(tim, TIM.EVENT.SDK_NOT_READY);
  const sockets = server.sockets.length;
  server.last.receive({ type: 'kicked', roomId: null, reason: 'logged_in_elsewhere' });
  assert.deepEqual(await kicked, { type: TIM.TYPES.KICKED_OUT_MULT_ACCOUNT });
  await notReady;
  await sleep(50);
  assert.equal(server.sockets.length, sockets, 'no reconnect after being kicked out');
  await tim.destroy();
});

test('an expired userSig on re-login kicks out with userSigExpired', async () => {
  const { tim, server } = await loggedIn();
  server.handlers.login = () => ({ code: 70001, message: 'usersig expired' });
  const kicked = nextEvent(tim, TIM.EVENT.KICKED_OUT);
  server.last.drop(1006);
  assert.deepEqual(await kicked, { type: TIM.TYPES.KICKED_OUT_USERSIG_EXPIRED });
  await tim.destroy();
});

test('keepalive: a silent connection is pinged, and closed if the ping goes unanswered', async () => {
  const server = new FakeServer();
  const { tim } = sdk(server, { keepaliveMs: 30, requestTimeoutMs: 30 });
  await tim.joinGroup({ groupID: 'live-1' });
  await until(() => server.ops().includes('ping'), 1000, 'a ping');
  server.handlers.ping = () => undefined; // stops answering
  const first = server.sockets[0];
  await until(() => server.sockets.length > 1 && first.readyState === 3, 2000, 'reconnect after a lost ping');
  await tim.destroy();
});

test('logout quits everything; destroy stops for good', async () => {
  const { tim, server } = await loggedIn();
  const notReady = nextEvent(tim, TIM.EVENT.SDK_NOT_READY);
  await tim.logout();
  await notReady;
  assert.equal(server.ops().at(-1), 'logout');
  assert.deepEqual(tim.getJoinedGroupIDs(), []);
  await tim.destroy();
  await assert.rejects(tim.joinGroup({ groupID: 'live-1' }), (e) => e.code === 2999);
});
