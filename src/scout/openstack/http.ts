/**
 * One OpenStack service's HTTP client: ky with Arsenal's retry policy, timeouts, credentials,
 * error decoding and per-request metrics.
 *
 * - Reads (GET, HEAD, and requests marked `idempotent`) are retried by ky on connection errors,
 *   timeouts, 408, 429, 500, 502, 503 and 504, and when the body is cut off mid-stream;
 *   `call_max_retries` times, waiting `call_retry_interval * 2^(n-1)` seconds (at most 30 s,
 *   jittered to 50–100 %), or what `Retry-After` says on 429 and 503 (at most 5 min).
 * - `call_timeout` bounds each attempt, its body included: every answer is read in full before
 *   it is returned, so a body that stalls after the headers is a timeout like any other.
 * - Writes go out once: a write whose answer is lost may have been applied, so only its caller,
 *   who can read the state back, may decide to send another (see `IronicApi`).
 * - A 401 invalidates the credentials and repeats the request once with fresh ones: the token
 *   was refused before the service saw the request, so nothing was applied.
 * - Every failure becomes an {@linkcode UpstreamError} naming the service, method, path, status
 *   and the upstream's own reason. Headers and bodies are never logged: they carry credentials.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import ky, {
  ForceRetryError,
  isForceRetryError,
  isHTTPError,
  isNetworkError,
  isTimeoutError,
  type KyInstance,
  type Options,
  type RetryOptions,
} from "ky";
import type { Random } from "../../domain/random.ts";
import {
  type Service,
  SERVICE_NAMES,
  UpstreamError,
  upstreamReason,
  withoutUuids,
} from "./errors.ts";

const log = getLogger(["arsenal", "openstack"]);

/** Longest wait between retries, unless the interval itself is longer. */
const BACKOFF_LIMIT_MS = 30_000;
/** Longest `Retry-After` honoured. */
const MAX_RETRY_AFTER_MS = 300_000;

/** How hard to try: `[client_wrapper] call_max_retries`, `call_retry_interval`, `call_timeout`. */
export interface RetryPolicy {
  readonly retries: number;
  /** Seconds; the base of the backoff. */
  readonly intervalSeconds: number;
  /** Seconds one attempt may take. */
  readonly timeoutSeconds: number;
}

/** Receives one observation per HTTP attempt (retries included), and the waits they make. */
export interface UpstreamObserver {
  /** `status` is the HTTP status, or `error` when no whole response arrived. */
  observeUpstream(service: Service, method: string, status: string, seconds: number): void;
  /**
   * The client now waits on `service` for up to `ms` by design: an attempt that may take until
   * its timeout, or the pause before a retry (`Retry-After`, backoff).
   */
  observeWait?(service: Service, ms: number): void;
}

/** What a service client needs from the credentials in force. */
export interface Credentials {
  /** Headers that authenticate a request (none for noauth). */
  headers(signal: AbortSignal): Promise<Record<string, string>>;
  /** Forgets cached credentials after a 401; true when fresh ones can be obtained. */
  invalidate(): boolean;
}

/** One request's options. */
export interface RequestOptions {
  readonly signal: AbortSignal;
  readonly searchParams?: Record<string, string>;
  readonly json?: unknown;
  readonly headers?: Record<string, string>;
  /**
   * Retry like a read: the request changes nothing that a repeat would change again (e.g.
   * Keystone's token request). Default: true for GET and HEAD only.
   */
  readonly idempotent?: boolean;
}

function backoff(intervalSeconds: number): (attempt: number) => number {
  return (attempt) => intervalSeconds * 1000 * 2 ** (attempt - 1);
}

/**
 * ky's retry options for reads under `policy`: what is retried, how often, and how long apart.
 * Each wait is drawn from `random`, so a seed gives the same waits.
 */
export function readRetry(policy: RetryPolicy, random: Random) {
  return {
    limit: policy.retries,
    // Which requests are reads is decided in ServiceClient; these options retry what they get.
    methods: ["get", "head", "post", "put", "patch", "delete"],
    statusCodes: [408, 429, 500, 502, 503, 504],
    afterStatusCodes: [429, 503],
    maxRetryAfter: MAX_RETRY_AFTER_MS,
    delay: backoff(policy.intervalSeconds),
    backoffLimit: Math.max(BACKOFF_LIMIT_MS, policy.intervalSeconds * 1000),
    jitter: (delay: number) => delay * (0.5 + random.next() * 0.5),
    retryOnTimeout: true,
  } satisfies RetryOptions;
}

/** Joins a base URL and a path without doubling or losing slashes. */
export function joinUrl(base: string, path: string): string {
  if (/^https?:\/\//.test(path)) return path;
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/** What went wrong with one attempt: its HTTP status, if any, and the reason in a few words. */
function attemptFailure(
  error: unknown,
  timeoutSeconds: number,
): { status?: number; reason: string } {
  if (isForceRetryError(error) && error.code === BODY_CUT_OFF) {
    return { reason: `the answer was cut off (${causeMessage(error.cause)})` };
  }
  if (isHTTPError(error)) {
    const data = error.data;
    const body = typeof data === "string" ? data : data === undefined ? "" : JSON.stringify(data);
    return {
      status: error.response.status,
      reason: upstreamReason(body, error.response.statusText),
    };
  }
  return { reason: attemptReason(error, timeoutSeconds) };
}

/** Why an attempt got no HTTP answer. */
function attemptReason(error: unknown, timeoutSeconds: number): string {
  if (isTimeoutError(error)) return `no answer within ${timeoutSeconds} s`;
  if (isNetworkError(error)) return `cannot connect (${connectReason(error.cause)})`;
  return error instanceof Error ? error.message : String(error);
}

function causeMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** Deno's connection errors are long; keep the part after the last colon that says why. */
function connectReason(cause: unknown): string {
  const message = causeMessage(cause);
  const parts = message.split(": ");
  return parts[parts.length - 1] || message;
}

/**
 * `fetch`, reporting each attempt's status and duration to `observer`. An attempt ends when its
 * answer is read in full (see {@linkcode wholeBody}), so its duration and the wait announced for
 * it cover the body too.
 */
function observedFetch(
  service: Service,
  observer: UpstreamObserver | undefined,
  policy: RetryPolicy,
  send: typeof fetch,
): typeof fetch {
  const longestBackoff = Math.max(BACKOFF_LIMIT_MS, policy.intervalSeconds * 1000);
  return async (input, init) => {
    const started = performance.now();
    const method = input instanceof Request ? input.method : init?.method ?? "GET";
    // Announce the waits (this attempt, then a retry's pause) so that they count as progress.
    observer?.observeWait?.(service, policy.timeoutSeconds * 1000);
    try {
      const signal = input instanceof Request ? input.signal : init?.signal;
      // Ends when ky's timeout aborts the attempt, not a moment later when the read notices.
      const response = await untilAborted(send(input, init), signal);
      observer?.observeUpstream(service, method, String(response.status), elapsed(started));
      if (!response.ok) observer?.observeWait?.(service, retryWait(response, longestBackoff));
      return response;
    } catch (e) {
      observer?.observeUpstream(service, method, "error", elapsed(started));
      observer?.observeWait?.(service, longestBackoff);
      throw e;
    }
  };
}

/** `promise`, or a rejection with `signal`'s reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) abort();
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/** Marks the forced retry of a read whose body was cut off. */
const BODY_CUT_OFF = "BODY_CUT_OFF";

/**
 * `send`, returning the answer only once its body is read in full. ky's `timeout` bounds the
 * `fetch` it is given, and only that: reading the body here puts a body that stalls after the
 * headers under the same `call_timeout` as the headers (ky then aborts the request, which ends
 * the read). A successful read's body cut off mid-stream is retried like any failed read, instead
 * of failing later, unnamed, in the caller's hands; a failed answer or a write keeps its status,
 * which decides it, and loses only its explanation.
 */
function wholeBody(send: typeof fetch, options: { retryCutOff: boolean }): typeof fetch {
  return async (input, init) => {
    const response = await send(input, init);
    let bytes: ArrayBuffer;
    try {
      bytes = await response.arrayBuffer();
    } catch (cause) {
      const signal = input instanceof Request ? input.signal : init?.signal;
      if (signal?.aborted) throw cause;
      if (!options.retryCutOff || !response.ok) bytes = new ArrayBuffer(0);
      else throw new ForceRetryError({ code: BODY_CUT_OFF, cause: cause as Error });
    }
    return rebuilt(response, bytes);
  };
}

/**
 * `fetch` over a connection of its own, closed once the answer is read. On a pooled keep-alive
 * connection that closes without an answer, Deno's HTTP client sends the request again on its
 * own: for a write, that is a blind resend.
 */
function onFreshConnection(send: typeof fetch): typeof fetch {
  return async (input, init) => {
    const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
    try {
      return await wholeBody(send, { retryCutOff: false })(input, { ...init, client });
    } finally {
      client.close();
    }
  };
}

/** `response` with its body read into `bytes`. */
function rebuilt(response: Response, bytes: ArrayBuffer): Response {
  const whole = new Response(bytes.byteLength > 0 ? bytes : null, response);
  // `url` cannot be given to the constructor; callers resolve relative links against it.
  Object.defineProperty(whole, "url", { value: response.url });
  return whole;
}

/** An HTTP client bound to one service's endpoint and credentials. */
export class ServiceClient {
  readonly service: Service;
  readonly #endpoint: (signal: AbortSignal) => Promise<string>;
  readonly #credentials: Credentials;
  readonly #policy: RetryPolicy;
  /** Reads: retried under the policy. */
  readonly #reads: KyInstance;
  /** Writes: sent once. */
  readonly #writes: KyInstance;

  constructor(options: {
    service: Service;
    /** The service's base URL (from the catalog, or `api_endpoint`). */
    endpoint: (signal: AbortSignal) => Promise<string>;
    credentials: Credentials;
    policy: RetryPolicy;
    observer?: UpstreamObserver;
    /** Headers every request carries (e.g. a microversion). */
    headers?: Record<string, string>;
    /** Where the jitter of retry waits comes from. */
    random: Random;
  }) {
    this.service = options.service;
    this.#endpoint = options.endpoint;
    this.#credentials = options.credentials;
    this.#policy = options.policy;
    const { service, observer, policy } = options;
    const common: Options = {
      headers: { Accept: "application/json", ...options.headers },
      timeout: policy.timeoutSeconds * 1000,
    };
    // Two instances, not one with per-request overrides: ky deep-merges a request's `retry` into
    // the instance's, so a write given any retry option would inherit the read policy.
    this.#writes = ky.create({
      ...common,
      retry: { limit: 0 },
      fetch: observedFetch(service, observer, policy, onFreshConnection(fetch)),
    });
    this.#reads = ky.create({
      ...common,
      fetch: observedFetch(service, observer, policy, wholeBody(fetch, { retryCutOff: true })),
      retry: readRetry(policy, options.random),
      hooks: {
        beforeRetry: [({ request, error, retryCount, options }) => {
          log.warn("{service} {method} {path} failed: {reason}; retry {n} of {limit}", {
            service: SERVICE_NAMES[service],
            method: request.method,
            path: new URL(request.url).pathname,
            reason: Object.values(attemptFailure(error, policy.timeoutSeconds)).join(" "),
            n: retryCount,
            limit: options.retry.limit,
          });
        }],
      },
    });
  }

  /** The service's base URL. */
  endpoint(signal: AbortSignal): Promise<string> {
    return this.#endpoint(signal);
  }

  /**
   * Sends one request and returns the response (2xx only).
   *
   * @throws {UpstreamError} for every failure, after retries
   */
  async request(method: string, path: string, options: RequestOptions): Promise<Response> {
    const url = joinUrl(await this.#endpoint(options.signal), path);
    try {
      return await this.#send(method, url, options);
    } catch (e) {
      if (isHTTPError(e) && e.response.status === 401 && this.#credentials.invalidate()) {
        log.info("{service} refused the token; authenticating again", {
          service: SERVICE_NAMES[this.service],
        });
        try {
          return await this.#send(method, url, options);
        } catch (again) {
          throw this.#failure(method, url, again, options.signal);
        }
      }
      throw this.#failure(method, url, e, options.signal);
    }
  }

  /**
   * Sends one request and decodes its JSON answer.
   *
   * @throws {UpstreamError} for every failure, including a body that is not JSON
   */
  async json<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const { text, url } = await this.text(method, path, options);
    return this.parse<T>(text, method, url);
  }

  /** Sends one request and reads its body as text; `url` is where the answer came from. */
  async text(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<{ text: string; url: string }> {
    const response = await this.request(method, path, options);
    return { text: await response.text(), url: response.url || joinUrl("http://unknown", path) };
  }

  /**
   * Decodes a body read with {@linkcode text}.
   *
   * @throws {UpstreamError} when it is not JSON
   */
  parse<T>(text: string, method: string, url: string): T {
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new UpstreamError(
        this.service,
        { method, path: genericPath(url) },
        undefined,
        `the answer is not JSON (${(e as Error).message})`,
      );
    }
  }

  async #send(method: string, url: string, options: RequestOptions): Promise<Response> {
    const auth = await this.#credentials.headers(options.signal);
    const read = options.idempotent ?? (method === "GET" || method === "HEAD");
    return await (read ? this.#reads : this.#writes)(url, {
      method,
      signal: options.signal,
      searchParams: options.searchParams,
      json: options.json,
      headers: { ...auth, ...options.headers },
    });
  }

  #failure(method: string, url: string, error: unknown, signal: AbortSignal): Error {
    if (error instanceof UpstreamError) return error;
    const request = { method, path: genericPath(url) };
    if (signal.aborted) {
      const why = signal.reason instanceof Error ? signal.reason.message : "aborted";
      return new UpstreamError(this.service, request, undefined, why, { cause: error });
    }
    const { status, reason } = attemptFailure(error, this.#policy.timeoutSeconds);
    return new UpstreamError(this.service, request, status, reason, { cause: error });
  }
}

/**
 * The path with UUIDs replaced by `{uuid}`: the directive already names its node, and the same
 * failure on many nodes then reads the same (the director logs each distinct reason once).
 */
export function genericPath(url: string): string {
  return withoutUuids(new URL(url).pathname);
}

function elapsed(started: number): number {
  return (performance.now() - started) / 1000;
}

/**
 * The longest pause before a retry of a failed answer: its `Retry-After` (seconds or an HTTP date,
 * at most 5 min, as ky honours it), else the backoff's limit.
 */
function retryWait(response: Response, backoffMs: number): number {
  const value = response.headers.get("retry-after")?.trim();
  if (!value) return backoffMs;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : backoffMs;
}
