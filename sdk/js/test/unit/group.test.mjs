// Group counters and attributes against a fake gateway: the TIM calls map to
// the protocol's ops, whole-state events become TIM's per-change events, and
// attribute writes are conditional on the version last seen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import TIM, { ChatSDK } from '../../dist/roomcast.esm.js';
import { FakeServer, collect, sleep, textEvent, until } from '../support/fake-server.mjs';

const APP = 1400000000;

async function member(login = true) {
  const server = new FakeServer();
  const tim = new ChatSDK({ SDKAppID: APP, server: 'ws://127.0.0.1:1', WebSocket: server.WebSocket });
  tim.setLogLevel(4);
  if (login) await tim.login({ userID: 'alice', userSig: 'sig-alice' });
  await tim.joinGroup({ groupID: 'live-1' });
  return { tim, server };
}

const counters = (time, values) => ({ roomId: 'live-1', seq: 0, kind: 'counters', time, counters: values });
const attributes = (version, values) => ({ roomId: 'live-1', seq: 0, kind: 'attributes', time: 1764150000000 + version, version, attributes: values });

test('counters events fire GROUP_COUNTER_UPDATED once per changed counter; stale ones are ignored', async () => {
  const { tim, server } = await member();
  const updates = collect(tim, TIM.EVENT.GROUP_COUNTER_UPDATED);
  const received = collect(tim, TIM.EVENT.MESSAGE_RECEIVED);
  server.push([counters(1000, { likes: 5, gifts: 1 })]);
  server.push([counters(2000, { likes: 9, gifts: 1 }), textEvent('live-1', 1, 'bob', 'hi')]);
  server.push([counters(1500, { likes: 7, gifts: 1 })]); // older than the last one applied
  await until(() => received.length === 1);
  await sleep(10);
  assert.deepEqual(updates, [
    { groupID: 'live-1', key: 'likes', value: 5 },
    { groupID: 'live-1', key: 'gifts', value: 1 },
    { groupID: 'live-1', key: 'likes', value: 9 },
  ]);
  // Outside the sequence: they neither open a gap nor block messages.
  assert.equal(received[0][0].payload.text, 'hi');
  await tim.destroy();
});

test('counter calls map to the protocol ops and resolve as TIM does', async () => {
  const { tim, server } = await member();
  server.handlers.increaseCounter = (d) => ({ data: { roomId: d.roomId, key: d.key, value: 41 + d.value } });
  server.handlers.decreaseCounter = (d) => ({ data: { roomId: d.roomId, key: d.key, value: 40 - d.value } });
  server.handlers.setCounters = (d) => ({ data: { roomId: d.roomId, counters: d.counters } });
  server.handlers.getCounters = (d) => ({ data: { roomId: d.roomId, counters: { likes: 42 } } });
  assert.deepEqual((await tim.increaseGroupCounter({ groupID: 'live-1', key: 'likes', value: 1 })).data, { groupID: 'live-1', key: 'likes', value: 42 });
  assert.deepEqual((await tim.decreaseGroupCounter({ groupID: 'live-1', key: 'stock', value: 2 })).data, { groupID: 'live-1', key: 'stock', value: 38 });
  assert.deepEqual((await tim.setGroupCounters({ groupID: 'live-1', counters: { a: 1, b: -2 } })).data, { groupID: 'live-1', counters: { a: 1, b: -2 } });
  assert.deepEqual((await tim.getGroupCounters({ groupID: 'live-1', keyList: ['likes'] })).data, { groupID: 'live-1', counters: { likes: 42 } });
  const sent = server.requests.map((r) => r.frame).filter((f) => f.op.endsWith('Counter') || f.op.endsWith('Counters'));
  assert.deepEqual(sent.map((f) => [f.op, f.data]), [
    ['increaseCounter', { roomId: 'live-1', key: 'likes', value: 1 }],
    ['decreaseCounter', { roomId: 'live-1', key: 'stock', value: 2 }],
    ['setCounters', { roomId: 'live-1', counters: { a: 1, b: -2 } }],
    ['getCounters', { roomId: 'live-1', keys: ['likes'] }],
  ]);
  // A counters event repeating what a reply already told is not an update.
  const updates = collect(tim, TIM.EVENT.GROUP_COUNTER_UPDATED);
  server.push([counters(5000, { likes: 42, stock: 38, a: 1, b: -2 })]);
  await sleep(20);
  assert.deepEqual(updates, []);
  await tim.destroy();
});

test('counter and attribute arguments are checked before anything is sent', async () => {
  const { tim, server } = await member();
  const before = server.requests.length;
  const code = (n) => (e) => e.code === n;
  await assert.rejects(tim.increaseGroupCounter({ groupID: 'live-1', key: '', value: 1 }), code(10004));
  await assert.rejects(tim.increaseGroupCounter({ groupID: 'live-1', key: 'k'.repeat(129), value: 1 }), code(10004));
  await assert.rejects(tim.increaseGroupCounter({ groupID: 'live-1', key: 'likes', value: -1 }), code(10004));
  await assert.rejects(tim.increaseGroupCounter({ groupID: 'live-1', key: 'likes', value: 1.5 }), code(10004));
  await assert.rejects(tim.setGroupCounters({ groupID: 'live-1', counters: Object.fromEntries([...Array(21)].map((_, i) => [`c${i}`, 1])) }), code(10004));
  await assert.rejects(tim.setGroupAttributes({ groupID: 'live-1', groupAttributes: { ['k'.repeat(33)]: 'v' } }), code(10004));
  await assert.rejects(tim.setGroupAttributes({ groupID: 'live-1', groupAttributes: { k: 'v'.repeat(4097) } }), code(10004));
  await assert.rejects(tim.setGroupAttributes({ groupID: 'live-1', groupAttributes: { k: 1 } }), code(10004));
  await assert.rejects(tim.getGroupAttributes({ groupID: '', keyList: [] }), code(10015));
  assert.equal(server.requests.length, before);
  await tim.destroy();
  // Guests read but do not write.
  const guest = await member(false);
  guest.server.handlers.getCounters = (d) => ({ data: { roomId: d.roomId, counters: {} } });
  assert.equal((await guest.tim.getGroupCounters({ groupID: 'live-1' })).code, 0);
  await assert.rejects(guest.tim.increaseGroupCounter({ groupID: 'live-1', key: 'likes', value: 1 }), code(6014));
  await guest.tim.destroy();
});

test('attributes: events fire GROUP_ATTRIBUTES_UPDATED when newer; writes name the version last seen', async () => {
  const { tim, server } = await member();
  const updates = collect(tim, TIM.EVENT.GROUP_ATTRIBUTES_UPDATED);
  let version = 3;
  let map = { seat1: 'bob' };
  server.handlers.getAttributes = (d) => ({ data: { roomId: d.roomId, version, attributes: map } });
  server.handlers.setAttributes = (d) => {
    if (d.version !== undefined && d.version !== version) return { code: 10056, message: 'attributes changed since version' };
    version += 1;
    map = { ...map, ...d.attributes };
    return { data: { roomId: d.roomId, version, attributes: map } };
  };
  server.handlers.deleteAttributes = (d) => {
    version += 1;
    map = {};
    return { data: { roomId: d.roomId, version, attributes: map } };
  };
  assert.deepEqual((await tim.getGroupAttributes({ groupID: 'live-1', keyList: ['seat1', 'nope'] })).data, { groupAttributes: { seat1: 'bob' } });
  assert.deepEqual(updates, [{ groupID: 'live-1', groupAttributes: { seat1: 'bob' } }]);
  server.push([attributes(2, { seat1: 'stale' })]); // older than version 3
  await sleep(10);
  assert.equal(updates.length, 1);

  assert.deepEqual((await tim.setGroupAttributes({ groupID: 'live-1', groupAttributes: { seat2: 'alice' } })).data, { groupAttributes: { seat2: 'alice' } });
  const set = server.requests.map((r) => r.frame).filter((f) => f.op === 'setAttributes');
  assert.deepEqual(set[0].data, { roomId: 'live-1', attributes: { seat2: 'alice' }, version: 3 });

  // Someone else wrote meanwhile: the write is refused with 10056, the SDK
  // reads the new map (an update event) and the app may retry.
  version = 9;
  map = { seat1: 'carol', seat2: 'alice' };
  await assert.rejects(tim.setGroupAttributes({ groupID: 'live-1', groupAttributes: { seat1: 'alice' } }), (e) => e.code === 10056);
  assert.deepEqual(updates.at(-1), { groupID: 'live-1', groupAttributes: { seat1: 'carol', seat2: 'alice' } });
  assert.equal((await tim.setGroupAttributes({ groupID: 'live-1', groupAttributes: { seat3: 'alice' } })).code, 0);
  assert.deepEqual((await tim.deleteGroupAttributes({ groupID: 'live-1', keyList: [] })).data, { keyList: [] });
  const del = server.requests.map((r) => r.frame).filter((f) => f.op === 'deleteAttributes');
  assert.deepEqual(del[0].data, { roomId: 'live-1', version: 10 });
  await tim.destroy();
});

test('getMessageList pages back through the room history', async () => {
  const { tim, server } = await member();
  server.keep([1, 2, 3, 4, 5].map((n) => textEvent('live-1', n, 'bob', `m${n}`)));
  const first = await tim.getMessageList({ conversationID: 'GROUPlive-1', count: 3 });
  assert.deepEqual(first.data.messageList.map((m) => m.payload.text), ['m3', 'm4', 'm5']);
  assert.equal(first.data.isCompleted, false);
  const second = await tim.getMessageList({ conversationID: 'GROUPlive-1', count: 3, nextReqMessageID: first.data.nextReqMessageID });
  assert.deepEqual(second.data.messageList.map((m) => m.payload.text), ['m1', 'm2']);
  assert.equal(second.data.isCompleted, true);
  await assert.rejects(tim.getMessageList({ conversationID: 'C2Cbob' }), (e) => e.code === 10004);
  await tim.destroy();
});
