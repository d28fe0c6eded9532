// Per-call options, raw responses, pages and the logger's types of `qualys-cs` (hand-written; the
// client's options and the response shapes are generated: `options.d.ts`, `models.d.ts`).

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

/** Header name/value pairs, as `Pairs`; a header's value is text (a number is refused). */
export type HeaderPairs = Record<string, string | string[]> | Array<[string, string]>

/**
 * Options every method takes (in its options object, next to the endpoint's own options). The
 * same options, with the same meaning, as the Python client's `timeout`, `deadline`, `max_retries`,
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
  /**
   * The total time of the call in milliseconds: every attempt, the waits between them (backoff, a
   * 429's wait, the queue behind `maxConcurrency` and the rate limiter) and a token request; for a
   * list, of each page fetch. Past it the call rejects with `DeadlineExceededError` (an
   * `APITimeoutError` with `code` `E_DEADLINE_EXCEEDED`, `attempts` and `elapsedMs`); a wait the
   * server asks for that would end past it rejects at once with `RateLimitError`. `0` lifts the
   * client's. Default: the client's `deadline` (none unless set). `signal` still aborts at any time.
   */
  deadline?: number
  /** Retries after the first attempt (0 disables retrying). Default: the client's `maxRetries`. */
  maxRetries?: number
  /** Extra request headers (never logged); their values are strings. */
  extraHeaders?: HeaderPairs
  /** Extra query parameters, sent after the endpoint's own. */
  extraQuery?: Pairs | URLSearchParams
  /** @deprecated The old spelling of `extraHeaders` (used when `extraHeaders` is not given). */
  headers?: HeaderPairs
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
