// The SDK against the real `roomcast` binary: the flows of the AVChatRoom
// web guide, every kind of message and tip, moderation errors, kicks, and
// reconnection across a lost connection and a server restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import WebSocket from 'ws';
import TIM, { ChatSDK } from '../../dist/roomcast.esm.js';
import { DEV_APP, RoomcastServer } from '../support/server.mjs';
import { collect, nextEvent, sleep, until } from '../support/fake-server.mjs';

const ROOM = 'demo'; // created by the server on the generated dev config

function client(server, extra = {}) {
  const tim = new ChatSDK({ SDKAppID: DEV_APP, server: server.http, WebSocket, reconnect: { minDelayMs: 100, maxDelayMs: 1000 }, ...extra });
  tim.setLogLevel(4);
  return tim;
}

async function user(server, id, nick, extra) {
  const tim = client(server, extra);
  await tim.login({ userID: id, userSig: await server.usersig(id) });
  if (nick) await tim.updateMyProfile({ nick, avatar: `https://img.example/${id}.png` });
  await tim.joinGroup({ groupID: ROOM });
  return tim;
}

/** Waits for the first received message that matches `pred`. */
function receive(tim, pred, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      tim.off(TIM.EVENT.MESSAGE_RECEIVED, h);
      reject(new Error('no matching message'));
    }, timeoutMs);
    const h = (e) => {
      const m = e.data.find(pred);
      if (m) {
        clearTimeout(timer);
        tim.off(TIM.EVENT.MESSAGE_RECEIVED, h);
        resolve(m);
      }
    };
    tim.on(TIM.EVENT.MESSAGE_RECEIVED, h);
  });
}

const isText = (t) => (m) => m.type === TIM.TYPES.MSG_TEXT && m.payload.text === t;
const text = (tim, to, t, priority) => tim.createTextMessage({ to, conversationType: TIM.TYPES.CONV_GROUP, priority, payload: { text: t } });

describe('against the real server (generated dev config)', () => {
  let server;
  before(async () => {
    server = await RoomcastServer.start();
  });
  after(async () => {
    await server?.dispose();
  });

  test('the guide: guest and users join, send text, custom and face messages, and render them', async () => {
    const guest = client(server);
    const joined = await guest.joinGroup({ groupID: ROOM, type: TIM.TYPES.GRP_AVCHATROOM });
    assert.equal(joined.code, 0);
    assert.equal(joined.data.status, TIM.TYPES.JOIN_STATUS_SUCCESS);
    assert.equal(joined.data.group.groupID, ROOM);
    assert.equal(joined.data.group.name, 'Roomcast demo');
    assert.equal(joined.data.group.type, 'AVChatRoom');

    const alice = client(server);
    const ready = nextEvent(alice, TIM.EVENT.SDK_READY);
    await alice.login({ userID: 'alice', userSig: await server.usersig('alice') });
    await ready;
    const profile = await alice.updateMyProfile({ nick: 'Alice', avatar: 'https://img.example/alice.png' });
    assert.deepEqual(profile.data, { userID: 'alice', nick: 'Alice', avatar: 'https://img.example/alice.png' });
    const bobJoins = receive(alice, (m) => m.type === TIM.TYPES.MSG_GRP_TIP && m.payload.userIDList.includes('bob'));
    await alice.joinGroup({ groupID: ROOM });
    const bob = await user(server, 'bob', 'Bob');
    const tip = await bobJoins;
    assert.equal(tip.payload.operationType, TIM.TYPES.GRP_TIP_MBR_JOIN);
    assert.deepEqual(tip.payload.memberList, [{ userID: 'bob', nick: 'Bob', avatar: 'https://img.example/bob.png' }]);

    const aliceGot = collect(alice, TIM.EVENT.MESSAGE_RECEIVED);
    const atGuest = receive(guest, isText('hello room'));
    const atBob = receive(bob, isText('hello room'));
    const sent = await alice.sendMessage(text(alice, ROOM, 'hello room', TIM.TYPES.MSG_PRIORITY_HIGH));
    assert.equal(sent.code, 0);
    const mine = sent.data.message;
    assert.equal(mine.status, 'success');
    assert.ok(mine.sequence > 0);
    for (const m of [await atGuest, await atBob]) {
      assert.equal(m.from, 'alice');
      assert.equal(m.nick, 'Alice');
      assert.equal(m.avatar, 'https://img.example/alice.png');
      assert.equal(m.to, ROOM);
      assert.equal(m.conversationType, TIM.TYPES.CONV_GROUP);
      assert.equal(m.priority, TIM.TYPES.MSG_PRIORITY_HIGH);
      assert.equal(m.sequence, mine.sequence);
      assert.equal(m.ID, mine.ID, 'sender and receivers agree on the ID');
      assert.equal(m.time, mine.time);
      assert.equal(m.flow, 'in');
    }

    const gift = alice.createCustomMessage({
      to: ROOM,
      conversationType: TIM.TYPES.CONV_GROUP,
      priority: TIM.TYPES.MSG_PRIORITY_HIGH,
      payload: { data: JSON.stringify({ type: 'gift', gift: 'rose' }), description: 'rose', extension: 'x1' },
    });
    const giftAtGuest = receive(guest, (m) => m.type === TIM.TYPES.MSG_CUSTOM);
    await alice.sendMessage(gift);
    const g = await giftAtGuest;
    assert.deepEqual(g.payload, { data: '{"type":"gift","gift":"rose"}', description: 'rose', extension: 'x1' });
    assert.equal(g.priority, 'High');

    const faceAtBob = receive(bob, (m) => m.type === TIM.TYPES.MSG_FACE);
    await alice.sendMessage(alice.createFaceMessage({ to: ROOM, conversationType: TIM.TYPES.CONV_GROUP, priority: TIM.TYPES.MSG_PRIORITY_LOW, payload: { index: 5, data: 'clap' } }));
    const f = await faceAtBob;
    assert.deepEqual(f.payload, { index: 5, data: 'clap' });
    assert.equal(f.priority, 'Low');

    // Alice's own three messages came back to her connection from the server,
    // and none was repeated through MESSAGE_RECEIVED.
    await sleep(300);
    const own = aliceGot.flat().filter((m) => m.from === 'alice' && m.type !== TIM.TYPES.MSG_GRP_TIP);
    assert.deepEqual(own, []);

    // A guest only receives.
    await assert.rejects(guest.sendMessage(text(guest, ROOM, 'may I?')), (e) => e.code === 6014);

    const count = await guest.getGroupOnlineMemberCount(ROOM);
    assert.ok(count.data.memberCount >= 3, JSON.stringify(count));
    const prof = await guest.getGroupProfile({ groupID: ROOM });
    assert.equal(prof.data.group.groupID, ROOM);

    await bob.quitGroup(ROOM);
    assert.deepEqual(bob.getJoinedGroupIDs(), []);
    await Promise.all([guest.destroy(), alice.destroy(), bob.destroy()]);
  });

  test('operators: a system notice, a mute, a room profile change, a ban', async () => {
    const carol = await user(server, 'carol', 'Carol');
    const dave = await user(server, 'dave', 'Dave');

    const notice = receive(carol, (m) => m.type === TIM.TYPES.MSG_GRP_SYS_NOTICE);
    await server.admin('notice', ROOM, 'Stream starts in 5 minutes');
    const n = await notice;
    assert.equal(n.payload.userDefinedField, 'Stream starts in 5 minutes');
    assert.equal(n.payload.groupProfile.groupID, ROOM);
    assert.equal(n.payload.operationType, 255);

    const muteTip = receive(carol, (m) => m.type === TIM.TYPES.MSG_GRP_TIP && m.payload.operationType === TIM.TYPES.GRP_TIP_MBR_PROFILE_UPDATED);
    await server.admin('mute', ROOM, '--duration', '60', 'dave');
    const mt = await muteTip;
    assert.deepEqual(mt.payload.userIDList, ['dave']);
    assert.deepEqual(mt.payload.memberList, [{ userID: 'dave', muteTime: 60 }]);
    await assert.rejects(dave.sendMessage(text(dave, ROOM, 'can you hear me')), (e) => {
      assert.equal(e.code, 10017);
      assert.ok(e.data.mutedUntil > Date.now() / 1000, JSON.stringify(e.data));
      assert.equal(e.data.message.status, 'fail');
      return true;
    });
    await server.admin('unmute', ROOM, 'dave');

    const profileTip = receive(carol, (m) => m.type === TIM.TYPES.MSG_GRP_TIP && m.payload.operationType === TIM.TYPES.GRP_TIP_GRP_PROFILE_UPDATED);
    await server.admin('modify', ROOM, '--notification', 'Be nice', '--custom', 'topic=music');
    const pt = await profileTip;
    assert.equal(pt.payload.newGroupProfile.notification, 'Be nice');
    assert.deepEqual(pt.payload.newGroupProfile.groupCustomField, [{ key: 'topic', value: 'music' }]);

    const removed = receive(dave, (m) => m.type === TIM.TYPES.MSG_GRP_SYS_NOTICE && m.payload.operationType === 4);
    await server.admin('ban', ROOM, '--duration', '60', 'dave');
    await removed;
    assert.deepEqual(dave.getJoinedGroupIDs(), []);
    await assert.rejects(dave.joinGroup({ groupID: ROOM }), (e) => e.code === 10007 && e.data.bannedUntil > 0);
    await server.admin('unban', ROOM, 'dave');
    await Promise.all([carol.destroy(), dave.destroy()]);
  });

  test('moderation: blocked (80001), masked (MESSAGE_MODIFIED), oversized (80002, never sent)', async () => {
    await server.admin('terms', 'add', '--category', 'custom', 'badword');
    await server.admin('terms', 'add', '--category', 'abuse', 'dummy');
    const erin = await user(server, 'erin', 'Erin');
    const oscar = await user(server, 'oscar', 'Oscar');
    await assert.rejects(erin.sendMessage(text(erin, ROOM, 'you badword')), (e) => e.code === 80001);

    const modified = nextEvent(erin, TIM.EVENT.MESSAGE_MODIFIED);
    const atOscar = receive(oscar, (m) => m.from === 'erin');
    const m = text(erin, ROOM, 'you dummy');
    await erin.sendMessage(m);
    assert.equal((await atOscar).payload.text, 'you *****');
    const [same] = await modified;
    assert.equal(same, m);
    assert.equal(m.payload.text, 'you *****', 'the sender sees what the room saw');
    assert.equal(m.isModified, true);

    const huge = text(erin, ROOM, 'x'.repeat(13000));
    await assert.rejects(erin.sendMessage(huge), (e) => e.code === 80002);
    await Promise.all([erin.destroy(), oscar.destroy()]);
  });

  test('a lost connection: reconnect, log in, rejoin with since; the missed events arrive, in order', async () => {
    // A TCP proxy between frank and the server that the test can cut.
    const sockets = new Set();
    let refuse = false;
    const proxy = createServer((c) => {
      if (refuse) return c.destroy();
      const s = connect(server.httpPort, '127.0.0.1');
      sockets.add(c).add(s);
      c.pipe(s).pipe(c);
      const end = () => { c.destroy(); s.destroy(); };
      c.on('error', end).on('close', end);
      s.on('error', end).on('close', end);
    });
    await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
    const via = `http://127.0.0.1:${proxy.address().port}`;
    const frank = client(server, { server: via });
    await frank.login({ userID: 'frank', userSig: await server.usersig('frank') });
    await frank.updateMyProfile({ nick: 'Frank' });
    await frank.joinGroup({ groupID: ROOM });
    const grace = await user(server, 'grace', 'Grace');
    const first = receive(frank, isText('before the cut'));
    await grace.sendMessage(text(grace, ROOM, 'before the cut'));
    await first;

    const states = collect(frank, TIM.EVENT.NET_STATE_CHANGE);
    const gaps = collect(frank, TIM.EVENT.MESSAGE_GAP);
    const texts = [];
    frank.on(TIM.EVENT.MESSAGE_RECEIVED, (e) => texts.push(...e.data.filter((m) => m.type === TIM.TYPES.MSG_TEXT).map((m) => m.payload.text)));
    refuse = true;
    for (const s of sockets) s.destroy();
    await until(() => states.some((s) => s.state === 'connecting'), 5000, 'connecting');
    for (const t of ['missed 1', 'missed 2', 'missed 3']) await grace.sendMessage(text(grace, ROOM, t));
    refuse = false;
    await until(() => states.some((s) => s.state === 'connected'), 10000, 'reconnected');
    const after = receive(frank, isText('after the cut'));
    await grace.sendMessage(text(grace, ROOM, 'after the cut'));
    const m = await after;
    assert.equal(m.nick, 'Grace');
    // What was sent while frank was away came back from the room's history
    // with the rejoin, before what followed, each once.
    assert.deepEqual(texts.filter((t) => t.startsWith('missed') || t.startsWith('after')), ['missed 1', 'missed 2', 'missed 3', 'after the cut']);
    assert.equal(gaps.length, 1, JSON.stringify(gaps));
    assert.equal(gaps[0].groupID, ROOM);
    assert.equal(gaps[0].recovered, true, JSON.stringify(gaps[0]));
    assert.ok(gaps[0].count >= 3, JSON.stringify(gaps[0]));
    // Frank is a logged-in member again: he can send.
    const back = receive(grace, isText('frank is back'));
    await frank.sendMessage(text(frank, ROOM, 'frank is back'));
    assert.equal((await back).nick, 'Frank');
    await Promise.all([frank.destroy(), grace.destroy()]);
    proxy.close();
  });

  test('group counters and attributes: likes aggregate into one update, attribute writes reach every member', async () => {
    const ivan = await user(server, 'ivan', 'Ivan');
    const guest = client(server);
    await guest.joinGroup({ groupID: ROOM });
    const likes = collect(guest, TIM.EVENT.GROUP_COUNTER_UPDATED);
    const seats = collect(guest, TIM.EVENT.GROUP_ATTRIBUTES_UPDATED);
    const start = (await guest.getGroupCounters({ groupID: ROOM, keyList: ['likes'] })).data.counters.likes ?? 0;
    for (let i = 0; i < 10; i++) await ivan.increaseGroupCounter({ groupID: ROOM, key: 'likes', value: 1 });
    await until(() => likes.some((u) => u.key === 'likes' && u.value === start + 10), 5000, 'likes pushed');
    // Ten likes inside one publish interval are at most a couple of pushes, not ten.
    assert.ok(likes.length <= 3, JSON.stringify(likes));
    // Members may only increase likes (the default policy): the server refuses, the code comes through.
    await assert.rejects(ivan.setGroupCounters({ groupID: ROOM, counters: { likes: 0 } }), (e) => e.code === 10007);
    await assert.rejects(guest.increaseGroupCounter({ groupID: ROOM, key: 'likes', value: 1 }), (e) => e.code === 6014);

    await ivan.setGroupAttributes({ groupID: ROOM, groupAttributes: { seat1: 'ivan' } });
    await until(() => seats.some((u) => u.groupAttributes.seat1 === 'ivan'), 5000, 'attributes pushed');
    assert.deepEqual((await guest.getGroupAttributes({ groupID: ROOM, keyList: ['seat1'] })).data, { groupAttributes: { seat1: 'ivan' } });
    await ivan.deleteGroupAttributes({ groupID: ROOM, keyList: ['seat1'] });
    await until(() => seats.some((u) => !('seat1' in u.groupAttributes)), 5000, 'deletion pushed');
    await Promise.all([ivan.destroy(), guest.destroy()]);
  });

  test('getMessageList reads the room history a late joiner missed', async () => {
    const judy = await user(server, 'judy', 'Judy');
    for (const t of ['history 1', 'history 2', 'history 3']) await judy.sendMessage(text(judy, ROOM, t));
    const late = client(server);
    await late.joinGroup({ groupID: ROOM });
    const page = await late.getMessageList({ conversationID: `GROUP${ROOM}`, count: 3 });
    const texts = page.data.messageList.filter((m) => m.type === TIM.TYPES.MSG_TEXT);
    assert.deepEqual(texts.map((m) => m.payload.text), ['history 1', 'history 2', 'history 3']);
    assert.equal(texts[2].nick, 'Judy');
    const older = await late.getMessageList({ conversationID: `GROUP${ROOM}`, count: 1, nextReqMessageID: page.data.nextReqMessageID });
    assert.ok(older.data.messageList.length === 1 && older.data.messageList[0].sequence < page.data.messageList[0].sequence);
    await Promise.all([judy.destroy(), late.destroy()]);
  });

  test('a server restart: the draining push moves the client, which logs in, restores its profile and rejoins', async () => {
    const heidi = await user(server, 'heidi', 'Heidi');
    const guest = client(server);
    await guest.joinGroup({ groupID: ROOM });
    const states = collect(heidi, TIM.EVENT.NET_STATE_CHANGE);
    const guestStates = collect(guest, TIM.EVENT.NET_STATE_CHANGE);
    await server.restart();
    await until(() => states.some((s) => s.state === 'connected') && guestStates.some((s) => s.state === 'connected'), 20000, 'both reconnected');
    assert.equal(states[0].state, 'connecting');
    // The restarted server kept nothing: the SDK logged in again, set the
    // nick again and rejoined the (re-created) room.
    const atGuest = receive(guest, isText('after the restart'));
    await heidi.sendMessage(text(heidi, ROOM, 'after the restart'));
    const m = await atGuest;
    assert.equal(m.nick, 'Heidi');
    assert.equal(m.avatar, 'https://img.example/heidi.png');
    await Promise.all([heidi.destroy(), guest.destroy()]);
  });
});

describe('against a server with tight limits', () => {
  let server;
  before(async () => {
    server = await RoomcastServer.start({
      env: {
        ROOMCAST_ROOMS__FREQUENCY__ROOM_CAP_PER_SEC: '3',
        ROOMCAST_GATEWAY__MAX_CONNECTIONS_PER_USER: '1',
      },
    });
  });
  after(async () => {
    await server?.dispose();
  });

  test('frequency control: a dropped message rejects with 200001 and its drop reason', async () => {
    const ivan = await user(server, 'ivan', 'Ivan');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => ivan.sendMessage(text(ivan, ROOM, `like ${i}`, TIM.TYPES.MSG_PRIORITY_LOWEST))),
    );
    const dropped = results.filter((r) => r.status === 'rejected');
    assert.ok(dropped.length > 0, 'some were dropped');
    for (const d of dropped) {
      assert.equal(d.reason.code, 200001, d.reason.message);
      assert.equal(d.reason.data.dropReason, 'MsgFreqCtrl');
      assert.equal(d.reason.retryable, false);
    }
    await ivan.destroy();
  });

  test('another login of the same user kicks the first instance out', async () => {
    const first = await user(server, 'judy', 'Judy');
    const kicked = nextEvent(first, TIM.EVENT.KICKED_OUT, 5000);
    const notReady = nextEvent(first, TIM.EVENT.SDK_NOT_READY, 5000);
    const second = await user(server, 'judy');
    assert.deepEqual(await kicked, { type: TIM.TYPES.KICKED_OUT_MULT_ACCOUNT });
    await notReady;
    assert.deepEqual(first.getJoinedGroupIDs(), []);
    await sleep(500);
    assert.equal((await second.getGroupOnlineMemberCount(ROOM)).code, 0, 'the second one still works');
    await Promise.all([first.destroy(), second.destroy()]);
  });
});
