/**
 * One room's events as the SDK hands them to the app: in `seq` order, each
 * once. A gap (events missed during a reconnect, or lost on the way) is
 * filled from the server's history while it still holds them, and reported
 * as `MESSAGE_GAP` either way (docs/protocol.md, "History and recovery").
 */
import type { WireEvent, WireJoin } from './wire.js';
export interface Gap {
    groupID: string;
    fromSequence: number;
    toSequence: number;
    count: number;
    /** True when every missed event was fetched and delivered. */
    recovered: boolean;
}
export interface StreamHooks {
    /** Hands events to the app, in order (called when a fill or a rejoin completes). */
    deliver(events: WireEvent[]): void;
    gap(gap: Gap): void;
    /**
     * Reads events `from..=to` from the room's history: whatever it still
     * holds, oldest first, with the history's epoch. `null` when the
     * connection is gone (the rejoin that follows recovers with `since`).
     */
    fetch(from: number, to: number): Promise<{
        epoch: string;
        events: WireEvent[];
    } | null>;
}
/**
 * Live events that wait while a gap is filled. Past this many, later ones
 * are dropped: the next live event reveals them as a gap and they are
 * fetched in turn, so memory stays bounded without losing anything the
 * history still holds.
 */
export declare const HELD_MAX = 1000;
export declare class RoomStream {
    readonly groupID: string;
    private readonly hooks;
    /** The last delivered sequence; null until the first event. */
    lastSeq: number | null;
    /** The room history's incarnation, from the last join reply. */
    epoch: string | null;
    /** Live events waiting for a fill or a rejoin reply; null when flowing. */
    private held;
    /** Bumped by every rejoin, so a fill that outlives one is ignored. */
    private generation;
    constructor(groupID: string, hooks: StreamHooks);
    /**
     * A live event: returns it when it is the next to deliver, null when it
     * is a repeat or has to wait (a gap is being filled first).
     */
    accept(ev: WireEvent): WireEvent | null;
    /** A (re)join is about to be sent: what to ask for, and hold live events until its reply. */
    rejoining(): {
        seq: number;
        epoch: string;
    } | undefined;
    /** The join reply: catch up on what was missed, then deliver what waited. */
    joined(reply: WireJoin, since: {
        seq: number;
        epoch: string;
    } | undefined): void;
    /** The join failed: nothing more will come for this room. */
    abandon(): void;
    private fill;
    /**
     * Delivers events of `from..` (up to `to` when known) in order, after
     * `lastSeq`. Holes, and with `to` whatever is missing at the end, are
     * reported lost; a complete catch-up is reported recovered.
     */
    private catchUp;
    /** Live events that waited go through `accept` again (one may reveal the next gap). */
    private release;
    private flush;
    private report;
}
/** Events `from..=to` of a room read from its history, paging back as needed. */
export declare function readHistory(request: (op: string, data: unknown) => Promise<any>, roomId: string, from: number, to: number): Promise<{
    epoch: string;
    events: WireEvent[];
}>;
