'use strict'
// A call's `deadline` (milliseconds, beside `signal`) and its budget of waits, against loopback
// servers of the test's own: one that answers 429 forever, one that never answers, ones that ask
// for a wait longer than a call may wait (on a 429 and on a 200 with `X-RateLimit-Remaining: 0`).
// Also the checks made before anything is sent, and the message of a refused API-client token.
// Every call is bounded: a hang fails the test.
const { test, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const q = require('qualys-cs')

const HUGE = '9223372036854775807'
const servers = []
after(() => {
  for (const s of servers) {
    s.closeAllConnections?.()
    s.close()
  }
})

/** A loopback server answering the n-th request (from 1) with `reply(req, res, n)`. */
async function serve(reply) {
  const seen = []
  const s = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      seen.push(req.url)
      reply(req, res, seen.length)
    })
  })
  servers.push(s)
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${s.address().port}`, seen, images: () => seen.filter((p) => p.startsWith('/csapi/')).length }
}

function answer(res, status, headers = {}, body = { errorCode: 'CMS-1', message: 'no' }) {
  const data = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), ...headers })
  res.end(data)
}

const tooMany = (req, res) => answer(res, 429, { 'X-RateLimit-ToWait-Sec': '0' })
// Never answers; the connection is closed when the tests end.
const silent = () => {}
const exhausted = (wait) => (req, res) => answer(res, 200, {
  'X-RateLimit-Limit': '100', 'X-RateLimit-Window-Sec': '60', 'X-RateLimit-Remaining': '0', 'X-RateLimit-ToWait-Sec': wait,
}, { sha: 'abc' })

const client = (s, opts = {}) => new q.Client({ baseUrl: s.url, token: 't0ken-value', backoffBase: 200, backoffMax: 2000, ...opts })

/** The rejection of the call `f` makes and how long it took, bounded at 30 s. */
async function failure(f) {
  const started = Date.now()
  const p = f()
  let timer
  const bound = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error('no outcome within 30 s')), 30_000) })
  try {
    await Promise.race([p, bound])
  } catch (e) {
    return [e, Date.now() - started]
  } finally {
    clearTimeout(timer)
  }
  throw new Error('the call succeeded')
}

function assertDeadline(err, deadlineMs, tookMs) {
  assert.ok(err instanceof q.DeadlineExceededError, String(err))
  assert.ok(err instanceof q.APITimeoutError)
  assert.equal(err.name, 'DeadlineExceededError')
  assert.equal(err.code, 'E_DEADLINE_EXCEEDED')
  assert.ok(tookMs <= deadlineMs + 500, `took ${tookMs} ms`)
  assert.ok(err.attempts >= 1, String(err.attempts))
  assert.ok(err.elapsedMs <= tookMs, `${err.elapsedMs} ${tookMs}`)
  assert.equal(err.deadlineMs, deadlineMs)
  assert.ok(err.message.includes(`gave up after ${err.attempts} attempt`), err.message)
  assert.ok(err.message.includes(`(deadline ${deadlineMs / 1000} s`), err.message)
}

test('a 429 storm ends at the client deadline', async () => {
  const s = await serve(tooMany)
  const [err, took] = await failure(() => client(s, { deadline: 2000 }).images.get('abc'))
  assertDeadline(err, 2000, took)
  assert.ok(err.message.includes('HTTP 429'), err.message)
  assert.ok(s.images() >= 2)
})

test('a silent server ends at a per-call deadline, beside signal', async () => {
  const s = await serve(silent)
  const c = client(s, { timeout: 120_000 })
  const signal = new AbortController().signal
  const [err, took] = await failure(() => c.images.get('abc', { deadline: 1500, signal }))
  assertDeadline(err, 1500, took)
  assert.equal(err.attempts, 1)
  const [viaDefaults, took2] = await failure(() => c.withOptions({ deadline: 1000 }).request('GET', '/csapi/v1.3/images/abc'))
  assertDeadline(viaDefaults, 1000, took2)
  // 0 lifts the default: the attempt's own timeout ends it, a timeout naming attempts and time.
  const [timeout] = await failure(() => c.withOptions({ deadline: 1000 }).images.get('abc', { deadline: 0, timeout: 1500, maxRetries: 0 }))
  assert.ok(timeout instanceof q.APITimeoutError && !(timeout instanceof q.DeadlineExceededError), String(timeout))
  assert.equal(timeout.attempts, 1)
  assert.ok(timeout.elapsedMs >= 1500, String(timeout.elapsedMs))
})

for (const path of ['429', 'remaining-0']) {
  test(`a huge wait fails at once (${path})`, async () => {
    const s = await serve((req, res, n) => (path === '429' ? answer(res, 429, { 'X-RateLimit-ToWait-Sec': HUGE }) : exhausted(HUGE)(req, res)))
    const c = client(s)
    if (path === '429') {
      const [err, took] = await failure(() => c.images.get('abc'))
      assert.ok(err instanceof q.RateLimitError && took < 500, `${err} ${took}`)
    } else {
      assert.equal((await c.images.get('abc')).sha, 'abc')
    }
    const [err, took] = await failure(() => c.images.get('abc'))
    assert.ok(err instanceof q.RateLimitError, String(err))
    assert.ok(err.retryAfter > 3600, String(err.retryAfter))
    assert.ok(took < 500, `${took}`)
    assert.equal(s.images(), 1, 'nothing more was sent')
  })
}

test('arguments are checked before sending', async () => {
  const s = await serve((req, res) => answer(res, 200, {}, { data: [], count: 0 }))
  const c = client(s)
  const field = (name) => (e) => e instanceof q.ValidationError && e.field === name
  await assert.rejects(async () => c.images.list({ filter: 123 }).toArray(), field('filter'))
  await assert.rejects(c.images.get('abc', { extraHeaders: { 'X-A': 1 } }), field('extraHeaders'))
  await assert.rejects(c.request('GET', '/csapi/v1.3/images', { extraHeaders: [['X-A', true]] }), field('extraHeaders'))
  await assert.rejects(c.images.get('abc', { deadline: -1 }), field('deadline'))
  assert.deepEqual(s.seen, [])
})

for (const [mode, status] of [['oauth', 401], ['oidc', 403]]) {
  test(`a refused API-client token names the flow (${mode}, ${status})`, async () => {
    const s = await serve((req, res) => {
      if (req.url.startsWith('/auth/')) {
        res.writeHead(200, { 'Content-Length': 15 })
        res.end('eyJ.token.value')
      } else answer(res, status)
    })
    const c = new q.Client({ baseUrl: s.url, clientId: 'my-client', clientSecret: 'client-s3cret', auth: mode, maxRetries: 0 })
    const [err] = await failure(() => c.images.get('abc'))
    assert.ok(err instanceof (status === 401 ? q.AuthenticationError : q.PermissionDeniedError), String(err))
    assert.ok(err.message.includes(`the API-client token (${mode}, POST /auth/${mode}) was refused by csapi: no`), err.message)
    assert.ok(!err.message.includes('client-s3cret'))
  })
}
