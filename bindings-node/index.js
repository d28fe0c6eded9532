'use strict'
// The public JS surface of `qualys-cs`. Importing this file or making a client does no I/O and
// starts no thread: loading the addon starts napi's tokio runtime (its workers), so the addon is
// loaded and the core client built on the first call. Configuration errors (no credentials, a bad
// URL) therefore surface as the first call's rejection (or throw from the first `list()`).

const errors = require('./errors')
const { attachResources } = require('./resources')

const { fromNative, AbortError, ValidationError } = errors
const { INSPECT, shown, safeUrl } = require('./inspect')

/** The native addon (`load.js`: napi-rs' loader, with a load failure that names the fix). */
const { loadNative: native } = require('./load')

// Per-call options; the rest of an options object are the endpoint's own arguments. The core's
// options in their Node spelling (the core reads and checks them; tests check this list against
// the addon's `requestOptionNames()`), the deprecated spellings of two of them, and the wrapper's
// own (`signal`, `raw`, `prefetch`, `onPage`).
const CORE_KEYS = ['timeout', 'deadline', 'maxRetries', 'extraHeaders', 'extraQuery']
const DEPRECATED = { headers: 'extraHeaders', query: 'extraQuery' }
const CALL_KEYS = new Set([...CORE_KEYS, ...Object.keys(DEPRECATED), 'signal', 'raw', 'prefetch', 'onPage'])

// The core's MAX_JSON_DEPTH: a body nests at most this many objects/arrays, in every language.
const MAX_DEPTH = 100

function invalidJson(field, path, what) {
  const where = path === field ? '' : ` at ${path}`
  return new ValidationError(`invalid argument \`${field}\`: ${what}${where} cannot be sent as JSON`, {
    code: 'E_VALIDATION', field, rule: 'json',
  })
}

/**
 * A value as the JSON the API receives, refusing what JSON cannot represent faithfully instead of
 * changing it silently (as `JSON.stringify` would): `NaN`/`Infinity`, `undefined` inside a body,
 * functions, symbols, `Set`/`Map`, typed arrays and `ArrayBuffer`s, circular references, nesting
 * deeper than `MAX_DEPTH`. The same rules as the Python binding. `toJSON` is honoured (a `Date`
 * becomes its ISO text); a `BigInt` becomes a number when exactly representable, else its
 * decimal text.
 */
function jsonSafe(value, field, path, depth, ancestors) {
  let v = value
  if (v !== null && (typeof v === 'object' || typeof v === 'function') && !ArrayBuffer.isView(v) && typeof v.toJSON === 'function') {
    v = v.toJSON()
  }
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v
    case 'number':
      if (!Number.isFinite(v)) throw invalidJson(field, path, String(v))
      return v
    case 'bigint':
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()
    case 'undefined':
      throw invalidJson(field, path, 'undefined')
    case 'function':
      throw invalidJson(field, path, 'a function')
    case 'symbol':
      throw invalidJson(field, path, 'a symbol')
  }
  if (v === null) return null
  if (v instanceof Number || v instanceof String || v instanceof Boolean) return jsonSafe(v.valueOf(), field, path, depth, ancestors)
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer)) {
    throw invalidJson(field, path, `a ${v.constructor?.name ?? 'binary buffer'}`)
  }
  if (v instanceof Map || v instanceof Set || v instanceof WeakMap || v instanceof WeakSet) {
    throw invalidJson(field, path, `a ${v.constructor.name} (use an object or an array)`)
  }
  if (ancestors.has(v)) throw invalidJson(field, path, 'a circular reference')
  if (depth >= MAX_DEPTH) {
    throw new ValidationError(`invalid argument \`${field}\`: nested deeper than ${MAX_DEPTH} levels at ${path}`, {
      code: 'E_VALIDATION', field, rule: 'max_depth',
    })
  }
  ancestors.add(v)
  try {
    if (Array.isArray(v)) return v.map((x, i) => jsonSafe(x, field, `${path}[${i}]`, depth + 1, ancestors))
    const out = {}
    for (const k of Object.keys(v)) out[k] = jsonSafe(v[k], field, `${path}.${k}`, depth + 1, ancestors)
    return out
  } finally {
    ancestors.delete(v)
  }
}

/** The arguments object as JSON text: an argument that is `undefined` is not given. */
function encodeArgs(args) {
  const out = {}
  for (const [k, v] of Object.entries(args)) {
    if (v !== undefined) out[k] = jsonSafe(v, k, k, 0, new Set())
  }
  return JSON.stringify(out)
}

function toJson(value, what) {
  return JSON.stringify(jsonSafe(value, what, what, 0, new Set()))
}

/** `{a: 1, b: ['x', 'y']}` (or `[['a', 1], ...]`) → `['a', '1', 'b', 'x', 'b', 'y']` (repeated names for arrays). */
function queryPairs(query) {
  if (query == null) return undefined
  const out = []
  const entries = query instanceof URLSearchParams || Array.isArray(query) ? [...query] : Object.entries(query)
  for (const [k, v] of entries) {
    if (v === undefined || v === null) continue
    for (const x of Array.isArray(v) ? v : [v]) out.push(k, String(x))
  }
  return out
}

/**
 * The core's options of a call, as the addon takes them: the deprecated spellings mapped (the
 * new one wins when both are given), `URLSearchParams` as `[name, value]` pairs. Values are
 * checked by the core.
 */
function nativeCallOptions(o) {
  if (!o) return undefined
  const out = {}
  for (const k of CORE_KEYS) if (o[k] != null) out[k] = o[k]
  for (const [old, key] of Object.entries(DEPRECATED)) if (out[key] === undefined && o[old] != null) out[key] = o[old]
  for (const [k, v] of Object.entries(out)) if (v instanceof URLSearchParams) out[k] = [...v]
  return out
}

/** Split `options` into per-call options and the endpoint's arguments. */
function split(options) {
  const call = {}
  const args = {}
  if (options != null) {
    if (typeof options !== 'object') {
      throw new ValidationError('invalid argument `options`: must be an object', {
        code: 'E_VALIDATION', field: 'options', rule: 'type',
      })
    }
    for (const [k, v] of Object.entries(options)) {
      if (CALL_KEYS.has(k)) call[k] = v
      else args[k] = v
    }
  }
  return { call, args }
}

function abortError(signal) {
  return new AbortError(undefined, {}, { cause: signal.reason })
}

/**
 * Run a native call with a canceller wired to `signal`: aborting drops the Rust future (and the
 * HTTP request with it) and rejects with `AbortError`.
 */
async function invoke(signal, fn) {
  if (signal == null) {
    try {
      return await fn(undefined)
    } catch (e) {
      throw fromNative(e)
    }
  }
  if (signal.aborted) throw abortError(signal)
  const canceller = new (native().Canceller)()
  const onAbort = () => canceller.cancel()
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await fn(canceller)
  } catch (e) {
    throw fromNative(e, signal)
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

function sync(fn) {
  try {
    return fn()
  } catch (e) {
    throw fromNative(e)
  }
}

/**
 * An auto-paginating list: `for await (const item of list)`, `list.pages()`, `list.toArray()`,
 * `list.total` (once the first page arrived). Nothing is sent until iteration starts; arguments are
 * validated when the list is made. Each iteration starts from the first page; at most `prefetch`
 * pages are held ahead.
 */
class PagedList {
  constructor(client, endpointId, args, call) {
    this._client = client
    this._id = endpointId
    this._argsJson = encodeArgs(args)
    this._call = call
    this._args = args
    this._total = undefined
    // The latest run's progress, for display: pages and records fetched, and whether it ended.
    this._run = undefined
    this._pager = this._open() // validates now: bad arguments throw here, before any request
    this._pageSize = this._pager.pageSize
  }

  /**
   * `PagedList { call: "images.list({ filter: '…' })", pageSize: 50, fetched: '2 pages, 100
   * records', total: 1234 }`: which list, and how far its latest run got (per-call options are
   * left out: headers may carry secrets).
   */
  [INSPECT](depth, options, inspect) {
    const run = this._run
    let fetched = 'not started'
    if (run) {
      fetched = `${run.pages} page${run.pages === 1 ? '' : 's'}, ${run.records} record${run.records === 1 ? '' : 's'}`
      if (run.done) fetched += ', done'
    }
    const fmt = typeof inspect === 'function' ? inspect : require('node:util').inspect
    const args = Object.keys(this._args).length ? fmt(this._args, { ...options, depth: 1, colors: false, breakLength: Infinity }) : ''
    return shown('PagedList', {
      call: `${endpointName(this._id)}(${args})`,
      pageSize: this._pageSize,
      fetched,
      total: this._total,
    }, depth, options, inspect)
  }

  _open() {
    const c = this._call
    return sync(() =>
      this._client._native.paginate(this._id, this._argsJson, nativeCallOptions(c), c.prefetch ?? undefined),
    )
  }

  /** Total matching records (`count`) once the first page arrived; `undefined` before or when unknown. */
  get total() {
    return this._total
  }

  /** The page size sent with every request. */
  get pageSize() {
    return this._pageSize
  }

  /** Whole pages: `{items, number, total, cursor, extra, status, headers, rateLimit, attempts}`. */
  async *pages() {
    const pager = this._pager ?? this._open()
    this._pager = null
    const signal = this._call.signal
    const seen = { pages: 0, records: 0 }
    this._run = seen
    try {
      for (;;) {
        const page = await invoke(signal, (c) => pager.next(c))
        if (page === null) {
          seen.done = true
          return
        }
        if (page.total != null) this._total = page.total
        this._seen(seen, page, page.items.length)
        yield page
      }
    } finally {
      // Also on `break`/`return`/throw in the consumer's loop: stops prefetching at once.
      pager.close()
    }
  }

  // Counts a page and calls the list's `onPage` with `{number, total, count, cursor, pages, records}`.
  _seen(seen, page, count) {
    seen.pages += 1
    seen.records += count
    const onPage = this._call.onPage
    if (typeof onPage === 'function') {
      onPage({
        number: page.number ?? null,
        total: page.total ?? null,
        count,
        cursor: page.cursor ?? null,
        pages: seen.pages,
        records: seen.records,
      })
    }
  }

  // The list as export text, one chunk per page, formatted in the addon (the core's columns for
  // CSV; each record as sent for JSON Lines): what the streams and files below are made of.
  async *_text(format, seen = { pages: 0, records: 0 }) {
    const pager = this._pager ?? this._open()
    this._pager = null
    const signal = this._call.signal
    this._run = seen
    try {
      if (format === 'csv') yield pager.csvHeader()
      for (;;) {
        const page = await invoke(signal, (c) => pager.nextText(format, c))
        if (page === null) {
          seen.done = true
          return
        }
        if (page.total != null) this._total = page.total
        this._seen(seen, page, page.count)
        if (page.text) yield page.text
      }
    } finally {
      pager.close()
    }
  }

  /**
   * The records as JSON Lines (each as the API sent it, one a line), as a `Readable` stream of
   * text, page by page: memory holds one page, and a slow reader slows the fetching.
   */
  jsonlStream() {
    return require('node:stream').Readable.from(this._text('jsonl'), { objectMode: false })
  }

  /**
   * The records as CSV (a header, then one line each; the columns of the list's schema:
   * timestamps in ISO 8601, nested values as JSON), as a `Readable` stream of text.
   */
  csvStream() {
    return require('node:stream').Readable.from(this._text('csv'), { objectMode: false })
  }

  /** Write the JSON Lines to `dest` (a path or a `Writable`, ended after); resolves to the record count. */
  toJsonl(dest) {
    return this._export('jsonl', dest)
  }

  /** Write the CSV to `dest` (a path or a `Writable`, ended after); resolves to the record count. */
  toCsv(dest) {
    return this._export('csv', dest)
  }

  async _export(format, dest) {
    const { pipeline } = require('node:stream/promises')
    const { Readable } = require('node:stream')
    const seen = { pages: 0, records: 0 }
    const out =
      typeof dest === 'string' || dest instanceof URL ? require('node:fs').createWriteStream(dest) : dest
    await pipeline(Readable.from(this._text(format, seen), { objectMode: false }), out)
    return seen.records
  }


  [Symbol.asyncIterator]() {
    // A hand-rolled iterator (not `yield*`): one resolved promise per item, no generator frames.
    const pages = this.pages()
    let items = []
    let i = 0
    return {
      async next() {
        while (i >= items.length) {
          const r = await pages.next()
          if (r.done) return { done: true, value: undefined }
          items = r.value.items
          i = 0
        }
        return { done: false, value: items[i++] }
      },
      async return(value) {
        await pages.return(undefined)
        return { done: true, value }
      },
      [Symbol.asyncIterator]() {
        return this
      },
    }
  }

  /** Every item, in memory. */
  async toArray() {
    const out = []
    for await (const page of this.pages()) for (const x of page.items) out.push(x)
    return out
  }
}

/** `images.list`, the JS name of a table endpoint (by id), for display. */
let names
function endpointName(id) {
  if (names === undefined) {
    const camel = (x) => x.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
    names = new Map(endpoints().map((e) => [e.id, `${e.resource.split('.').map(camel).join('.')}.${camel(e.method)}`]))
  }
  return names.get(id) ?? id
}

const NATIVE = Symbol('native')

/**
 * A native client built on first use, shared by a client and its `withRawResponse` view; `shown`
 * is what the client displays until then (from its options: no secret among them).
 */
function lazy(build, shown = {}) {
  return { build, value: undefined, shown }
}

/** A client's display from its options, before the native client exists (it reads the environment). */
function describe(o, fromEnv) {
  const given = (k) => (o != null && o[k] != null ? String(o[k]) : undefined)
  let auth = given('auth')
  if (auth === 'bearer') auth = 'jwt'
  if (given('token') !== undefined) auth = 'token'
  else if (auth === undefined && given('username') !== undefined) auth = 'jwt'
  return { fromEnv: fromEnv || undefined, baseUrl: given('baseUrl'), platform: given('platform'), auth, username: given('username') }
}

/**
 * A Qualys Container Security API client.
 *
 *     const client = new Client({ platform: 'US2', username, password })
 *     for await (const image of client.images.list({ filter: 'vulnerabilities.severity:5' })) { ... }
 */
class Client {
  constructor(options = {}) {
    if (options && options[NATIVE]) {
      this._holder = options[NATIVE]
      this._raw = Boolean(options.raw)
    } else {
      const opts = clientOptions(options)
      const sink = logSink(options)
      this._holder = lazy(withLogger(() => new (native().NativeClient)(opts), sink), describe(options, false))
      this._raw = false
    }
    this._rawView = undefined
    attachResources(this)
  }

  /**
   * `Client { baseUrl: 'https://…', platform: 'US2', auth: 'jwt', username: 'alice' }`: what the
   * client talks to and how it authenticates, never a password or token. Before the first call it
   * shows the options given (`fromEnv: true` when the environment is read then); it builds nothing.
   */
  [INSPECT](depth, options, inspect) {
    const h = this._holder
    const n = h.value
    const fields = n === undefined
      ? { ...h.shown }
      : { baseUrl: n.baseUrl, platform: h.shown.platform, auth: n.authMode, username: n.username ?? undefined, defaults: h.shown.defaults }
    fields.baseUrl = safeUrl(fields.baseUrl)
    if (this._raw) fields.raw = true
    return shown('Client', fields, depth, options, inspect)
  }

  /**
   * A client from `QUALYS_USERNAME`, `QUALYS_PASSWORD`, `QUALYS_TOKEN`, `QUALYS_PLATFORM`,
   * `QUALYS_BASE_URL`, `QUALYS_AUTH_URL`, `QUALYS_AUTH`, `QUALYS_PROXY` (read at the first call),
   * with `options` on top.
   */
  static fromEnv(options = {}) {
    const opts = clientOptions(options)
    const sink = logSink(options)
    return new Client({ [NATIVE]: lazy(withLogger(() => native().NativeClient.fromEnv(opts), sink), describe(options, true)) })
  }

  /** @internal The native client, built on first use. */
  get _native() {
    const h = this._holder
    if (h.value === undefined) h.value = sync(h.build)
    return h.value
  }

  /** The base URL calls go to. */
  get baseUrl() {
    return this._native.baseUrl
  }

  /**
   * A client with default per-call options (`timeout`, `deadline`, `maxRetries`, `extraHeaders`,
   * `extraQuery`), sharing this one's connections, auth and rate limiter.
   */
  withOptions(options = {}) {
    const { call } = split(options)
    const nativeOpts = nativeCallOptions(call) ?? {}
    // Shown: the parent's description and the defaults that are not headers or query (a header may
    // carry a secret).
    const h = this._holder
    const parent = h.value === undefined ? h.shown : { ...h.shown, baseUrl: h.value.baseUrl, auth: h.value.authMode, username: h.value.username ?? undefined }
    const defaults = { ...parent.defaults }
    for (const k of ['timeout', 'deadline', 'maxRetries']) if (nativeOpts[k] !== undefined) defaults[k] = nativeOpts[k]
    const shownNow = { ...parent, defaults: Object.keys(defaults).length ? defaults : undefined }
    return new Client({ [NATIVE]: lazy(() => this._native.withOptions(nativeOpts), shownNow), raw: this._raw })
  }

  /**
   * The same client whose methods resolve to `{data, status, headers, rateLimit, attempts}`:
   * `await client.withRawResponse.images.get(sha)`. (Per call: the `raw: true` option.)
   */
  get withRawResponse() {
    if (this._raw) return this
    if (this._rawView === undefined) this._rawView = new Client({ [NATIVE]: this._holder, raw: true })
    return this._rawView
  }

  /**
   * The escape hatch: any method and path under the base URL, with the same auth, retries, rate
   * limits and errors: `client.request('GET', '/csapi/v1.3/images', { query: { pageSize: 5 } })`.
   * Here `query` is the request's own query (not the deprecated spelling of `extraQuery`).
   */
  request(method, path, options = {}) {
    const { body, ...rest } = options ?? {}
    let call, bodyJson
    try {
      call = split(rest).call
      bodyJson = body === undefined ? undefined : toJson(body, 'body')
    } catch (e) {
      // A bad argument rejects, as the table's methods do, rather than throwing.
      return Promise.reject(e)
    }
    const pairs = queryPairs(call.query)
    const native = nativeCallOptions({ ...call, query: undefined })
    return invoke(call.signal, (c) =>
      this._native.request(String(method), String(path), pairs, bodyJson, native, c, Boolean(call.raw ?? this._raw)),
    )
  }

  /** @internal One table endpoint (generated resource methods call this). */
  _call(endpointId, positional, options) {
    let parts
    try {
      parts = split(options)
    } catch (e) {
      return Promise.reject(e)
    }
    const { call, args } = parts
    let argsJson
    try {
      argsJson = encodeArgs(Object.assign(args, positional))
    } catch (e) {
      return Promise.reject(e)
    }
    const raw = Boolean(call.raw ?? this._raw)
    return invoke(call.signal, (c) => this._native.call(endpointId, argsJson, nativeCallOptions(call), c, raw))
  }

  /** @internal An auto-paginated table endpoint. */
  _list(endpointId, positional, options) {
    const { call, args } = split(options)
    return new PagedList(this, endpointId, Object.assign(args, positional), call)
  }
}

function clientOptions(o) {
  if (o == null) return {}
  if (typeof o !== 'object') {
    throw new ValidationError('invalid argument `options`: must be an object', {
      code: 'E_VALIDATION', field: 'options', rule: 'type',
    })
  }
  const out = {}
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null || k === 'logger' || k === 'logLevel') continue
    // NaN and ±Infinity have no JSON form (they would arrive as null, "not given"): their text
    // reaches the core's reader, which refuses it naming the option.
    out[k] = typeof v === 'number' && !Number.isFinite(v) ? String(v) : v
  }
  return out
}

const LOG_LEVELS = ['debug', 'info', 'warn']

/** The default logger of `QUALYS_CS_LOG` without a `logger`: one line per event on stderr. */
const stderrLogger = {
  debug: (line) => process.stderr.write(`qualys-cs debug: ${line}\n`),
  info: (line) => process.stderr.write(`qualys-cs info: ${line}\n`),
  warn: (line) => process.stderr.write(`qualys-cs warn: ${line}\n`),
}

/**
 * The `logger` and `logLevel` options (and `QUALYS_CS_LOG`) as the function the addon calls,
 * `log(level, line, fieldsJson)`, and its level; `undefined` when nothing is to be logged.
 */
function logSink(o) {
  const logger = o?.logger ?? undefined
  const env = process.env.QUALYS_CS_LOG || undefined
  const level = o?.logLevel ?? env ?? (logger ? 'info' : undefined)
  if (level === undefined || level === 'off') return undefined
  if (!LOG_LEVELS.includes(level)) {
    const field = o?.logLevel != null ? 'logLevel' : 'QUALYS_CS_LOG'
    throw new ValidationError(`invalid argument \`${field}\`: must be 'debug', 'info' or 'warn', got ${JSON.stringify(level)}`, {
      code: 'E_VALIDATION', field, rule: 'one_of',
    })
  }
  const target = logger ?? stderrLogger
  for (const m of LOG_LEVELS) {
    if (typeof target[m] !== 'function') {
      throw new ValidationError(`invalid argument \`logger\`: must have a ${m}() method`, {
        code: 'E_VALIDATION', field: 'logger', rule: 'type',
      })
    }
  }
  // The addon passes `[level, line, fieldsJson]` as one array argument.
  const log = (...args) => {
    const [lvl, line, fieldsJson] = args.length === 1 && Array.isArray(args[0]) ? args[0] : args
    try {
      target[lvl](line, JSON.parse(fieldsJson))
    } catch {
      // A logger's own failure must not become an uncaught exception of the process.
    }
  }
  return { log, level }
}

/** A native client from `make()`, with the options' logger attached. */
function withLogger(make, sink) {
  return () => {
    const n = make()
    if (sink) n.setLogger(sink.log, sink.level)
    return n
  }
}

/** The endpoint table the client is generated from (parsed `spec/endpoints.json`). */
function endpoints() {
  return JSON.parse(native().endpointTable()).endpoints
}

module.exports = {
  Client,
  PagedList,
  endpoints,
  ...errors,
}
delete module.exports.fromNative
delete module.exports.MARKER
