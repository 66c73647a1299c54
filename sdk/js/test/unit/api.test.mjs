// The public surface: TIM's constant values, create(), argument checks made
// before anything is sent, and message objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import TIM, { ChatSDK, TIMError } from '../../dist/roomcast.esm.js';
import { FakeServer } from '../support/fake-server.mjs';

const APP = 1400000000;

function sdk(server = new FakeServer(), extra = {}) {
  const tim = new ChatSDK({ SDKAppID: APP, server: 'ws://127.0.0.1:1', WebSocket: server.WebSocket, ...extra });
  tim.setLogLevel(4);
  return { tim, server };
}

test('constants have the values of TIM v2', () => {
  const E = TIM.EVENT;
  assert.equal(E.SDK_READY, 'sdkStateReady');
  assert.equal(E.SDK_NOT_READY, 'sdkStateNotReady');
  assert.equal(E.MESSAGE_RECEIVED, 'onMessageReceived');
  assert.equal(E.MESSAGE_MODIFIED, 'onMessageModified');
  assert.equal(E.KICKED_OUT, 'kickedOut');
  assert.equal(E.ERROR, 'error');
  assert.equal(E.NET_STATE_CHANGE, 'netStateChange');
  assert.equal(E.GROUP_ATTRIBUTES_UPDATED, 'groupAttributesUpdated');
  assert.equal(E.GROUP_COUNTER_UPDATED, 'onGroupCounterUpdated');
  const T = TIM.TYPES;
  const want = {
    MSG_TEXT: 'TIMTextElem',
    MSG_CUSTOM: 'TIMCustomElem',
    MSG_FACE: 'TIMFaceElem',
    MSG_GRP_TIP: 'TIMGroupTipElem',
    MSG_GRP_SYS_NOTICE: 'TIMGroupSystemNoticeElem',
    CONV_GROUP: 'GROUP',
    CONV_SYSTEM: '@TIM#SYSTEM',
    GRP_AVCHATROOM: 'AVChatRoom',
    MSG_PRIORITY_HIGH: 'High',
    MSG_PRIORITY_NORMAL: 'Normal',
    MSG_PRIORITY_LOW: 'Low',
    MSG_PRIORITY_LOWEST: 'Lowest',
    GRP_TIP_MBR_JOIN: 1,
    GRP_TIP_MBR_QUIT: 2,
    GRP_TIP_MBR_KICKED_OUT: 3,
    GRP_TIP_MBR_SET_ADMIN: 4,
    GRP_TIP_MBR_CANCELED_ADMIN: 5,
    GRP_TIP_GRP_PROFILE_UPDATED: 6,
    GRP_TIP_MBR_PROFILE_UPDATED: 7,
    GRP_TIP_BAN_AVCHATROOM_MEMBER: 10,
    GRP_TIP_UNBAN_AVCHATROOM_MEMBER: 11,
    JOIN_STATUS_SUCCESS: 'JoinedSuccess',
    JOIN_STATUS_ALREADY_IN_GROUP: 'AlreadyInGroup',
    KICKED_OUT_MULT_ACCOUNT: 'multipleAccount',
    KICKED_OUT_USERSIG_EXPIRED: 'userSigExpired',
    NET_STATE_CONNECTED: 'connected',
    NET_STATE_CONNECTING: 'connecting',
    NET_STATE_DISCONNECTED: 'disconnected',
    GRP_MBR_ROLE_ADMIN: 'Admin',
  };
  for (const [k, v] of Object.entries(want)) assert.equal(T[k], v, k);
  assert.equal(TIM.PROTOCOL_VERSION, 1);
  assert.match(TIM.VERSION, /^1\./, 'the major version is the protocol version');
});

test('create returns one instance per SDKAppID until it is destroyed', async () => {
  const server = new FakeServer();
  const a = TIM.create({ SDKAppID: 1400000009, server: 'http://127.0.0.1:8080', WebSocket: server.WebSocket });
  const b = TIM.create({ SDKAppID: 1400000009, server: 'http://elsewhere', WebSocket: server.WebSocket });
  assert.equal(a, b);
  const c = TIM.create({ SDKAppID: 1400000010, server: 'http://127.0.0.1:8080', WebSocket: server.WebSocket });
  assert.notEqual(a, c);
  await a.destroy();
  const d = TIM.create({ SDKAppID: 1400000009, server: 'http://127.0.0.1:8080', WebSocket: server.WebSocket });
  assert.notEqual(a, d);
  await c.destroy();
  await d.destroy();
});

test('TIM code that registers the upload plugin keeps working', async () => {
  const { tim } = sdk();
  tim.registerPlugin({ 'tim-upload-plugin': function TIMUploadPlugin() {} });
  await tim.destroy();
});

test('create checks its options', () => {
  const server = new FakeServer();
  assert.throws(() => TIM.create({ server: 'ws://x', WebSocket: server.WebSocket }), (e) => e.code === 10004 && /SDKAppID/.test(e.message));
  assert.throws(() => new ChatSDK({ SDKAppID: APP, WebSocket: server.WebSocket }), /server address/);
  assert.throws(() => new ChatSDK({ SDKAppID: APP, server: 'ftp://x', WebSocket: server.WebSocket }), /ws:\/\//);
});

test('the server address may be ws, wss, http, https or host:port', async () => {
  const cases = [
    ['ws://127.0.0.1:8080', 'ws://127.0.0.1:8080/ws?sdkAppId=1400000000'],
    ['http://127.0.0.1:8080/', 'ws://127.0.0.1:8080/ws?sdkAppId=1400000000'],
    ['https://chat.example.com', 'wss://chat.example.com/ws?sdkAppId=1400000000'],
    ['wss://chat.example.com/roomcast/ws', 'wss://chat.example.com/roomcast/ws?sdkAppId=1400000000'],
    ['127.0.0.1:9000', 'ws://127.0.0.1:9000/ws?sdkAppId=1400000000'],
  ];
  for (const [given, url] of cases) {
    const server = new FakeServer();
    const tim = new ChatSDK({ SDKAppID: APP, server: given, WebSocket: server.WebSocket });
    tim.setLogLevel(4);
    await tim.joinGroup({ groupID: 'live-1' });
    assert.equal(server.last.url, url, given);
    await tim.destroy();
  }
});

test('create*Message builds TIM message objects', () => {
  const { tim } = sdk();
  const t = tim.createTextMessage({ to: 'live-1', conversationType: TIM.TYPES.CONV_GROUP, priority: TIM.TYPES.MSG_PRIORITY_HIGH, payload: { text: 'hi' } });
  assert.equal(t.type, 'TIMTextElem');
  assert.deepEqual(t.payload, { text: 'hi' });
  assert.equal(t.to, 'live-1');
  assert.equal(t.conversationID, 'GROUPlive-1');
  assert.equal(t.conversationType, 'GROUP');
  assert.equal(t.priority, 'High');
  assert.equal(t.flow, 'out');
  assert.equal(t.status, 'unSend');
  assert.equal(t.sequence, 0);
  assert.equal(typeof t.ID, 'string');
  assert.ok(t.ID.length > 0 && t.ID.length <= 64, 'the ID is a valid msgKey');
  const c = tim.createCustomMessage({ to: 'live-1', conversationType: 'GROUP', payload: { data: 'gift', description: 'rose' } });
  assert.deepEqual(c.payload, { data: 'gift', description: 'rose', extension: '' });
  assert.equal(c.priority, 'Normal', 'Normal is the default priority');
  const f = tim.createFaceMessage({ to: 'live-1', conversationType: 'GROUP', payload: { index: 3, data: 'smile' } });
  assert.deepEqual(f.payload, { index: 3, data: 'smile' });
  assert.notEqual(t.ID, c.ID);
});

test('create*Message refuses bad arguments with the server codes', () => {
  const { tim } = sdk();
  const bad = [
    [{ to: 'live-1', conversationType: 'C2C', payload: { text: 'x' } }, 10004, /CONV_GROUP/],
    [{ to: 'has space', conversationType: 'GROUP', payload: { text: 'x' } }, 10015, /groupID/],
    [{ to: '', conversationType: 'GROUP', payload: { text: 'x' } }, 10015, /groupID/],
    [{ to: 'x'.repeat(49), conversationType: 'GROUP', payload: { text: 'x' } }, 10015, /groupID/],
    [{ to: 'live-1', conversationType: 'GROUP', priority: 'Urgent', payload: { text: 'x' } }, 10004, /priority/],
    [{ to: 'live-1', conversationType: 'GROUP', payload: { text: '' } }, 10004, /payload.text/],
    [{ to: 'live-1', conversationType: 'GROUP' }, 10004, /payload/],
  ];
  for (const [opts, code, re] of bad) {
    assert.throws(() => tim.createTextMessage(opts), (e) => e instanceof TIMError && e.code === code && re.test(e.message), JSON.stringify(opts));
  }
  assert.throws(() => tim.createFaceMessage({ to: 'live-1', conversationType: 'GROUP', payload: { index: 1.5 } }), /index/);
  assert.throws(() => tim.createCustomMessage({ to: 'live-1', conversationType: 'GROUP', payload: { data: 5 } }), /payload.data/);
});

test('sendMessage checks everything before sending', async () => {
  const { tim, server } = sdk();
  const msg = tim.createTextMessage({ to: 'live-1', conversationType: 'GROUP', payload: { text: 'hi' } });
  await assert.rejects(tim.sendMessage(msg), (e) => e.code === 6014 && /guests receive only/.test(e.message));
  await assert.rejects(tim.sendMessage({ text: 'hi' }), (e) => e.code === 2105);
  await tim.login({ userID: 'alice', userSig: 'sig' });
  // 12 KiB of body, measured like the server: the canonical JSON, in UTF-8.
  const wrapper = JSON.stringify([{ MsgType: 'TIMTextElem', MsgContent: { Text: '' } }]).length;
  const fits = tim.createTextMessage({ to: 'live-1', conversationType: 'GROUP', payload: { text: 'a'.repeat(12288 - wrapper) } });
  const big = tim.createTextMessage({ to: 'live-1', conversationType: 'GROUP', payload: { text: 'a'.repeat(12288 - wrapper + 1) } });
  const wide = tim.createTextMessage({ to: 'live-1', conversationType: 'GROUP', payload: { text: '好'.repeat(4096) } });
  const before = server.requests.length;
  await assert.rejects(tim.sendMessage(big), (e) => e.code === 80002 && e.data.message === big && /12288/.test(e.message));
  await assert.rejects(tim.sendMessage(wide), (e) => e.code === 80002);
  assert.equal(server.requests.length, before, 'nothing was sent');
  const r = await tim.sendMessage(fits);
  assert.equal(r.code, 0);
  const sent = server.requests.at(-1).frame;
  assert.equal(sent.op, 'send');
  assert.equal(JSON.stringify(sent.data.msgBody).length, 12288);
  await tim.destroy();
});

test('other arguments are checked too', async () => {
  const { tim, server } = sdk();
  await assert.rejects(tim.login({ userID: 'has space', userSig: 'x' }), (e) => e.code === 10004);
  await assert.rejects(tim.login({ userID: 'alice' }), (e) => e.code === 70002);
  await assert.rejects(tim.joinGroup({ groupID: 'a b' }), (e) => e.code === 10015);
  await assert.rejects(tim.joinGroup({ groupID: 'live-1', type: 'Public' }), (e) => e.code === 10004);
  await assert.rejects(tim.updateMyProfile({ nick: 'x' }), (e) => e.code === 6014);
  await assert.rejects(tim.updateMyProfile({ nick: 'n'.repeat(65) }), (e) => e.code === 10004 && /64 bytes/.test(e.message));
  await assert.rejects(tim.getGroupOnlineMemberCount(''), (e) => e.code === 10015);
  await assert.rejects(tim.quitGroup('live-1'), (e) => e.code === 10007);
  assert.equal(server.requests.length, 0, 'no request was sent for any of them');
  await tim.destroy();
});

test('the browser bundle defines the global TIM like Tencent script', async () => {
  const { readFile } = await import('node:fs/promises');
  const vm = await import('node:vm');
  const code = await readFile(new URL('../../dist/roomcast.js', import.meta.url), 'utf8');
  const sandbox = { console, setTimeout, clearTimeout, setInterval, clearInterval, URL, TextEncoder };
  vm.runInNewContext(code, sandbox);
  const G = sandbox.TIM;
  assert.equal(typeof G.create, 'function');
  assert.equal(G.EVENT.MESSAGE_RECEIVED, 'onMessageReceived');
  assert.equal(G.TYPES.MSG_PRIORITY_HIGH, 'High');
  assert.equal(G.default.create, G.create, 'TIM.default is the same object as `import TIM`');
});
