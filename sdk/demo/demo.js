// Roomcast's demo page: a live room written against Tencent's TIM v2 Web
// API. With `tim-js-sdk` it would start `import TIM from 'tim-js-sdk'` and
// create the instance without `server`; that is the whole difference.
import TIM from '/sdk/roomcast.esm.js';

const $ = (id) => document.getElementById(id);
const settings = await fetch('/demo/config').then((r) => r.json());
const params = new URLSearchParams(location.search);
const groupID = params.get('room') || settings.room;

const tim = TIM.create({ SDKAppID: settings.sdkAppId, server: location.origin });
tim.setLogLevel(Number(params.get('log') ?? 1));

const state = { me: null, nick: '', likes: 0, online: 0, pendingLikes: 0 };
window.roomcastDemo = { tim, TIM, state }; // for the browser tests and the curious

// ---- rendering ---------------------------------------------------------------

const COLORS = ['#e91e63', '#9c27b0', '#3f51b5', '#03a9f4', '#009688', '#8bc34a', '#ff9800', '#795548'];
function colorOf(s) {
  let h = 0;
  for (const c of s) h = (h * 31 + c.codePointAt(0)) >>> 0;
  return COLORS[h % COLORS.length];
}

/** A small SVG avatar (a data: URL well under the server's 500-byte limit). */
function avatarURL(nick) {
  const letter = encodeURIComponent((nick.trim()[0] || '?').toUpperCase());
  const svg = `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'><circle cx='16' cy='16' r='16' fill='${colorOf(nick)}'/><text x='16' y='21.5' font-size='15' font-family='sans-serif' font-weight='700' text-anchor='middle' fill='white'>${letter}</text></svg>`;
  return `data:image/svg+xml,${svg.replace(/#/g, '%23').replace(/</g, '%3C').replace(/>/g, '%3E')}`;
}

function avatarNode(m) {
  const name = m.nick || m.from || '?';
  if (/^(https?:|data:image\/)/.test(m.avatar || '')) {
    const img = document.createElement('img');
    img.className = 'avatar';
    img.alt = '';
    img.src = m.avatar;
    return img;
  }
  const span = document.createElement('span');
  span.className = 'avatar';
  span.style.background = colorOf(name);
  span.textContent = name[0]?.toUpperCase() ?? '?';
  return span;
}

const chat = $('chat');
function addLine(kind, m, content) {
  const li = document.createElement('li');
  li.className = kind;
  if (m) {
    li.dataset.type = m.type;
    li.dataset.seq = String(m.sequence);
    if (m.flow === 'out' && m.from === state.me) li.classList.add('mine');
  }
  if (m && (kind === 'message' || kind === 'gift' || kind === 'like')) {
    li.append(avatarNode(m));
    const body = document.createElement('span');
    body.className = 'body';
    const nick = document.createElement('span');
    nick.className = 'nick';
    nick.textContent = m.nick || m.from;
    body.append(nick, content);
    li.append(body);
  } else {
    li.append(content);
  }
  const atBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 40;
  chat.append(li);
  while (chat.children.length > 200) chat.firstElementChild.remove();
  if (atBottom || (m && m.flow === 'out')) chat.scrollTop = chat.scrollHeight;
  return li;
}
const text = (s) => document.createTextNode(s);
const system = (s) => addLine('system', null, text(s));

// Danmaku: each text flies across the video on the least busy lane.
const lanes = [];
function fly(content, cls = '') {
  const box = $('danmaku');
  if (box.childElementCount > 40) return; // a flood: the chat list still has everything
  const laneCount = Math.max(3, Math.floor(box.clientHeight / 34));
  const now = performance.now();
  let lane = 0;
  for (let i = 0; i < laneCount; i++) {
    if ((lanes[i] ?? 0) <= now) { lane = i; break; }
    if ((lanes[i] ?? 0) < (lanes[lane] ?? 0)) lane = i;
  }
  lanes[lane] = now + 1600;
  const b = document.createElement('span');
  b.className = `bullet ${cls}`;
  b.textContent = content;
  b.style.top = `${lane * 34 + 8}px`;
  b.style.setProperty('--dur', `${7 + Math.random() * 2}s`);
  b.addEventListener('animationend', () => b.remove());
  box.append(b);
}

function floatHearts(n) {
  const box = $('hearts');
  for (let i = 0; i < Math.min(n, 6); i++) {
    const h = document.createElement('span');
    h.textContent = ['❤️', '💖', '💗', '💕'][Math.floor(Math.random() * 4)];
    h.style.setProperty('--dx', `${Math.round(Math.random() * 40 - 20)}px`);
    h.style.animationDelay = `${i * 120}ms`;
    h.addEventListener('animationend', () => h.remove());
    box.append(h);
  }
}

let giftTimer = null;
function showGift(m, gift) {
  const banner = $('gift-banner');
  banner.textContent = `${m.nick || m.from} sent ${gift.emoji || '🎁'} ${gift.name || 'a gift'}${gift.count > 1 ? ` ×${gift.count}` : ''}`;
  banner.hidden = false;
  clearTimeout(giftTimer);
  giftTimer = setTimeout(() => (banner.hidden = true), 4000);
}

let noticeTimer = null;
function showNotice(s) {
  const banner = $('notice-banner');
  banner.textContent = s;
  banner.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (banner.hidden = true), 15000);
}

function setLikes(n) {
  state.likes = n;
  $('like-total').textContent = String(n);
}

function setOnline(n) {
  state.online = Math.max(0, n);
  $('online-count').textContent = String(state.online);
}

const whiteboard = $('whiteboard').getContext('2d');
function drawStroke(s) {
  const pts = Array.isArray(s.points) ? s.points : [];
  if (pts.length < 2) return;
  const { width, height } = whiteboard.canvas;
  whiteboard.strokeStyle = typeof s.color === 'string' ? s.color : '#ffe27a';
  whiteboard.lineWidth = Number(s.width) || 3;
  whiteboard.lineCap = whiteboard.lineJoin = 'round';
  whiteboard.beginPath();
  pts.forEach(([x, y], i) => (i ? whiteboard.lineTo(x * width, y * height) : whiteboard.moveTo(x * width, y * height)));
  whiteboard.stroke();
}

function parseCustom(payload) {
  try {
    const d = JSON.parse(payload.data);
    return d && typeof d === 'object' ? d : null;
  } catch {
    return null;
  }
}

const TIP = TIM.TYPES;
function tipText(p) {
  const who = (id) => {
    const m = (p.memberList || []).find((x) => x.userID === id);
    return (m && m.nick) || id;
  };
  const users = (p.userIDList || []).map(who).join(', ');
  switch (p.operationType) {
    case TIP.GRP_TIP_MBR_JOIN: return `${users} joined`;
    case TIP.GRP_TIP_MBR_QUIT: return `${users} left`;
    case TIP.GRP_TIP_MBR_SET_ADMIN: return `${users} is now an admin`;
    case TIP.GRP_TIP_MBR_CANCELED_ADMIN: return `${users} is no longer an admin`;
    case TIP.GRP_TIP_GRP_PROFILE_UPDATED: {
      const g = p.newGroupProfile || {};
      if (g.name) $('room-title').textContent = $('about-name').textContent = g.name;
      if (g.introduction !== undefined) $('about-intro').textContent = g.introduction;
      if (g.muteAllMembers !== undefined) return g.muteAllMembers ? 'Everyone is muted now' : 'Everyone may chat again';
      return 'The room was updated';
    }
    case TIP.GRP_TIP_MBR_PROFILE_UPDATED: {
      const secs = (p.memberList || [])[0]?.muteTime ?? 0;
      return secs > 0 ? `${users} was muted for ${secs} s` : `${users} was unmuted`;
    }
    case TIP.GRP_TIP_BAN_AVCHATROOM_MEMBER: return `${users} was removed from the room`;
    case TIP.GRP_TIP_UNBAN_AVCHATROOM_MEMBER: return `${users} may come back`;
    default: return 'Room update';
  }
}

/** Renders one message: received ones and this page's own sent ones alike. */
function render(m) {
  const mine = m.flow === 'out' && m.from === state.me;
  switch (m.type) {
    case TIM.TYPES.MSG_TEXT:
      addLine('message', m, text(m.payload.text));
      fly(m.payload.text, mine ? 'mine' : '');
      break;
    case TIM.TYPES.MSG_FACE:
      addLine('message', m, text(`[sticker #${m.payload.index}]`));
      break;
    case TIM.TYPES.MSG_CUSTOM: {
      const d = parseCustom(m.payload);
      if (d?.type === 'like') {
        const n = Math.max(1, Math.min(1000, Number(d.count) || 1));
        setLikes(state.likes + n);
        floatHearts(n);
      } else if (d?.type === 'gift') {
        addLine('gift', m, text(`sent ${d.emoji || '🎁'} ${d.name || 'a gift'}`));
        fly(`${m.nick || m.from} ${d.emoji || '🎁'}`, 'gift');
        showGift(m, d);
      } else if (d?.type === 'coupon') {
        const c = document.createElement('span');
        c.className = 'coupon';
        c.textContent = `🎟 ${d.title || 'Coupon'}${d.code ? ` · code ${d.code}` : ''}`;
        addLine('message', m, c);
      } else if (d?.type === 'stroke') {
        drawStroke(d);
      } else {
        addLine('message', m, text(`[${m.payload.description || 'custom message'}]`));
      }
      break;
    }
    case TIM.TYPES.MSG_GRP_TIP: {
      const p = m.payload;
      if (p.operationType === TIP.GRP_TIP_MBR_JOIN) setOnline(state.online + p.userIDList.length);
      if (p.operationType === TIP.GRP_TIP_MBR_QUIT) setOnline(state.online - p.userIDList.length);
      addLine('system', m, text(tipText(p)));
      break;
    }
    case TIM.TYPES.MSG_GRP_SYS_NOTICE: {
      const p = m.payload;
      if (p.groupProfile?.groupID !== groupID) break;
      if (p.operationType === 255) {
        addLine('notice', m, text(`📢 ${p.userDefinedField}`));
        showNotice(p.userDefinedField);
      } else if (p.operationType === 4) {
        toast('You were removed from this room.');
        system('You were removed from the room');
      } else if (p.operationType === 5) {
        toast('This room was closed.');
        system('The room was closed');
      }
      break;
    }
    default:
      break;
  }
}

// ---- errors shown to the sender ---------------------------------------------------

let toastTimer = null;
function toast(message, kind = 'error') {
  const t = $('toast');
  t.textContent = message;
  t.className = `toast ${kind === 'info' ? 'info' : ''}`;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 6000);
}

function explain(e) {
  const d = e.data || {};
  switch (e.code) {
    case 6014: return 'Guests can only watch: log in to chat.';
    case 10017:
      return d.mutedUntil
        ? `You are muted until ${new Date(d.mutedUntil * 1000).toLocaleTimeString()}.`
        : 'Everyone is muted in this room right now.';
    case 80001: return 'Your message was blocked by moderation.';
    case 80002: return 'That message is too long.';
    case 200001: return 'The room is busy: your message was dropped. Try again.';
    case 10023: return 'Slow down: you are sending too fast.';
    case 10007: return d.bannedUntil ? 'You are banned from this room.' : 'You are not in this room.';
    case 10010: return `Room "${groupID}" does not exist. Create it: roomcast admin create-room --id ${groupID}`;
    case 2800:
    case 2801: return 'Connection problem; reconnecting…';
    default: return `${e.message || 'Something went wrong'} (${e.code ?? 'error'})`;
  }
}

async function send(message) {
  try {
    const res = await tim.sendMessage(message);
    render(res.data.message); // your own message: TIM does not deliver it back
    return true;
  } catch (e) {
    toast(explain(e));
    return false;
  }
}

// ---- the room -------------------------------------------------------------------

tim.on(TIM.EVENT.MESSAGE_RECEIVED, (event) => event.data.forEach(render));
tim.on(TIM.EVENT.MESSAGE_MODIFIED, (event) => {
  for (const m of event.data) toast(`Your message was shown as: ${m.payload.text ?? '…'}`, 'info');
});
tim.on(TIM.EVENT.MESSAGE_GAP, (event) => {
  // Recovered gaps were filled from the room's history: nothing to say.
  if (!event.data.recovered) system(`Missed ${event.data.count} message(s) while reconnecting`);
});
tim.on(TIM.EVENT.GROUP_COUNTER_UPDATED, (event) => {
  if (event.data.groupID !== groupID || event.data.key !== 'likes') return;
  if (event.data.value > state.likes) floatHearts(Math.min(20, event.data.value - state.likes));
  setLikes(event.data.value);
});
tim.on(TIM.EVENT.NET_STATE_CHANGE, (event) => {
  const el = $('net-state');
  el.dataset.state = event.data.state;
  el.textContent = { connected: 'live', connecting: 'reconnecting…', disconnected: 'offline' }[event.data.state] ?? event.data.state;
  if (event.data.state === TIM.TYPES.NET_STATE_CONNECTED) refreshOnline();
});
tim.on(TIM.EVENT.KICKED_OUT, (event) => {
  toast(event.data.type === TIM.TYPES.KICKED_OUT_MULT_ACCOUNT ? 'You logged in somewhere else.' : 'Your session expired.');
  showIdentity(null);
  join();
});
tim.on(TIM.EVENT.ERROR, (event) => toast(event.data.message));

async function refreshOnline() {
  try {
    const res = await tim.getGroupOnlineMemberCount(groupID);
    setOnline(res.data.memberCount);
  } catch {
    // shown by the next successful refresh
  }
}
setInterval(refreshOnline, 10000);

async function join() {
  try {
    const res = await tim.joinGroup({ groupID, type: TIM.TYPES.GRP_AVCHATROOM });
    const g = res.data.group;
    $('room-title').textContent = g.name || g.groupID;
    $('about-name').textContent = g.name || g.groupID;
    $('about-intro').textContent = g.introduction;
    document.title = `${g.name || g.groupID} · Roomcast`;
    setOnline(g.memberCount);
    if (g.notification) showNotice(g.notification);
    const counters = await tim.getGroupCounters({ groupID, keyList: ['likes'] });
    setLikes(Math.max(state.likes, counters.data.counters.likes ?? 0));
    document.body.dataset.joined = 'true';
  } catch (e) {
    toast(explain(e));
    $('room-title').textContent = groupID;
  }
}

// ---- sending --------------------------------------------------------------------

$('composer').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const input = $('text');
  const value = input.value.trim();
  if (!value) return;
  let message;
  try {
    message = tim.createTextMessage({ to: groupID, conversationType: TIM.TYPES.CONV_GROUP, priority: TIM.TYPES.MSG_PRIORITY_NORMAL, payload: { text: value } });
  } catch (e) {
    toast(explain(e));
    return;
  }
  if (await send(message)) input.value = '';
});

// Likes: a group counter, not messages: clicks within 600 ms go out as one
// increase, and the server pushes the room's total at most once a second
// however many viewers tap (GROUP_COUNTER_UPDATED), so likes never crowd
// out chat or hit the room's message cap.
let likeTimer = null;
$('like').addEventListener('click', () => {
  floatHearts(1);
  state.pendingLikes++;
  if (likeTimer) return;
  likeTimer = setTimeout(async () => {
    likeTimer = null;
    const count = state.pendingLikes;
    state.pendingLikes = 0;
    try {
      const res = await tim.increaseGroupCounter({ groupID, key: 'likes', value: count });
      setLikes(Math.max(state.likes, res.data.value));
    } catch (e) {
      toast(explain(e));
    }
  }, 600);
});

// Gifts: High priority, so they get through a busy room.
$('gifts').addEventListener('click', (ev) => {
  const b = ev.target.closest('button[data-gift]');
  if (!b) return;
  const gift = { type: 'gift', gift: b.dataset.gift, name: b.dataset.name, emoji: b.dataset.emoji, count: 1 };
  send(tim.createCustomMessage({
    to: groupID,
    conversationType: TIM.TYPES.CONV_GROUP,
    priority: TIM.TYPES.MSG_PRIORITY_HIGH,
    payload: { data: JSON.stringify(gift), description: `sent ${gift.name}`, extension: '' },
  }));
});

// ---- identity: a guest by default; the dev login on the generated dev config ---------

function showIdentity(me) {
  state.me = me;
  $('identity').dataset.role = me ? 'user' : 'guest';
  $('who').textContent = !me ? 'Watching as a guest' : state.nick && state.nick !== me ? `Chatting as ${state.nick} (user ID ${me})` : `Chatting as ${me}`;
  $('login-form').hidden = Boolean(me) || !settings.devLogin;
  $('logout').hidden = !me;
  const hint = $('login-hint');
  hint.hidden = Boolean(me) || settings.devLogin;
  hint.textContent = 'Guests watch; the dev login exists only on the generated dev config.';
}

function userIDFor(nick) {
  const base = nick.normalize('NFKD').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 20);
  return base || `viewer-${Math.random().toString(36).slice(2, 8)}`;
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const nick = $('nick').value.trim() || `Viewer ${Math.floor(Math.random() * 1000)}`;
  const userID = userIDFor(nick);
  try {
    const r = await fetch('/demo/dev-login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userID }),
    });
    const body = await r.json();
    if (!r.ok) throw new Error(body.error || `dev login refused (${r.status})`);
    await tim.login({ userID, userSig: body.userSig });
    state.nick = nick;
    await tim.updateMyProfile({ nick, avatar: avatarURL(nick) });
    showIdentity(userID);
    refreshOnline();
  } catch (e) {
    toast(e.code ? explain(e) : e.message);
  }
});

$('logout').addEventListener('click', async () => {
  await tim.logout();
  state.nick = '';
  showIdentity(null);
  await join();
});

showIdentity(null);
await join();
