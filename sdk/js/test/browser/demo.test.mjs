// The demo page in headless Chromium against the real server on the
// generated dev config: a guest on a desktop viewport and a logged-in user
// on a phone viewport go through join, text, gift, like, a system notice,
// a mute and a server restart. Screenshots go to target/sdk-test-output/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { RoomcastServer } from '../support/server.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const OUT = process.env.SDK_TEST_OUTPUT ?? join(repo, 'target', 'sdk-test-output');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let server;
let context;
let profileDir;
const errors = [];

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (scripts/test-sdk does)`);
  mkdirSync(OUT, { recursive: true });
  server = await RoomcastServer.start();
  profileDir = mkdtempSync(join(tmpdir(), 'roomcast-chromium-'));
  // A fresh profile every run (launchPersistentContext passes it as --user-data-dir).
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(15_000);
});

after(async () => {
  await context?.close();
  await server?.dispose();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

async function open(name, viewport) {
  const page = context.pages().find((p) => p.url() === 'about:blank') ?? (await context.newPage());
  await page.setViewportSize(viewport);
  page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
  page.on('console', (m) => {
    // Refused connections while the server restarts are expected; the SDK retries.
    if (m.type() === 'error' && !/Failed to load resource|WebSocket connection to .* failed/.test(m.text())) {
      errors.push(`${name} console: ${m.text()}`);
    }
  });
  await page.goto(`${server.http}/`);
  await page.waitForSelector('body[data-joined="true"]');
  await page.waitForSelector('#net-state[data-state="connected"]');
  return page;
}

const shot = (page, name) => page.screenshot({ path: join(OUT, `${name}.png`) });

/** The chat lines of `page` whose text contains `text`. */
const lines = (page, text) => page.locator('#chat li', { hasText: text });

async function toast(page, re) {
  const t = page.locator('#toast');
  await t.waitFor({ state: 'visible' });
  const s = await t.textContent();
  assert.match(s, re);
  return s;
}

async function send(page, text) {
  await page.fill('#text', text);
  await page.click('#send');
}

test('a guest and a logged-in user in a live room', async () => {
  const guest = await open('guest', { width: 1280, height: 800 });
  const user = await open('user', { width: 390, height: 844 });
  assert.equal(await guest.textContent('#room-title'), 'Roomcast demo');
  assert.equal(await guest.getAttribute('#identity', 'data-role'), 'guest');

  // Guests only watch: the page says so when they try.
  await send(guest, 'can a guest talk?');
  await toast(guest, /Guests can only watch/);

  // Dev login as Bob (the generated dev config has it).
  await user.fill('#nick', 'Bob');
  await user.click('#login');
  await user.waitForSelector('#identity[data-role="user"]');
  await guest.waitForSelector('#chat li:has-text("Bob joined")');
  await shot(guest, '01-guest-desktop-joined');
  await shot(user, '01-user-phone-logged-in');

  // Text: in the chat list with nick and avatar, and flying over the video.
  await send(user, 'Hello from Bob');
  const line = lines(guest, 'Hello from Bob');
  await line.waitFor();
  assert.equal(await line.locator('.nick').textContent(), 'Bob');
  assert.match(await line.locator('img.avatar').getAttribute('src'), /^data:image\/svg\+xml/);
  await guest.locator('#danmaku .bullet', { hasText: 'Hello from Bob' }).waitFor();
  // The sender sees its own message once (the server's copy is not repeated).
  await lines(user, 'Hello from Bob').waitFor();
  await user.waitForTimeout(300);
  assert.equal(await lines(user, 'Hello from Bob').count(), 1);
  assert.equal(await lines(guest, 'Hello from Bob').count(), 1);

  // A gift (High priority) and likes (batched, Low priority) with a running total.
  await user.click('button[data-gift="rose"]');
  await guest.locator('#chat li.gift', { hasText: 'Rose' }).waitFor();
  await guest.locator('#gift-banner', { hasText: 'Bob sent' }).waitFor();
  for (let i = 0; i < 3; i++) await user.click('#like');
  await guest.waitForFunction(() => document.querySelector('#like-total').textContent === '3');
  await user.waitForFunction(() => document.querySelector('#like-total').textContent === '3');
  await shot(guest, '02-guest-desktop-chat-gift-likes');
  await shot(user, '02-user-phone-chat-gift-likes');

  // A system notice from the operator: a banner on both pages.
  await server.admin('notice', 'demo', 'Stream starts in 5 minutes');
  for (const p of [guest, user]) await p.locator('#notice-banner', { hasText: 'Stream starts in 5 minutes' }).waitFor();
  await shot(guest, '03-guest-desktop-notice');

  // A mute: the room sees the tip; the sender sees why its message failed.
  await server.admin('mute', 'demo', '--duration', '60', 'Bob');
  await guest.locator('#chat li', { hasText: 'Bob was muted for 60 s' }).waitFor();
  await send(user, 'am I muted?');
  await toast(user, /You are muted until/);
  assert.equal(await lines(guest, 'am I muted?').count(), 0);
  await shot(user, '04-user-phone-muted');
  await server.admin('unmute', 'demo', 'Bob');
  await guest.locator('#chat li', { hasText: 'Bob was unmuted' }).waitFor();

  // A server restart: both pages reconnect (the user logs in again) and carry on.
  await server.restart();
  for (const p of [guest, user]) await p.waitForSelector('#net-state[data-state="connected"]', { timeout: 30_000 });
  await send(user, 'Back after the restart');
  const back = lines(guest, 'Back after the restart');
  await back.waitFor({ timeout: 15_000 });
  assert.equal(await back.locator('.nick').textContent(), 'Bob', 'the profile was restored on the new server');
  await user.click('button[data-gift="rocket"]');
  await guest.locator('#chat li.gift', { hasText: 'Rocket' }).waitFor();
  await shot(guest, '05-guest-desktop-after-restart');
  await shot(user, '05-user-phone-after-restart');

  assert.deepEqual(errors, [], 'no errors on either page');
});
