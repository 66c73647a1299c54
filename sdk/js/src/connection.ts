/**
 * One WebSocket to a Roomcast gateway: requests matched to replies by `id`,
 * pushes handed on, and an application-level keepalive that closes a
 * connection that stopped answering (so the SDK reconnects).
 */

import { SDK_ERROR, TIMError } from './errors.js';
import type { Logger } from './log.js';
import type { WirePush, WireReply } from './wire.js';

/** The part of the WebSocket API the SDK uses (browsers' and the `ws` package's). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: { data: any }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketCtor = new (url: string) => WebSocketLike;

const OPEN = 1;

export interface ConnectionEvents {
  push(push: WirePush): void;
  /** Called once, whoever closed it. */
  closed(code: number, reason: string): void;
}

export interface ConnectionOptions {
  requestTimeoutMs: number;
  keepaliveMs: number;
  connectTimeoutMs: number;
}

interface Pending {
  resolve(data: any): void;
  reject(e: TIMError): void;
  timer: ReturnType<typeof setTimeout>;
}

export class Connection {
  private ws: WebSocketLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private keepalive: ReturnType<typeof setInterval> | null = null;
  private lastReceived = Date.now();
  private done = false;

  constructor(
    private readonly url: string,
    private readonly WS: WebSocketCtor,
    private readonly opts: ConnectionOptions,
    private readonly events: ConnectionEvents,
    private readonly log: Logger,
  ) {}

  /** Opens the socket; rejects with `NETWORK_ERROR` if it cannot. */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      let opened = false;
      let ws: WebSocketLike;
      try {
        ws = new this.WS(this.url);
      } catch (e) {
        this.done = true;
        reject(new TIMError(SDK_ERROR.NETWORK_ERROR, `cannot open ${this.url}: ${String(e)}`));
        return;
      }
      this.ws = ws;
      const timer = setTimeout(() => {
        if (!opened) {
          this.close(4000, 'connect timeout');
          reject(new TIMError(SDK_ERROR.NETWORK_TIMEOUT, `no connection to ${this.url} within ${this.opts.connectTimeoutMs} ms`));
        }
      }, this.opts.connectTimeoutMs);
      ws.onopen = () => {
        opened = true;
        clearTimeout(timer);
        this.lastReceived = Date.now();
        this.startKeepalive();
        resolve();
      };
      ws.onmessage = (ev) => this.onFrame(ev.data);
      ws.onerror = () => {
        // A close event follows; browsers give no detail here.
      };
      ws.onclose = (ev) => {
        clearTimeout(timer);
        if (!opened) reject(new TIMError(SDK_ERROR.NETWORK_ERROR, `cannot connect to ${this.url} (close ${ev.code})`));
        this.finish(ev.code, ev.reason ?? '');
      };
    });
  }

  get isOpen(): boolean {
    return !this.done && this.ws !== null && this.ws.readyState === OPEN;
  }

  /** Sends a request; resolves with the reply's `data`, rejects with its error. */
  request<T = any>(op: string, data?: unknown, timeoutMs = this.opts.requestTimeoutMs): Promise<T> {
    if (!this.isOpen) {
      return Promise.reject(new TIMError(SDK_ERROR.NETWORK_ERROR, `not connected (${op})`));
    }
    const id = this.nextId++;
    const frame: Record<string, unknown> = { id, op };
    if (data !== undefined) frame.data = data;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TIMError(SDK_ERROR.NETWORK_TIMEOUT, `no reply to ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.ws!.send(JSON.stringify(frame));
        this.log.debug('→', op, data);
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new TIMError(SDK_ERROR.NETWORK_ERROR, `send failed: ${String(e)}`));
      }
    });
  }

  /** Closes the socket; pending requests fail with `NETWORK_ERROR`. */
  close(code = 1000, reason = ''): void {
    const ws = this.ws;
    if (ws && !this.done) {
      try {
        ws.close(code, reason);
      } catch {
        // already closing
      }
    }
    this.finish(code, reason);
  }

  private onFrame(raw: unknown): void {
    this.lastReceived = Date.now();
    let frame: any;
    try {
      frame = JSON.parse(typeof raw === 'string' ? raw : String(raw));
    } catch {
      this.log.warn('ignoring a frame that is not JSON');
      return;
    }
    if (frame && typeof frame.type === 'string' && !('code' in frame)) {
      this.events.push(frame as WirePush);
      return;
    }
    const reply = frame as WireReply;
    const p = typeof reply.id === 'number' ? this.pending.get(reply.id) : undefined;
    if (!p) {
      this.log.debug('reply with no pending request', reply);
      return;
    }
    this.pending.delete(reply.id as number);
    clearTimeout(p.timer);
    this.log.debug('←', reply);
    if (reply.code === 0) p.resolve(reply.data);
    else p.reject(new TIMError(reply.code, reply.message, reply.data, reply.retryable === true));
  }

  private startKeepalive(): void {
    const every = this.opts.keepaliveMs;
    if (every <= 0) return;
    this.keepalive = setInterval(() => {
      if (Date.now() - this.lastReceived < every) return;
      // Quiet for a whole interval: prove the connection is alive.
      this.request('ping', undefined, Math.min(this.opts.requestTimeoutMs, every)).catch(() => {
        if (!this.done) {
          this.log.warn('keepalive ping unanswered; reconnecting');
          this.close(4000, 'keepalive timeout');
        }
      });
    }, every);
  }

  private finish(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
    const ws = this.ws;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    }
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new TIMError(SDK_ERROR.NETWORK_ERROR, `connection closed (${code}${reason ? ` ${reason}` : ''})`));
    }
    this.pending.clear();
    this.events.closed(code, reason);
  }
}
