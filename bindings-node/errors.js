'use strict'
// The error classes (same names as the Python binding) and the one mapping from native errors.
// The native layer puts the fields of a core error as JSON after a marker in the message, because
// napi-rs cannot attach properties to an async rejection; `fromNative` rebuilds the typed error.

const MARKER = '__QUALYS_CS_ERROR__'

const { INSPECT } = require('./inspect')

/** Base class of every error this package throws. */
class QualysError extends Error {
  constructor(message, fields = {}, options) {
    super(message, options)
    this.name = new.target.name
    /** Stable machine-readable code: `E_NOT_FOUND`, `E_VALIDATION`, ... */
    this.code = fields.code ?? 'E_QUALYS'
    this.status = fields.status ?? undefined
    this.errorCode = fields.errorCode ?? undefined
    this.method = fields.method ?? undefined
    this.path = fields.path ?? undefined
  }

  /**
   * The stack, then the fields that are set (`code`, `status`, `method`, `path`, ...) and the
   * cause: Node's own display of an error lists every field, unset ones as `undefined`.
   */
  [INSPECT](depth, options, inspect) {
    const head = this.stack ?? `${this.name}: ${this.message}`
    if (depth < 0) return head
    const fields = {}
    for (const [k, v] of Object.entries(this)) if (v !== undefined && k !== 'name') fields[k] = v
    if (this.cause !== undefined) fields.cause = this.cause
    if (Object.keys(fields).length === 0) return head
    const fmt = typeof inspect === 'function' ? inspect : require('node:util').inspect
    return `${head} ${fmt(fields, { ...options, depth })}`
  }
}

/** The server answered with a non-success status. */
class APIError extends QualysError {
  constructor(message, fields = {}, options) {
    super(message, fields, options)
    /** Qualys' own message (`message` also names the request and status). */
    this.apiMessage = fields.apiMessage ?? undefined
    /** Qualys `timestamp` (epoch ms), when the body had one. */
    this.timestamp = fields.timestamp ?? undefined
    /** Rate-limit headers of the failed response, when present. */
    this.rateLimit = fields.rateLimit ?? undefined
  }
}
class BadRequestError extends APIError {}
class AuthenticationError extends APIError {}
class PermissionDeniedError extends APIError {}
class NotFoundError extends APIError {}
class ConflictError extends APIError {}
class RateLimitError extends APIError {
  constructor(message, fields = {}, options) {
    super(message, fields, options)
    /** Seconds the server asked to wait (`X-RateLimit-ToWait-Sec` / `Retry-After`). */
    this.retryAfter = fields.retryAfter ?? undefined
  }
}
class ServerError extends APIError {}
/** The connection failed or broke before a full response arrived. */
class APIConnectionError extends QualysError {}
/** The request did not complete within its timeout. */
class APITimeoutError extends APIConnectionError {
  constructor(message, fields = {}, options) {
    super(message, fields, options)
    /** The limit of each attempt, in milliseconds. */
    this.timeoutMs = fields.timeoutMs ?? undefined
    /** Requests the call sent (token requests not included). */
    this.attempts = fields.attempts ?? undefined
    /** Milliseconds from the start of the call to the error. */
    this.elapsedMs = fields.elapsedMs ?? undefined
  }
}
/** The call's `deadline` passed (`code` `E_DEADLINE_EXCEEDED`); an `APITimeoutError`. */
class DeadlineExceededError extends APITimeoutError {
  constructor(message, fields = {}, options) {
    super(message, fields, options)
    /** The call's deadline, in milliseconds. */
    this.deadlineMs = fields.deadlineMs ?? undefined
    /** Token requests (`POST /auth...`) the call made. */
    this.tokenRequests = fields.tokenRequests ?? undefined
  }
}
/**
 * The response could not be used as it came: a body that does not decode (`E_DECODE`), one larger
 * than `maxResponseBytes` (`E_RESPONSE_TOO_LARGE`, not retried), or a list whose pages do not
 * converge (`E_PAGINATION`: a cursor that comes back, a page that repeats).
 */
class DecodeError extends QualysError {}
/** An argument breaks a documented rule; nothing was sent. */
class ValidationError extends QualysError {
  constructor(message, fields = {}, options) {
    super(message, fields, options)
    /** The offending argument or body field (`scheduleScanIntervalInDays`, `body.name`, ...). */
    this.field = fields.field ?? undefined
    /** The rule it breaks: `required`, `range`, `enum`, `unknown_argument`, ... */
    this.rule = fields.rule ?? undefined
  }
}
/** A page-numbered list stops at the server's record cap (10,000 for images/containers). */
class RecordCapError extends QualysError {
  constructor(message, fields = {}, options) {
    super(message, fields, options)
    this.cap = fields.cap ?? undefined
    this.total = fields.total ?? undefined
    /** What reaches the rest (`images.bulk_list`, cursor pagination). */
    this.alternative = fields.alternative ?? undefined
  }
}
/** The client was configured wrongly. */
class ConfigError extends QualysError {}
/** The call was aborted through its `AbortSignal`. `cause` is the signal's reason. */
class AbortError extends QualysError {
  constructor(message = 'The operation was aborted', fields = {}, options) {
    super(message, { code: 'ABORT_ERR', ...fields }, options)
  }
}

const CLASSES = {
  QualysError, APIError, BadRequestError, AuthenticationError, PermissionDeniedError, NotFoundError,
  ConflictError, RateLimitError, ServerError, APIConnectionError, APITimeoutError,
  DeadlineExceededError, DecodeError,
  ValidationError, RecordCapError, ConfigError, AbortError,
}

/** A native error (or any other thrown value) as the typed error it stands for. */
function fromNative(err, signal) {
  const msg = err && typeof err.message === 'string' ? err.message : ''
  const at = msg.indexOf(MARKER)
  if (at < 0) return err
  let fields
  try {
    fields = JSON.parse(msg.slice(at + MARKER.length))
  } catch {
    return err
  }
  const Cls = CLASSES[fields.class] || QualysError
  const options = Cls === AbortError && signal ? { cause: signal.reason } : undefined
  return new Cls(fields.message, fields, options)
}

module.exports = { ...CLASSES, fromNative, MARKER }
