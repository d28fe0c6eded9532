/// <reference types="node" />
// Public types of `qualys-cs`. Generated beside it: the resource classes (`resources.d.ts`, from
// spec/endpoints.json) and the response shapes (`models.d.ts`, from spec/shapes.json); this file
// holds the client, options, errors and pagination. Responses carry the API's keys untouched: the
// interfaces name the documented fields and allow any other (`[key: string]: unknown`).

import type { Resources } from './resources'
export * from './resources'
// The request bodies (`RegistriesCreateBody`, ...), generated from the API's sample requests.
export * from './bodies'

// ---------------------------------------------------------------------------------------------
// Options

export type Platform =
  | 'US1' | 'US2' | 'US3' | 'US4' | 'EU1' | 'EU2' | 'EU3' | 'IN1' | 'CA1' | 'AE1' | 'UK1' | 'AU1' | 'KSA1'
  | (string & {})

export interface ClientOptions {
  /** Qualys platform (`'US2'`, ...): picks the API server or gateway URL. */
  platform?: Platform
  /** A custom base URL (a simulator, a proxy, a private platform); overrides `platform`. */
  baseUrl?: string
  /** Where `POST /auth` goes; defaults to the platform's gateway or `baseUrl`. */
  authUrl?: string
  username?: string
  password?: string
  /** A bearer token you already have (instead of username/password). */
  token?: string
  /** An API client's id (with `clientSecret`), for `auth: 'oidc'` or `'oauth'`. */
  clientId?: string
  /** The API client's secret (with `clientId`). */
  clientSecret?: string
  /**
   * How the credentials authenticate: username/password as a gateway JWT (default; `'bearer'` is
   * the same) or HTTP Basic; an API client's token from `/auth/oidc` (a user-level client) or
   * `/auth/oauth` (a subscription-level one).
   */
  auth?: 'jwt' | 'bearer' | 'basic' | 'oidc' | 'oauth'
  /**
   * The time limit of each HTTP attempt in milliseconds (default 120000): see
   * `CallOptions.timeout`. Also bounds each `POST /auth`.
   */
  timeout?: number
  /** Connect timeout in milliseconds (default 10000). */
  connectTimeout?: number
  /** Retries after the first attempt for connection errors, 429 and 5xx on idempotent calls (default 3). */
  maxRetries?: number
  /** First retry delay in ms (default 500); doubles per attempt up to `backoffMax` (default 8000), with jitter. */
  backoffBase?: number
  backoffMax?: number
  /** The longest server-requested wait (429) slept through before failing, in ms (default 120000). */
  maxRetryWait?: number
  /** `http://`, `https://` or `socks5://` proxy URL. */
  proxy?: string
  userAgent?: string
  /** Requests in flight at once across everything sharing this client (default 16). */
  maxConcurrency?: number
  /** Most pages fetched ahead while a list is consumed (default 16, fewer for large pages: about 4,000 items wait at most, 1,000 on cursor lists; 1 = none). */
  prefetch?: number
  /** Client-side rate limiting per endpoint family from the `X-RateLimit-*` headers (default true). */
  rateLimit?: boolean
  /** Client-side validation of documented rules before sending (default true). */
  validate?: boolean
  /**
   * The largest response body read into memory, in bytes (default 256 MiB). A larger
   * `Content-Length` is refused before reading and a longer body is cut off, as a `DecodeError`
   * with `code` `E_RESPONSE_TOO_LARGE` (not retried). Report downloads to a file are not bounded.
   */
  maxResponseBytes?: number
  /**
   * Allow a plain `http://` base or auth URL on a host that is not loopback (default false:
   * credentials would cross the network in clear text). Loopback hosts are always allowed.
   */
  allowInsecureHttp?: boolean
  /**
   * What an integer beyond ±(2^53 − 1) in a response becomes: `'number'` (default: the nearest
   * double, exactly what `JSON.parse` gives), `'bigint'` (exact) or `'string'` (exact decimal text).
   * Integers within the safe range are always numbers.
   */
  largeIntegers?: 'number' | 'bigint' | 'string'
  /**
   * Where the client's log lines go: an object with `debug`, `info` and `warn` methods (`console`,
   * a pino or winston logger), each called as `(line, fields)`. Each request attempt is a debug
   * line (method, path template, status, milliseconds, attempt), each retry and rate-limit wait an
   * info line, a call that gives up after retrying a warn line; no line holds a secret, a body or
   * a query value. Without a `logger`, `QUALYS_CS_LOG=debug|info|warn` logs to stderr.
   */
  logger?: Logger
  /** The lowest level sent to `logger`: default `QUALYS_CS_LOG`, else `'info'`; `'off'` for none. */
  logLevel?: 'debug' | 'info' | 'warn' | 'off'
}

/** A log event's fields: `event` (`request`, `retrying`, `rate limit: waiting`, `giving up`...),
 * `endpoint` (the table id) and `name` (`images.list`), and the event's own (`method`, `path`,
 * `status`, `attempt`, `elapsed_ms`, `wait_ms`, `family`...). */
export interface LogFields {
  event: string
  endpoint?: string
  name?: string
  [key: string]: unknown
}

/** What `ClientOptions.logger` takes. */
export interface Logger {
  debug(line: string, fields: LogFields): void
  info(line: string, fields: LogFields): void
  warn(line: string, fields: LogFields): void
}

/** Name/value pairs: an object (an array value repeats the name) or a list of `[name, value]`. */
export type Pairs =
  | Record<string, string | number | boolean | Array<string | number | boolean>>
  | Array<[string, string | number | boolean]>

/**
 * Options every method takes (in its options object, next to the endpoint's own options). The
 * same options, with the same meaning, as the Python client's `timeout`, `max_retries`,
 * `extra_headers` and `extra_query` (Python takes seconds where Node takes milliseconds).
 */
export interface CallOptions {
  /**
   * The time limit of each HTTP attempt in milliseconds: connecting, sending, and receiving the
   * headers and the whole body. A retry gets the full time again, and the waits between attempts
   * (backoff, a 429's wait, the rate limiter's queue) are not counted. A timeout rejects with
   * `APITimeoutError`. Default: the client's `timeout`.
   */
  timeout?: number
  /** Retries after the first attempt (0 disables retrying). Default: the client's `maxRetries`. */
  maxRetries?: number
  /** Extra request headers (never logged). */
  extraHeaders?: Pairs
  /** Extra query parameters, sent after the endpoint's own. */
  extraQuery?: Pairs | URLSearchParams
  /** @deprecated The old spelling of `extraHeaders` (used when `extraHeaders` is not given). */
  headers?: Pairs
  /** @deprecated The old spelling of `extraQuery` (used when `extraQuery` is not given). */
  query?: Pairs | URLSearchParams
  /** Aborting cancels the request in flight and rejects with `AbortError`. */
  signal?: AbortSignal
}

/** Options of the auto-paginating `list`-style methods. */
export interface ListOptions extends CallOptions {
  /** Pages fetched ahead (default: the client's `prefetch`). */
  prefetch?: number
  /** Called for every page fetched (iteration, `toArray`, exports): progress, logging. */
  onPage?: (page: PageInfo) => void
}

/** Options of `client.request`. */
export interface RequestOptions extends Omit<CallOptions, 'query'> {
  /** The request's query (arrays repeat the name); `extraQuery` is appended after it. */
  query?: Pairs | URLSearchParams
  /** A JSON body (`JSON.stringify` semantics). */
  body?: unknown
}

// ---------------------------------------------------------------------------------------------
// Responses

export type JsonObject = { [key: string]: unknown }

/** Rate-limit state from the `X-RateLimit-*` / `X-Concurrency-Limit-*` headers. */
export interface RateLimit {
  limit: number | null
  remaining: number | null
  windowSecs: number | null
  toWaitSecs: number | null
  concurrencyLimit: number | null
  concurrencyRunning: number | null
}

/** What `client.withRawResponse.…` resolves to. */
export interface RawResponse<T> {
  data: T
  status: number
  /** Lower-case header names; repeated headers joined with `, `. */
  headers: Record<string, string>
  rateLimit: RateLimit | null
  /** Attempts the call took (1 = no retry). */
  attempts: number
}

/** `T`, or `RawResponse<T>` on a `withRawResponse` client. */
export type Out<R extends boolean, T> = R extends true ? RawResponse<T> : T

/** One page of a list. */
export interface Page<T> {
  items: T[]
  /** Page number (page-numbered lists), 1-based; `null` for cursor lists. */
  number: number | null
  /** Total matching records (`count`), when the API gives it. */
  total: number | null
  /** The cursor (`paginationQuery`) that fetched this page; `null` for the first or page-numbered. */
  cursor: string | null
  /** Other keys of the page object (`count`, `groups`, ...), as sent. */
  extra: JsonObject
  status: number
  headers: Record<string, string>
  rateLimit: RateLimit | null
  attempts: number
}

/** An auto-paginating list: `for await (const x of list)`, `.pages()`, `.toArray()`, `.total`. */
export declare class PagedList<T> implements AsyncIterable<T> {
  private constructor()
  /** Total matching records once the first page arrived (`undefined` before, or when unknown). */
  readonly total: number | undefined
  /** The page size sent with every request. */
  readonly pageSize: number
  pages(): AsyncGenerator<Page<T>, void, undefined>
  toArray(): Promise<T[]>
  /** The records as JSON Lines (each as sent, one a line), streamed page by page. */
  jsonlStream(): import('node:stream').Readable
  /** The records as CSV (the list's columns: ISO 8601 times, nested values as JSON), streamed page by page. */
  csvStream(): import('node:stream').Readable
  /** Write JSON Lines to a path or a `Writable` (ended after); resolves to the record count. */
  toJsonl(dest: string | URL | NodeJS.WritableStream): Promise<number>
  /** Write CSV to a path or a `Writable` (ended after); resolves to the record count. */
  toCsv(dest: string | URL | NodeJS.WritableStream): Promise<number>
  [Symbol.asyncIterator](): AsyncIterator<T>
}

/** What a list's `onPage` callback gets for every page fetched. */
export interface PageInfo {
  /** The page number (page-numbered lists), else `null`. */
  number: number | null
  /** The API's `count` when it gives one. */
  total: number | null
  /** Records on this page. */
  count: number
  cursor: string | null
  /** Pages and records fetched so far by this run. */
  pages: number
  records: number
}

// The response shapes, generated from spec/shapes.json (one file for Rust, Python and TypeScript).
export * from './models'

// ---------------------------------------------------------------------------------------------
// Client

export interface Client extends Resources<false> {}
export declare class Client {
  constructor(options?: ClientOptions)
  /** `QUALYS_USERNAME`, `QUALYS_PASSWORD`, `QUALYS_TOKEN`, `QUALYS_PLATFORM`, `QUALYS_BASE_URL`, `QUALYS_AUTH_URL`, `QUALYS_AUTH`, `QUALYS_PROXY`, then `options`. */
  static fromEnv(options?: ClientOptions): Client
  readonly baseUrl: string
  /** A client with default per-call options, sharing connections, auth and rate limiter. */
  withOptions(options: Omit<CallOptions, 'signal'>): Client
  /** The same client, whose methods resolve to `{data, status, headers, rateLimit, attempts}`. */
  readonly withRawResponse: RawClient
  /** Any method and path under the base URL (`/csapi/v1.3/...`), with the client's auth, retries and errors. */
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<T>
}

export interface RawClient extends Resources<true> {
  readonly baseUrl: string
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<RawResponse<T>>
}

/** The endpoint table the resources are generated from. */
export declare function endpoints(): JsonObject[]

// ---------------------------------------------------------------------------------------------
// Errors

/** Base class of every error this package throws. */
export declare class QualysError extends Error {
  /** `E_NOT_FOUND`, `E_VALIDATION`, `E_TIMEOUT`, ... (`ABORT_ERR` for aborts). */
  code: string
  /** HTTP status, for API errors. */
  status: number | undefined
  /** Qualys' `errorCode` (`CMS-1504`, ...), when the body had one. */
  errorCode: string | undefined
  /** Request method and path (no query string), when a request was made. */
  method: string | undefined
  path: string | undefined
}
/** The server answered with a non-success status. */
export declare class APIError extends QualysError {
  status: number
  apiMessage: string | undefined
  timestamp: number | undefined
  rateLimit: RateLimit | undefined
}
export declare class BadRequestError extends APIError {}
export declare class AuthenticationError extends APIError {}
export declare class PermissionDeniedError extends APIError {}
export declare class NotFoundError extends APIError {}
export declare class ConflictError extends APIError {}
export declare class RateLimitError extends APIError {
  /** Seconds the server asked to wait. */
  retryAfter: number | undefined
}
export declare class ServerError extends APIError {}
export declare class APIConnectionError extends QualysError {}
export declare class APITimeoutError extends APIConnectionError {
  timeoutMs: number | undefined
}
export declare class DecodeError extends QualysError {}
/** A bad argument, refused before any request. */
export declare class ValidationError extends QualysError {
  field: string | undefined
  rule: string | undefined
}
export declare class RecordCapError extends QualysError {
  cap: number | undefined
  total: number | undefined
  alternative: string | undefined
}
export declare class ConfigError extends QualysError {}
/** A call aborted through its `AbortSignal` (`name === 'AbortError'`; `cause` is the signal's reason). */
export declare class AbortError extends QualysError {}
