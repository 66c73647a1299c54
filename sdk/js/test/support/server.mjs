// The real `roomcast` binary for the end-to-end and browser tests: started
// in a temporary directory on free loopback ports, with the generated dev
// config (the default) or a config the test writes; stopped, restarted on
// the same ports, and driven with `roomcast admin` and `roomcast usersig`.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The binary: $ROOMCAST_BIN, else cargo's debug build. */
export function binary() {
  if (process.env.ROOMCAST_BIN) return process.env.ROOMCAST_BIN;
  const target = process.env.CARGO_TARGET_DIR ? resolve(repo, process.env.CARGO_TARGET_DIR) : join(repo, 'target');
  const bin = join(target, 'debug', 'roomcast');
  if (!existsSync(bin)) throw new Error(`${bin} not found: build it (cargo build -p roomcast-server --bin roomcast) or set ROOMCAST_BIN`);
  return bin;
}

export async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** A clean environment: none of the caller's ROOMCAST_* settings leak in. */
function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ROOMCAST_')) env[k] = v;
  return { ...env, NO_COLOR: '1', ...extra };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class RoomcastServer {
  /**
   * @param {object} o
   * @param {string} [o.configToml] a config file's text; default: the generated dev config
   * @param {Record<string,string>} [o.env] extra ROOMCAST_* settings
   */
  static async start(o = {}) {
    const s = new RoomcastServer(o);
    s.httpPort = await freePort();
    s.grpcPort = await freePort();
    await s.spawn();
    return s;
  }

  constructor(o) {
    this.dir = mkdtempSync(join(tmpdir(), 'roomcast-e2e-'));
    this.env = o.env ?? {};
    this.output = '';
    if (o.configToml) {
      this.config = join(this.dir, 'roomcast.toml');
      writeFileSync(this.config, o.configToml);
    } else {
      // No config at all: the server writes and uses roomcast-dev.toml.
      this.config = join(this.dir, 'roomcast-dev.toml');
    }
  }

  get http() {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get ws() {
    return `ws://127.0.0.1:${this.httpPort}`;
  }

  async spawn() {
    const env = cleanEnv({
      ...this.env,
      ROOMCAST_SERVER__HTTP_ADDR: `127.0.0.1:${this.httpPort}`,
      ROOMCAST_SERVER__GRPC_ADDR: `127.0.0.1:${this.grpcPort}`,
    });
    const args = this.config.endsWith('roomcast.toml') ? ['standalone', '--config', this.config] : [];
    this.proc = spawn(binary(), args, { cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b) => {
      this.output += b.toString();
      if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
    };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    this.exited = new Promise((res) => this.proc.once('exit', (code, signal) => res({ code, signal })));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`roomcast exited at start:\n${this.output}`);
      try {
        const r = await fetch(`${this.http}/readyz`);
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`roomcast did not become ready:\n${this.output}`);
  }

  /** SIGTERM (the gateway drains: a `reconnect` push, then close), and wait for the exit. */
  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    let timer;
    const done = await Promise.race([this.exited, new Promise((r) => (timer = setTimeout(() => r(null), 20_000)))]);
    clearTimeout(timer);
    if (!done) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Stops and starts again on the same ports with the same config (memory state is lost). */
  async restart() {
    await this.stop();
    await this.spawn();
  }

  /** `roomcast admin …` against this server; resolves with stdout. */
  async admin(...args) {
    const { stdout } = await run(binary(), ['admin', '--endpoint', `http://127.0.0.1:${this.grpcPort}`, '--config', this.config, ...args], {
      cwd: this.dir,
      env: cleanEnv({}),
      timeout: 30_000,
    });
    return stdout;
  }

  /** A userSig minted with `roomcast usersig`. */
  async usersig(user) {
    const { stdout } = await run(binary(), ['usersig', '--config', this.config, '--user', user], { cwd: this.dir, env: cleanEnv({}), timeout: 30_000 });
    return stdout.trim();
  }

  async dispose() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The SDKAppID of the generated dev config. */
export const DEV_APP = 1400000000;
