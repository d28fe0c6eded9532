'use strict'
// Pagination, errors, aborts, timeouts, validation, raw responses, the escape hatch, per-call
// options and value conversion, against the fixture server.
const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const q = require('qualys-cs')
const { startFixtureServer, readFixture, USER, PASS } = require('./helpers/server')
const { newClient } = require('./helpers/common')

let server
let client
before(async () => {
  server = await startFixtureServer({ total: 23 })
  client = newClient(server)
})
after(() => server.stop())
beforeEach(() => server.clear())

test('page-numbered list: items across pages, total, pages()', async () => {
  const list = client.images.list({ pageSize: 5, filter: 'vulnerabilities.severity:5' })
  assert.equal(list.total, undefined)
  const seen = []
  for await (const image of list) seen.push(image.index)
  assert.deepEqual(seen, [...Array(23).keys()])
  assert.equal(list.total, 23)
  const reqs = server.apiRequests()
  assert.deepEqual(reqs.map((r) => r.query.get('pageNumber')).sort(), ['1', '2', '3', '4', '5'])
  assert.ok(reqs.every((r) => r.query.get('pageSize') === '5' && r.query.get('filter') === 'vulnerabilities.severity:5'))

  const pages = []
  for await (const page of client.images.list({ pageSize: 10 }).pages()) pages.push(page)
  assert.deepEqual(pages.map((p) => [p.number, p.items.length, p.total]), [[1, 10, 23], [2, 10, 23], [3, 3, 23]])
  assert.equal(pages[0].status, 200)
  assert.deepEqual(pages[0].extra, { count: 23, groups: null })
})

test('v1.1 events paginate with pageNo', async () => {
  const items = await client.events.list({ pageSize: 10 }).toArray()
  assert.equal(items.length, 23)
  assert.ok(server.apiRequests().every((r) => r.query.has('pageNo') && !r.query.has('pageNumber')))
})

test('cursor list follows the link header against our own base URL', async () => {
  const list = client.images.bulkList({ limit: 10 })
  const pages = []
  for await (const p of list.pages()) pages.push(p)
  assert.deepEqual(pages.map((p) => p.items.length), [10, 10, 3])
  assert.deepEqual(pages.map((p) => p.cursor), [null, '10', '20'])
  const reqs = server.apiRequests()
  assert.deepEqual(reqs.map((r) => r.query.get('paginationQuery')), [null, '10', '20'])
  assert.ok(reqs.every((r) => r.path === '/csapi/v1.3/images/list'))
})

test('break stops the list: no further pages requested', async () => {
  let n = 0
  for await (const image of client.containers.list({ pageSize: 5, prefetch: 1 })) {
    void image
    if (++n === 2) break
  }
  await new Promise((r) => setTimeout(r, 50))
  assert.ok(server.apiRequests().length <= 2, `sent ${server.apiRequests().length}`)
})

test('a list is re-iterable; toArray()', async () => {
  const list = client.sensors.list({ pageSize: 20 })
  assert.equal((await list.toArray()).length, 23)
  assert.equal((await list.toArray()).length, 23)
  assert.equal(list.pageSize, 20)
})

test('results keep the API keys and their order, unknown fields included', async () => {
  const out = await client.images.compliance('2724e40d4303391e1a46884134da358e20a6d0b03f32ee6c412079ddb4ac6783')
  const expected = JSON.parse(readFixture('000/images_compliance.response.json'))
  assert.deepEqual(out, expected)
  assert.deepEqual(Object.keys(out), Object.keys(expected))
  assert.deepEqual(Object.keys(out.controls[0]), Object.keys(expected.controls[0]))
})

test('large integers: number (default, as JSON.parse), bigint, string', async () => {
  const [a] = await client.images.list({ pageSize: 1 }).toArray().then((x) => x.slice(0, 1))
  assert.equal(a.big, JSON.parse('9007199254740993'))
  const b = newClient(server, { largeIntegers: 'bigint' })
  const [bi] = await b.images.bulkList({ limit: 1 }).toArray()
  assert.equal(bi.big, 9007199254740993n)
  assert.equal(typeof bi.index, 'number')
  const s = newClient(server, { largeIntegers: 'string' })
  const [si] = await s.images.bulkList({ limit: 1 }).toArray()
  assert.equal(si.big, '9007199254740993')
  await assert.rejects(newClient(server, { largeIntegers: 'nope' }).images.get('x'), q.ValidationError)
})

const ERRORS = [
  [400, 'BadRequestError', 'E_BAD_REQUEST'],
  [401, 'AuthenticationError', 'E_AUTHENTICATION'],
  [403, 'PermissionDeniedError', 'E_PERMISSION_DENIED'],
  [404, 'NotFoundError', 'E_NOT_FOUND'],
  [409, 'ConflictError', 'E_CONFLICT'],
  [429, 'RateLimitError', 'E_RATE_LIMITED'],
  [500, 'ServerError', 'E_SERVER'],
  [418, 'APIError', 'E_API'],
]
for (const [status, cls, code] of ERRORS) {
  test(`HTTP ${status} → ${cls}`, async () => {
    server.override('S19', {
      status,
      body: { errorCode: 'CMS-1504', message: 'refused', timestamp: 1700000000000 },
      headers: status === 429 ? { 'x-ratelimit-towait-sec': '7', 'x-ratelimit-limit': '120', 'x-ratelimit-remaining': '0' } : {},
    })
    const err = await client.images.get('abc').then(() => null, (e) => e)
    assert.ok(err instanceof q[cls], `${err && err.name}: ${err && err.message}`)
    assert.ok(err instanceof q.APIError)
    assert.ok(err instanceof q.QualysError)
    assert.ok(err instanceof Error)
    assert.equal(err.name, cls)
    assert.equal(err.status, status)
    assert.equal(err.code, code)
    assert.equal(err.errorCode, 'CMS-1504')
    assert.equal(err.apiMessage, 'refused')
    assert.equal(err.method, 'GET')
    assert.equal(err.path, '/csapi/v1.3/images/abc')
    assert.equal(err.timestamp, 1700000000000)
    assert.match(err.message, /refused/)
    if (status === 429) {
      assert.equal(err.retryAfter, 7)
      assert.equal(err.rateLimit.limit, 120)
    }
  })
}

test('403 fixture body → PermissionDeniedError with Qualys errorCode', async () => {
  const body = readFixture('public/error_403.response.json').toString()
  server.override('P10', { status: 403, body: JSON.parse(body) })
  const err = await client.images.vulnerabilityCount('5d556c82899c').catch((e) => e)
  assert.ok(err instanceof q.PermissionDeniedError)
  assert.equal(err.errorCode, JSON.parse(body).errorCode)
})

test('JWT auth against /auth, bad credentials → AuthenticationError', async () => {
  const jwt = new q.Client({ baseUrl: server.url, username: 'qualys', password: 'qualys', maxRetries: 0 })
  await jwt.sensors.activationKey()
  assert.equal(server.log[0].path, '/auth')
  assert.match(server.log[1].headers.authorization, /^Bearer /)
  const bad = new q.Client({ baseUrl: server.url, username: 'qualys', password: 'nope', maxRetries: 0 })
  const err = await bad.sensors.activationKey().catch((e) => e)
  assert.ok(err instanceof q.AuthenticationError, String(err))
  assert.equal(err.status, 401)
})

test('5xx on GET is retried, then succeeds', async () => {
  server.override('S19', { status: 503, body: { message: 'busy' }, times: 1 })
  const c = newClient(server, { maxRetries: 2, backoffBase: 1, backoffMax: 5 })
  const raw = await c.withRawResponse.images.get('abc')
  assert.equal(raw.attempts, 2)
  assert.equal(server.apiRequests().length, 2)
})

test('connection refused → APIConnectionError; malformed JSON → DecodeError', async () => {
  const dead = new q.Client({ baseUrl: 'http://127.0.0.1:9', username: 'a', password: 'b', auth: 'basic', maxRetries: 0 })
  const err = await dead.images.get('abc').catch((e) => e)
  assert.ok(err instanceof q.APIConnectionError)
  assert.equal(err.code, 'E_CONNECTION')
  server.override('S19', { status: 200, body: '{"sha": "trunc', headers: { 'content-type': 'application/json' } })
  const dec = await client.images.get('abc').catch((e) => e)
  assert.ok(dec instanceof q.DecodeError, String(dec))
  assert.equal(dec.code, 'E_DECODE')
})

test('validation errors: typed, named field and rule, nothing sent', async () => {
  const cases = [
    [() => client.images.get(''), 'sha', 'non_empty'],
    [() => client.registries.schedules.create('r1', { scheduleScanIntervalInDays: 999 }), 'scheduleScanIntervalInDays', 'range'],
    [() => client.images.vulnerabilities('abc', { type: 'NOPE' }), 'type', 'enum'],
    [() => client.images.get('abc', { bogus: 1 }), 'bogus', 'unknown_argument'],
    [() => client.registries.deleteMany('not-a-list-of-ids-but-ok').then(() => client.registries.deleteMany([])), null, null],
  ]
  for (const [fn, field, rule] of cases.slice(0, 4)) {
    const err = await fn().then(() => null, (e) => e)
    assert.ok(err instanceof q.ValidationError, String(err))
    assert.equal(err.code, 'E_VALIDATION')
    assert.equal(err.field, field)
    assert.equal(err.rule, rule)
  }
  assert.throws(() => client.images.list({ pageSize: -1 }), (e) => e instanceof q.ValidationError && e.rule === 'range')
  assert.equal(server.apiRequests().length, 0)
  assert.equal(server.log.length, 0)
})

test('abort cancels the call in flight → AbortError, promptly', async () => {
  server.override('S19', { status: 200, body: { sha: 'late' }, delayMs: 3000 })
  const ac = new AbortController()
  const t0 = Date.now()
  setTimeout(() => ac.abort(new Error('user gave up')), 50)
  const err = await client.images.get('abc', { signal: ac.signal }).catch((e) => e)
  assert.equal(err.name, 'AbortError')
  assert.ok(err instanceof q.AbortError)
  assert.equal(err.code, 'ABORT_ERR')
  assert.equal(err.cause.message, 'user gave up')
  assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`)
  // An already-aborted signal rejects without sending.
  server.clear()
  const again = await client.images.get('abc', { signal: AbortSignal.abort() }).catch((e) => e)
  assert.equal(again.name, 'AbortError')
  assert.equal(server.apiRequests().length, 0)
})

test('abort during a list stops it', async () => {
  server.override('S16', { status: 200, body: { data: [{ a: 1 }], count: 1 }, delayMs: 3000 })
  const ac = new AbortController()
  setTimeout(() => ac.abort(), 50)
  const t0 = Date.now()
  const err = await client.containers.list({ signal: ac.signal }).toArray().catch((e) => e)
  assert.equal(err.name, 'AbortError')
  assert.ok(Date.now() - t0 < 1000)
})

test('per-call timeout → APITimeoutError', async () => {
  server.override('S19', { status: 200, body: { sha: 'late' }, delayMs: 2000 })
  const t0 = Date.now()
  const err = await client.images.get('abc', { timeout: 100, maxRetries: 0 }).catch((e) => e)
  assert.ok(err instanceof q.APITimeoutError, String(err))
  assert.ok(err instanceof q.APIConnectionError)
  assert.equal(err.code, 'E_TIMEOUT')
  assert.ok(Date.now() - t0 < 1500)
})

test('raw responses: status, headers, rate limit', async () => {
  const raw = await client.withRawResponse.images.compliance('abc')
  assert.equal(raw.status, 200)
  assert.equal(raw.headers['content-type'], 'application/json')
  assert.equal(raw.rateLimit.limit, 300)
  assert.equal(raw.rateLimit.remaining, 299)
  assert.deepEqual(raw.data, JSON.parse(readFixture('000/images_compliance.response.json')))
  const viaOption = await client.images.compliance('abc', { raw: true })
  assert.equal(viaOption.status, 200)
})

test('escape hatch: client.request with query and body', async () => {
  const out = await client.request('GET', '/csapi/v1.3/images', { query: { pageSize: 3, pageNumber: 1 } })
  assert.equal(out.data.length, 3)
  assert.equal(out.count, 23)
  await client.request('post', '/csapi/v1.3/tag/assign', { body: { entitySha: 'x', tagsToAdd: [{ tagName: 'p' }] } })
  const last = server.apiRequests().at(-1)
  assert.equal(last.method, 'POST')
  assert.deepEqual(JSON.parse(last.body), { entitySha: 'x', tagsToAdd: [{ tagName: 'p' }] })
  const raw = await client.withRawResponse.request('GET', '/csapi/v1.3/activationkey')
  assert.equal(raw.status, 200)
  await assert.rejects(client.request('GET', 'no-slash'), q.ValidationError)
})

test('per-call headers and query; withOptions defaults', async () => {
  await client.images.get('abc', { headers: { 'x-trace': 't1' }, query: { extra: ['a', 'b'] } })
  let r = server.apiRequests().at(-1)
  assert.equal(r.headers['x-trace'], 't1')
  assert.deepEqual(r.query.getAll('extra'), ['a', 'b'])
  const scoped = client.withOptions({ headers: { 'x-scope': 's' }, timeout: 5000 })
  await scoped.images.get('abc')
  r = server.apiRequests().at(-1)
  assert.equal(r.headers['x-scope'], 's')
  assert.equal(typeof scoped.registries.schedules.bulkCancel, 'function')
})

test('per-call options are the core\'s: extraHeaders, extraQuery (headers, query deprecated)', async () => {
  await client.images.get('abc', { extraHeaders: { 'x-trace': 't2', 'x-n': '7' }, extraQuery: { extra: ['c', 'd'] } })
  let r = server.apiRequests().at(-1)
  assert.equal(r.headers['x-trace'], 't2')
  assert.equal(r.headers['x-n'], '7')
  // A header's value is text: a number is refused before sending, naming the option.
  const sent = server.apiRequests().length
  await assert.rejects(client.images.get('abc', { extraHeaders: { 'x-n': 7 } }), (e) => e instanceof q.ValidationError && e.field === 'extraHeaders')
  assert.equal(server.apiRequests().length, sent)
  assert.deepEqual(r.query.getAll('extra'), ['c', 'd'])
  await client.images.get('abc', { extraQuery: new URLSearchParams([['u', '1'], ['u', '2']]) })
  assert.deepEqual(server.apiRequests().at(-1).query.getAll('u'), ['1', '2'])
  const scoped = client.withOptions({ extraHeaders: [['x-scope', 'n']], extraQuery: [['s', 1]] })
  await scoped.images.get('abc')
  r = server.apiRequests().at(-1)
  assert.equal(r.headers['x-scope'], 'n')
  assert.deepEqual(r.query.getAll('s'), ['1'])
  // The new spelling wins over the deprecated one.
  await client.images.get('abc', { headers: { 'x-old': 'o' }, extraHeaders: { 'x-new': 'n' } })
  r = server.apiRequests().at(-1)
  assert.equal(r.headers['x-new'], 'n')
  assert.equal(r.headers['x-old'], undefined)
  // client.request: `query` is the request's own, `extraQuery` goes after it.
  await client.request('GET', '/csapi/v1.3/images', { query: { pageSize: 2 }, extraQuery: [['pageNumber', 1]] })
  assert.equal(server.apiRequests().at(-1).query.get('pageNumber'), '1')
  // Every option the core reads is taken as a call option, never sent as an endpoint argument.
  const sample = { timeout: 5000, deadline: 10_000, maxRetries: 0, extraHeaders: { 'x-a': '1' }, extraQuery: { a: '1' } }
  const names = require('../../bindings-node/native.js').requestOptionNames()
  assert.deepEqual(names.sort(), Object.keys(sample).sort())
  for (const name of names) await client.images.get('abc', { [name]: sample[name] })
  // Checked by the core, the option named in its Node spelling.
  const bad = [[{ timeout: -1 }, 'timeout'], [{ maxRetries: 1.5 }, 'maxRetries'], [{ extraHeaders: 'x' }, 'extraHeaders']]
  for (const [opts, field] of bad) {
    await assert.rejects(client.images.get('abc', opts), (e) => e instanceof q.ValidationError && e.field === field)
  }
})

test('auth modes are the core\'s: \'bearer\' is JWT', async () => {
  for (const auth of ['bearer', 'BEARER', 'jwt']) {
    server.clear()
    const c = new q.Client({ baseUrl: server.url, username: USER, password: PASS, auth, maxRetries: 0 })
    await c.images.get('abc')
    assert.ok(server.log.some((r) => r.path === '/auth'), `${auth}: a token was fetched`)
    assert.match(server.apiRequests().at(-1).headers.authorization, /^Bearer /)
  }
  const bad = new q.Client({ baseUrl: server.url, username: USER, password: PASS, auth: 'kerberos' })
  await assert.rejects(bad.images.get('x'), (e) => e instanceof q.ValidationError && e.field === 'auth' && /bearer/.test(e.message))
})

test('bodies are sent as given (request fixtures)', async () => {
  const body = JSON.parse(readFixture('public/tag_create.request.json'))
  const out = await client.tags.create(body)
  assert.deepEqual(JSON.parse(server.apiRequests().at(-1).body), body)
  assert.deepEqual(out, JSON.parse(readFixture('public/tag_create.response.json')))
})

test('config errors are typed (raised by the first call: the addon loads lazily)', async () => {
  const noCreds = new q.Client({ baseUrl: server.url })
  await assert.rejects(noCreds.images.get('x'), (e) => e instanceof q.ConfigError && e.code === 'E_CONFIG')
  assert.throws(() => noCreds.images.list(), q.ConfigError)
  await assert.rejects(new q.Client({ baseUrl: 'ftp://x', username: 'a', password: 'b' }).images.get('x'), q.ValidationError)
  await assert.rejects(new q.Client({ platform: 'MARS1', username: 'a', password: 'b' }).images.get('x'), q.QualysError)
  await assert.rejects(new q.Client({ baseUrl: 'http://x', username: 'a', password: 'b', auth: 'kerberos' }).images.get('x'), q.ValidationError)
  // An API-client mode needs the client's id and secret, not a username and password.
  await assert.rejects(new q.Client({ baseUrl: 'http://x', username: 'a', password: 'b', auth: 'oauth' }).images.get('x'), (e) => e instanceof q.ConfigError && /client_id/.test(e.message))
  assert.equal(server.log.length, 0)
})

test('Client.fromEnv reads QUALYS_* variables', () => {
  const saved = { ...process.env }
  try {
    process.env.QUALYS_USERNAME = 'qualys'
    process.env.QUALYS_PASSWORD = 'qualys'
    process.env.QUALYS_BASE_URL = server.url
    const c = q.Client.fromEnv({ maxRetries: 0 })
    assert.equal(c.baseUrl, server.url)
  } finally {
    for (const k of ['QUALYS_USERNAME', 'QUALYS_PASSWORD', 'QUALYS_BASE_URL']) {
      if (saved[k] === undefined) delete process.env[k]
      else process.env[k] = saved[k]
    }
  }
})
