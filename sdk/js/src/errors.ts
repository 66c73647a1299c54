/**
 * Errors. Every rejected promise carries a `TIMError`: the server's `code`,
 * `message` and details (`data`: `mutedUntil`, `bannedUntil`, `dropReason`,
 * and for `sendMessage` the failed `message`), or one of the SDK's own codes
 * below when the failure happened on the client.
 */

/** Codes raised by the SDK itself (TIM's numbers where TIM has one). */
export const SDK_ERROR = Object.freeze({
  /** The connection failed or was lost before the reply arrived. */
  NETWORK_ERROR: 2800,
  /** No reply within `requestTimeoutMs`. */
  NETWORK_TIMEOUT: 2801,
  /** `sendMessage` was given something that is not a message. */
  MESSAGE_SEND_NEED_MESSAGE_INSTANCE: 2105,
  /** The operation needs a logged-in user (the server's code for the same refusal). */
  NOT_LOGGED_IN: 6014,
  /** The instance was destroyed. */
  SDK_DESTROYED: 2999,
  /** A feature of TIM that Roomcast does not have (yet). */
  NOT_SUPPORTED: 2905,
} as const);

/** Server codes the SDK also raises when it can tell before sending. */
export const SERVER_ERROR = Object.freeze({
  INVALID_PARAMETER: 10004,
  PERMISSION_DENIED: 10007,
  GROUP_NOT_FOUND: 10010,
  INVALID_GROUP_ID: 10015,
  MUTED: 10017,
  USERSIG_EXPIRED: 70001,
  USERSIG_MISSING: 70002,
  BODY_TOO_LONG: 80002,
  CONTENT_BLOCKED: 80001,
  FREQUENCY_DROPPED: 200001,
  ATTRIBUTES_CONFLICT: 10056,
} as const);

export class TIMError extends Error {
  /** The server's error code, or one of `SDK_ERROR`. */
  readonly code: number;
  /** The server's reply details, if any; `data.message` is the failed message for `sendMessage`. */
  data: Record<string, unknown> | undefined;
  /** True when the same request may succeed later unchanged. */
  readonly retryable: boolean;

  constructor(code: number, message: string, data?: Record<string, unknown>, retryable = false) {
    super(message);
    this.name = 'TIMError';
    this.code = code;
    this.data = data;
    this.retryable = retryable;
  }
}

export function invalid(message: string, code: number = SERVER_ERROR.INVALID_PARAMETER): TIMError {
  return new TIMError(code, message);
}
