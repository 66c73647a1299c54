/**
 * One WebSocket to a Roomcast gateway: requests matched to replies by `id`,
 * pushes handed on, and an application-level keepalive that closes a
 * connection that stopped answering (so the SDK reconnects).
 */
import type { Logger } from './log.js';
import type { WirePush } from './wire.js';
/** The part of the WebSocket API the SDK uses (browsers' and the `ws` package's). */
export interface WebSocketLike {
    readonly readyState: number;
    onopen: ((ev: any) => void) | null;
    onmessage: ((ev: {
        data: any;
    }) => void) | null;
    onclose: ((ev: {
        code: number;
        reason: string;
    }) => void) | null;
    onerror: ((ev: any) => void) | null;
    send(data: string): void;
    close(code?: number, reason?: string): void;
}
export type WebSocketCtor = new (url: string) => WebSocketLike;
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
export declare class Connection {
    private readonly url;
    private readonly WS;
    private readonly opts;
    private readonly events;
    private readonly log;
    private ws;
    private nextId;
    private readonly pending;
    private keepalive;
    private lastReceived;
    private done;
    constructor(url: string, WS: WebSocketCtor, opts: ConnectionOptions, events: ConnectionEvents, log: Logger);
    /** Opens the socket; rejects with `NETWORK_ERROR` if it cannot. */
    open(): Promise<void>;
    get isOpen(): boolean;
    /** Sends a request; resolves with the reply's `data`, rejects with its error. */
    request<T = any>(op: string, data?: unknown, timeoutMs?: number): Promise<T>;
    /** Closes the socket; pending requests fail with `NETWORK_ERROR`. */
    close(code?: number, reason?: string): void;
    private onFrame;
    private startKeepalive;
    private finish;
}
