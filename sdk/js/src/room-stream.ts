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
  fetch(from: number, to: number): Promise<{ epoch: string; events: WireEvent[] } | null>;
}

/**
 * Live events that wait while a gap is filled. Past this many, later ones
 * are dropped: the next live event reveals them as a gap and they are
 * fetched in turn, so memory stays bounded without losing anything the
 * history still holds.
 */
export const HELD_MAX = 1000;

export class RoomStream {
  /** The last delivered sequence; null until the first event. */
  lastSeq: number | null = null;
  /** The room history's incarnation, from the last join reply. */
  epoch: string | null = null;
  /** Live events waiting for a fill or a rejoin reply; null when flowing. */
  private held: WireEvent[] | null = null;
  /** Bumped by every rejoin, so a fill that outlives one is ignored. */
  private generation = 0;

  constructor(
    readonly groupID: string,
    private readonly hooks: StreamHooks,
  ) {}

  /**
   * A live event: returns it when it is the next to deliver, null when it
   * is a repeat or has to wait (a gap is being filled first).
   */
  accept(ev: WireEvent): WireEvent | null {
    if (this.held) {
      if (this.held.length < HELD_MAX) this.held.push(ev);
      return null;
    }
    if (this.lastSeq !== null && ev.seq <= this.lastSeq) return null;
    if (this.lastSeq !== null && ev.seq > this.lastSeq + 1) {
      this.held = [ev];
      void this.fill(this.lastSeq + 1, ev.seq - 1, this.generation);
      return null;
    }
    this.lastSeq = ev.seq;
    return ev;
  }

  /** A (re)join is about to be sent: what to ask for, and hold live events until its reply. */
  rejoining(): { seq: number; epoch: string } | undefined {
    this.generation++;
    if (!this.held) this.held = [];
    if (this.lastSeq === null || this.epoch === null) return undefined;
    return { seq: this.lastSeq, epoch: this.epoch };
  }

  /** The join reply: catch up on what was missed, then deliver what waited. */
  joined(reply: WireJoin, since: { seq: number; epoch: string } | undefined): void {
    const held = this.held ?? [];
    this.held = null;
    const epoch = reply.epoch ?? `created-${reply.room?.createdAtMs ?? 0}`;
    if (this.epoch !== null && epoch !== this.epoch) {
      // The room's history was lost (re-created, a restarted standalone
      // server): its sequence starts over and the old one means nothing.
      this.lastSeq = null;
    } else if (since) {
      this.catchUp(reply.missed ?? [], since.seq + 1, null, reply.recovered === true);
    }
    this.epoch = epoch;
    this.release(held);
  }

  /** The join failed: nothing more will come for this room. */
  abandon(): void {
    this.held = null;
    this.generation++;
  }

  private async fill(from: number, to: number, generation: number): Promise<void> {
    let page: { epoch: string; events: WireEvent[] } | null;
    try {
      page = await this.hooks.fetch(from, to);
    } catch {
      page = { epoch: this.epoch ?? '', events: [] };
    }
    // A rejoin started meanwhile: its reply recovers (and releases) instead.
    if (generation !== this.generation || page === null) return;
    const held = this.held ?? [];
    this.held = null;
    const events = page.epoch === this.epoch ? page.events.filter((e) => e.seq >= from && e.seq <= to) : [];
    this.catchUp(events, from, to, true);
    this.release(held);
  }

  /**
   * Delivers events of `from..` (up to `to` when known) in order, after
   * `lastSeq`. Holes, and with `to` whatever is missing at the end, are
   * reported lost; a complete catch-up is reported recovered.
   */
  private catchUp(events: WireEvent[], from: number, to: number | null, complete: boolean): void {
    const ready: WireEvent[] = [];
    let lost = false;
    for (const ev of [...events].sort((a, b) => a.seq - b.seq)) {
      if (this.lastSeq !== null && ev.seq <= this.lastSeq) continue;
      if (this.lastSeq !== null && ev.seq > this.lastSeq + 1) {
        this.flush(ready);
        this.report(this.lastSeq + 1, ev.seq - 1, false);
        lost = true;
      }
      this.lastSeq = ev.seq;
      ready.push(ev);
    }
    this.flush(ready);
    const last = this.lastSeq ?? from - 1;
    if (to !== null && last < to) {
      this.report(Math.max(from, last + 1), to, false);
      this.lastSeq = to;
    } else if (!lost && complete && last >= from) {
      this.report(from, last, true);
    }
  }

  /** Live events that waited go through `accept` again (one may reveal the next gap). */
  private release(held: WireEvent[]): void {
    const ready: WireEvent[] = [];
    for (const ev of held) {
      const r = this.accept(ev);
      if (r) ready.push(r);
    }
    this.flush(ready);
  }

  private flush(ready: WireEvent[]): void {
    if (ready.length > 0) this.hooks.deliver(ready.splice(0));
  }

  private report(from: number, to: number, recovered: boolean): void {
    if (to < from) return;
    this.hooks.gap({ groupID: this.groupID, fromSequence: from, toSequence: to, count: to - from + 1, recovered });
  }
}

/** Events `from..=to` of a room read from its history, paging back as needed. */
export async function readHistory(
  request: (op: string, data: unknown) => Promise<any>,
  roomId: string,
  from: number,
  to: number,
): Promise<{ epoch: string; events: WireEvent[] }> {
  const PAGE_MAX = 100;
  const found: WireEvent[] = [];
  let epoch = '';
  let before = to + 1;
  while (before > from) {
    const limit = Math.min(PAGE_MAX, before - from);
    const d = await request('history', { roomId, beforeSeq: before, limit });
    if (epoch !== '' && d.epoch !== epoch) break;
    epoch = d.epoch;
    const page: WireEvent[] = (d.events ?? []).filter((e: WireEvent) => e.seq >= from && e.seq < before);
    if (page.length === 0) break;
    found.unshift(...page);
    before = page[0].seq;
    if ((d.events ?? []).length < limit) break;
  }
  return { epoch, events: found };
}
