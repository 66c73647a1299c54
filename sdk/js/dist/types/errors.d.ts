/**
 * Errors. Every rejected promise carries a `TIMError`: the server's `code`,
 * `message` and details (`data`: `mutedUntil`, `bannedUntil`, `dropReason`,
 * and for `sendMessage` the failed `message`), or one of the SDK's own codes
 * below when the failure happened on the client.
 */
/** Codes raised by the SDK itself (TIM's numbers where TIM has one). */
export declare const SDK_ERROR: Readonly<{
    /** The connection failed or was lost before the reply arrived. */
    readonly NETWORK_ERROR: 2800;
    /** No reply within `requestTimeoutMs`. */
    readonly NETWORK_TIMEOUT: 2801;
    /** `sendMessage` was given something that is not a message. */
    readonly MESSAGE_SEND_NEED_MESSAGE_INSTANCE: 2105;
    /** The operation needs a logged-in user (the server's code for the same refusal). */
    readonly NOT_LOGGED_IN: 6014;
    /** The instance was destroyed. */
    readonly SDK_DESTROYED: 2999;
    /** A feature of TIM that Roomcast does not have (yet). */
    readonly NOT_SUPPORTED: 2905;
}>;
/** Server codes the SDK also raises when it can tell before sending. */
export declare const SERVER_ERROR: Readonly<{
    readonly INVALID_PARAMETER: 10004;
    readonly PERMISSION_DENIED: 10007;
    readonly GROUP_NOT_FOUND: 10010;
    readonly INVALID_GROUP_ID: 10015;
    readonly MUTED: 10017;
    readonly USERSIG_EXPIRED: 70001;
    readonly USERSIG_MISSING: 70002;
    readonly BODY_TOO_LONG: 80002;
    readonly CONTENT_BLOCKED: 80001;
    readonly FREQUENCY_DROPPED: 200001;
    readonly ATTRIBUTES_CONFLICT: 10056;
}>;
export declare class TIMError extends Error {
    /** The server's error code, or one of `SDK_ERROR`. */
    readonly code: number;
    /** The server's reply details, if any; `data.message` is the failed message for `sendMessage`. */
    data: Record<string, unknown> | undefined;
    /** True when the same request may succeed later unchanged. */
    readonly retryable: boolean;
    constructor(code: number, message: string, data?: Record<string, unknown>, retryable?: boolean);
}
export declare function invalid(message: string, code?: number): TIMError;
