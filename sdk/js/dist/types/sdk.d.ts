/**
 * The SDK instance: TIM v2's API over one Roomcast WebSocket, kept alive
 * across network failures (reconnect with backoff, then log in and rejoin
 * every room again).
 */
import { type WebSocketCtor } from './connection.js';
import { type Handler } from './emitter.js';
import { type Group, type Message, type Payload } from './message.js';
export interface CreateOptions {
    /** The app's SDKAppID (a number, as in the server's config). */
    SDKAppID: number;
    /**
     * The Roomcast server: `ws://host:port`, `wss://host`, or an `http(s)://`
     * origin (the SDK connects to its `/ws`). Default in a browser: the page's
     * own origin.
     */
    server?: string;
    /** A WebSocket constructor, for runtimes without a global one (e.g. `ws` on Node 20). */
    WebSocket?: WebSocketCtor;
    /** How long a request may wait for its reply (default 10 000 ms). */
    requestTimeoutMs?: number;
    /** Ping the server after this long without traffic; no reply closes and reconnects (default 25 000 ms; 0 turns it off). */
    keepaliveMs?: number;
    /** How long opening a connection may take (default 10 000 ms). */
    connectTimeoutMs?: number;
    /** Reconnect backoff: the first retry waits about `minDelayMs`, doubling to `maxDelayMs` (defaults 1 000 and 30 000). */
    reconnect?: {
        minDelayMs?: number;
        maxDelayMs?: number;
    };
}
/** Every promise of the API resolves with this. */
export interface TIMResponse<T> {
    code: 0;
    data: T;
}
interface MessageOptions {
    to: string;
    conversationType: string;
    priority?: string;
    payload: unknown;
}
/** `ws://…/ws?sdkAppId=…` from whatever address form the app gave. */
export declare function socketURL(server: string, sdkAppID: number): string;
/** Equal-jitter exponential backoff: between half and all of min·2^attempt, capped. */
export declare function backoffDelay(attempt: number, minMs: number, maxMs: number, random?: () => number): number;
export declare class ChatSDK {
    readonly SDKAppID: number;
    private readonly url;
    private readonly WS;
    private readonly opts;
    private readonly log;
    private readonly emitter;
    private conn;
    /** The connection being opened and restored (its close is handled by `establish`). */
    private establishing;
    private connecting;
    private reconnectTimer;
    private reconnectAttempt;
    private netState;
    private destroyed;
    private queue;
    private session;
    private ready;
    /** The profile as the server stored it. */
    private profile;
    /** The profile the app set, applied again if a restarted server lost it. */
    private wantedProfile;
    private readonly rooms;
    /** Sent messages whose own copy (the server echoes it) is still to come, by msgKey. */
    private readonly own;
    /** Use `TIM.create`; the constructor makes an instance outside the one-per-SDKAppID registry. */
    constructor(options: CreateOptions);
    on(eventName: string, handler: Handler, context?: unknown): void;
    off(eventName: string, handler: Handler, context?: unknown): void;
    /**
     * Accepted for compatibility and ignored: TIM's plugins upload files
     * (images, audio, video), which Roomcast's rooms do not carry.
     */
    registerPlugin(plugins: Record<string, unknown>): void;
    /** 0 debug, 1 info (default), 2 warn, 3 error, 4 none. */
    setLogLevel(level: number): void;
    login(options: {
        userID: string;
        userSig: string;
    }): Promise<TIMResponse<{
        repeatLogin: boolean;
    }>>;
    /** Logs out: the server quits every room; the instance is a guest in no room afterwards. */
    logout(): Promise<TIMResponse<Record<string, never>>>;
    updateMyProfile(options: {
        nick?: string;
        avatar?: string;
        [other: string]: unknown;
    }): Promise<TIMResponse<{
        userID: string;
        nick: string;
        avatar: string;
    }>>;
    getMyProfile(): Promise<TIMResponse<{
        userID: string;
        nick: string;
        avatar: string;
    }>>;
    /** Joins a room; works without login (a guest receives only). */
    joinGroup(options: {
        groupID: string;
        type?: string;
        applyMessage?: string;
    }): Promise<TIMResponse<{
        status: string;
        group: Group;
    }>>;
    quitGroup(groupID: string): Promise<TIMResponse<{
        groupID: string;
    }>>;
    getGroupProfile(options: {
        groupID: string;
    }): Promise<TIMResponse<{
        group: Group;
    }>>;
    getGroupOnlineMemberCount(groupID: string): Promise<TIMResponse<{
        memberCount: number;
    }>>;
    /** The IDs of the rooms this instance is in (Roomcast). */
    getJoinedGroupIDs(): string[];
    getGroupCounters(options: {
        groupID: string;
        keyList?: string[];
    }): Promise<TIMResponse<{
        groupID: string;
        counters: Record<string, number>;
    }>>;
    setGroupCounters(options: {
        groupID: string;
        counters: Record<string, number>;
    }): Promise<TIMResponse<{
        groupID: string;
        counters: Record<string, number>;
    }>>;
    increaseGroupCounter(options: {
        groupID: string;
        key: string;
        value: number;
    }): Promise<TIMResponse<{
        groupID: string;
        key: string;
        value: number;
    }>>;
    decreaseGroupCounter(options: {
        groupID: string;
        key: string;
        value: number;
    }): Promise<TIMResponse<{
        groupID: string;
        key: string;
        value: number;
    }>>;
    getGroupAttributes(options: {
        groupID: string;
        keyList?: string[];
    }): Promise<TIMResponse<{
        groupAttributes: Record<string, string>;
    }>>;
    /** Replaces the whole map (owner, admins). */
    initGroupAttributes(options: {
        groupID: string;
        groupAttributes: Record<string, string>;
    }): Promise<TIMResponse<{
        groupAttributes: Record<string, string>;
    }>>;
    setGroupAttributes(options: {
        groupID: string;
        groupAttributes: Record<string, string>;
    }): Promise<TIMResponse<{
        groupAttributes: Record<string, string>;
    }>>;
    /** An empty (or absent) `keyList` deletes every attribute (owner, admins). */
    deleteGroupAttributes(options: {
        groupID: string;
        keyList?: string[];
    }): Promise<TIMResponse<{
        keyList: string[];
    }>>;
    /**
     * A room's recent messages from the server's history (newest page first,
     * each page oldest first), as TIM's `getMessageList` for a group
     * conversation: `conversationID` is `GROUP<groupID>`; pass the returned
     * `nextReqMessageID` to page further back.
     */
    getMessageList(options: {
        conversationID: string;
        nextReqMessageID?: string;
        count?: number;
    }): Promise<TIMResponse<{
        messageList: Message[];
        nextReqMessageID: string;
        isCompleted: boolean;
    }>>;
    setGroupMemberMuteTime(options: {
        groupID: string;
        userID: string;
        muteTime: number;
    }): Promise<TIMResponse<{
        groupID: string;
        userID: string;
        muteTime: number;
    }>>;
    /** In an AVChatRoom this bans: the members are removed and cannot rejoin for `duration` seconds. */
    deleteGroupMember(options: {
        groupID: string;
        userIDList: string[];
        reason?: string;
        duration: number;
    }): Promise<TIMResponse<{
        groupID: string;
        userIDList: string[];
    }>>;
    setGroupMemberRole(options: {
        groupID: string;
        userID: string;
        role: string;
    }): Promise<TIMResponse<{
        groupID: string;
        userID: string;
        role: string;
    }>>;
    updateGroupProfile(options: {
        groupID: string;
        name?: string;
        introduction?: string;
        notification?: string;
        avatar?: string;
        muteAllMembers?: boolean;
        groupCustomField?: {
            key: string;
            value: string;
        }[];
    }): Promise<TIMResponse<{
        group: Group;
    }>>;
    dismissGroup(groupID: string): Promise<TIMResponse<{
        groupID: string;
    }>>;
    createTextMessage(options: MessageOptions): Message;
    createCustomMessage(options: MessageOptions): Message;
    createFaceMessage(options: MessageOptions): Message;
    /**
     * Sends a message made by `create*Message`. Resolves once the server has
     * sequenced it (`message.sequence`, `message.time` filled in). The server
     * also delivers it back to this connection: that copy is not repeated
     * through `MESSAGE_RECEIVED`. Sending the same message object again after
     * a failure is idempotent (its `ID` is the server's `msgKey`).
     */
    sendMessage(message: Message, _options?: unknown): Promise<TIMResponse<{
        message: Message;
    }>>;
    /** TIM's resend: the same as `sendMessage` (idempotent by the message's ID). */
    resendMessage(message: Message): Promise<TIMResponse<{
        message: Message;
    }>>;
    /** Closes the connection and forgets everything; the instance cannot be used again. */
    destroy(): Promise<void>;
    /** An open connection with the session restored: the current one, or a new one. */
    private connection;
    private establish;
    /** After a new connection: log in again, restore the profile, rejoin every room. */
    private restore;
    /** Joins `ids` again; a room that is gone or refuses is dropped with a system notice. */
    private rejoin;
    private scheduleReconnect;
    private onClosed;
    private onPush;
    /** Events from a push: each room's stream decides what is next in order. */
    private deliver;
    /** Events already in order (from a push, a fill or a rejoin) as one MESSAGE_RECEIVED; own echoes left out. */
    private deliverInOrder;
    private groupStateChanged;
    /** True when `ev` is this instance's own message coming back (already resolved by `sendMessage`). */
    private ownEcho;
    private newRoom;
    /** Tells the app it is no longer in `id` (banned, dismissed), as TIM does: a group system notice. */
    private leftRoom;
    private kickedOut;
    private forgetSession;
    private wantsConnection;
    private closeIfIdle;
    private setNetState;
    private requireLogin;
    private self;
    private messageTarget;
    private pruneOwn;
    /** Runs state-changing operations one at a time, in call order. */
    private serial;
    /** One request on the current (or a new) connection. */
    private request;
    /** An operation on one room: checks the options and `groupID`, runs `body`, wraps the result. */
    private call;
    private changeCounter;
    /**
     * An attribute write, conditional on the version this instance last saw
     * (if any). On a conflict (`10056`) the SDK reads the current map (firing
     * `GROUP_ATTRIBUTES_UPDATED`) and rejects: the app decides whether to retry.
     */
    private writeAttributes;
    private attributesReply;
    /** A room-management operation: logged-in users only, one at a time. */
    private manage;
}
/** The instance for `options.SDKAppID`: created on the first call, the same one afterwards (until `destroy`). */
export declare function create(options: CreateOptions): ChatSDK;
export type { Message, Group, Payload };
