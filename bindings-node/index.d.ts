/// <reference types="node" />
// Public types of `qualys-cs`. Generated beside it: the resource classes (`resources.d.ts`, from
// spec/endpoints.json) and the response shapes (`models.d.ts`, from spec/shapes.json); this file
// holds the client, options, errors and pagination. Responses carry the API's keys untouched: the
// interfaces name the documented fields and allow any other (`[key: string]: unknown`).

import type { Resources } from './resources'
export * from './resources'
// The request bodies (`RegistriesCreateBody`, ...), generated from the API's sample requests.
export * from './bodies'

// The client's options (generated from spec/options.json), the per-call options, pages and the
// logger's types.
export * from './options'
export * from './calls'
import type { ClientOptions } from './options'
import type { CallOptions, JsonObject, RateLimit, RawResponse, RequestOptions } from './calls'

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
  /** The limit of each attempt, in milliseconds. */
  timeoutMs: number | undefined
  /** Requests the call sent (token requests not included). */
  attempts: number | undefined
  /** Milliseconds from the start of the call to the error. */
  elapsedMs: number | undefined
}
/** The call's `deadline` passed (`code` `E_DEADLINE_EXCEEDED`). */
export declare class DeadlineExceededError extends APITimeoutError {
  /** The call's deadline, in milliseconds. */
  deadlineMs: number | undefined
  /** Token requests (`POST /auth...`) the call made. */
  tokenRequests: number | undefined
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
