'use strict'
// Hostile input and hostile servers: bodies JSON cannot represent faithfully, options that would
// wrap, ids of the wrong type, paths that escape the API prefix, reserved headers (all refused
// before anything is sent, against the fixture server), and servers of the test's own that stream
// without end, redirect elsewhere or echo credentials.
const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const q = require('qualys-cs')
const { startFixtureServer } = require('./helpers/server')
const { newClient } = require('./helpers/common')

let server
let client
before(async () => {
  server = await startFixtureServer({ total: 3 })
  client = newClient(server)
})
after(() => server.stop())
beforeEach(() => server.clear())

function isValidation(field, rule) {
  return (e) => {
    assert.ok(e instanceof q.ValidationError, `${e}`)
    assert.equal(e.field, field, e.message)
    if (rule) assert.equal(e.rule, rule, e.message)
    return true
  }
}

function deep(levels) {
  let v = { name: 't' }
  for (let i = 0; i < levels; i++) v = { a: v }
  return v
}

test('bodies JSON cannot represent faithfully are refused, naming body and the place', async () => {
  const circular = { name: 't' }
  circular.self = circular
  const cases = [
    [{ name: 't', n: NaN }, 'body.n'],
    [{ name: 't', n: Infinity }, 'body.n'],
    [{ name: 't', tags: new Set(['a']) }, 'body.tags'],
    [{ name: 't', m: new Map() }, 'body.m'],
    [{ name: 't', bytes: new Uint8Array([1, 2]) }, 'body.bytes'],
    [{ name: 't', buf: new ArrayBuffer(4) }, 'body.buf'],
    [{ name: 't', f: () => 1 }, 'body.f'],
    [{ name: 't', missing: undefined }, 'body.missing'],
    [{ name: 't', s: Symbol('x') }, 'body.s'],
    [{ name: 't', list: [1, undefined] }, 'body.list[1]'],
    [circular, 'body.self'],
  ]
  for (const [body, where] of cases) {
    await assert.rejects(client.tags.create(body), (e) => isValidation('body')(e) && e.message.includes(where))
    await assert.rejects(client.request('POST', '/csapi/v1.3/tags', { body }), isValidation('body'))
  }
  await assert.rejects(client.tags.create(deep(10_000)), isValidation('body', 'max_depth'))
  assert.deepEqual(server.apiRequests(), [])
})

test('the depth bound is 100, as in Python; BigInt and Date keep their documented forms', async () => {
  await assert.rejects(client.request('POST', '/csapi/v1.3/tags', { body: deep(100) }), isValidation('body', 'max_depth'))
  await client.request('POST', '/csapi/v1.3/tags', { body: deep(99) }).catch((e) => assert.ok(e instanceof q.APIError, `${e}`))
  const when = new Date(0)
  await client.request('POST', '/csapi/v1.3/tags', { body: { small: 5n, big: 2n ** 64n, when } }).catch(() => {})
  const sent = server.apiRequests().map((r) => r.body).filter(Boolean)
  assert.equal(sent.length, 2)
  assert.deepEqual(JSON.parse(sent[1]), { small: 5, big: '18446744073709551616', when: when.toISOString() })
})

test('numeric options never wrap: -1, 1.5, NaN are ValidationErrors naming the option', async () => {
  for (const name of ['maxRetries', 'maxConcurrency', 'prefetch', 'maxResponseBytes']) {
    for (const bad of [-1, 1.5, NaN, ...(name === 'maxResponseBytes' ? [] : [2 ** 40])]) {
      const c = new q.Client({ baseUrl: server.url, username: 'u', password: 'p', [name]: bad })
      await assert.rejects(c.images.get('x'), isValidation(name))
    }
  }
  assert.throws(() => client.images.list({ prefetch: -1 }), isValidation('prefetch'))
  await assert.rejects(client.images.get('x', { maxRetries: -1 }), isValidation('maxRetries'))
  assert.deepEqual(server.apiRequests(), [])
})

test('ids must be strings of bounded length; filters are bounded', async () => {
  for (const id of [123, true, 1.5]) {
    await assert.rejects(client.images.get(id), isValidation('sha', 'type'))
  }
  await assert.rejects(client.images.get('a'.repeat(2048)), isValidation('sha', 'max_length'))
  assert.throws(() => client.images.list({ filter: 'x'.repeat(65536) }), isValidation('filter', 'max_length'))
  assert.deepEqual(server.apiRequests(), [])
})

test('request() paths stay under the base URL; reserved headers are refused', async () => {
  for (const path of ['/csapi/../anything', '/csapi/%2e%2e/x', '/csapi/./v1.3', '/csapi/v1.3\r\nX: 1']) {
    await assert.rejects(client.request('GET', path), isValidation('path'))
  }
  for (const header of ['Authorization', 'host', 'Content-Length', 'Transfer-Encoding']) {
    await assert.rejects(client.images.get('x', { extraHeaders: { [header]: 'x' } }), (e) => isValidation('extra_headers', 'reserved_header')(e) && e.message.includes(header))
  }
  assert.deepEqual(server.apiRequests(), [])
})

test('plain http needs a loopback host or allowInsecureHttp (named as Node spells it)', async () => {
  const c = new q.Client({ baseUrl: 'http://qualysapi.qualys.com', username: 'u', password: 'p' })
  await assert.rejects(c.images.get('x'), isValidation('baseUrl', 'https'))
  const ok = new q.Client({ baseUrl: 'http://qualysapi.qualys.com', username: 'u', password: 'p', allowInsecureHttp: true })
  assert.equal(ok.baseUrl, 'http://qualysapi.qualys.com')
})

/** A server of the test's own on a loopback port; `seen` logs request paths. */
async function hostile(handler) {
  const seen = []
  const srv = http.createServer((req, res) => {
    seen.push(req.url)
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => handler(req, res, body))
  })
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${srv.address().port}`
  return {
    url,
    seen,
    client: (extra = {}) => new q.Client({ baseUrl: url, username: 'user', password: 's3cr3t-pass', auth: 'basic', maxRetries: 1, ...extra }),
    close: () => { srv.closeAllConnections(); return new Promise((resolve) => srv.close(resolve)) },
  }
}

test('an endless body stops at maxResponseBytes with a typed error, not retried', { timeout: 60_000 }, async () => {
  const s = await hostile((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    const chunk = Buffer.alloc(65536, 32)
    const pump = () => { while (res.write(chunk)) { /* fill the socket */ } }
    res.on('drain', pump)
    res.on('error', () => {})
    pump()
  })
  try {
    await assert.rejects(s.client({ maxResponseBytes: 1 << 20 }).request('GET', '/csapi/v1.3/images'), (e) => {
      assert.ok(e instanceof q.DecodeError, `${e}`)
      assert.equal(e.code, 'E_RESPONSE_TOO_LARGE')
      return true
    })
    assert.equal(s.seen.length, 1)
  } finally {
    await s.close()
  }
})

test('a cross-origin redirect is not followed; echoed credentials are scrubbed', { timeout: 60_000 }, async () => {
  const other = await hostile((req, res) => res.end('{"stolen":true}'))
  const s = await hostile((req, res) => {
    if (req.url.startsWith('/echo')) {
      res.writeHead(400, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ message: `you sent ${req.headers.authorization}` }))
      return
    }
    res.writeHead(307, { location: `${other.url}/collect?token=abc` })
    res.end()
  })
  try {
    const c = s.client({ maxRetries: 0 })
    await assert.rejects(c.request('POST', '/csapi/v1.3/registry', { body: { password: 'registry-pass' } }), (e) => {
      assert.ok(e instanceof q.APIError, `${e}`)
      assert.equal(e.status, 307)
      assert.ok(e.message.includes(`${other.url}/collect`) && !e.message.includes('token=abc'), e.message)
      return true
    })
    assert.deepEqual(other.seen, [])
    await assert.rejects(c.request('GET', '/echo'), (e) => {
      assert.ok(!e.message.includes('s3cr3t-pass') && !e.message.includes(Buffer.from('user:s3cr3t-pass').toString('base64')), e.message)
      assert.ok(e.message.includes('[REDACTED]'), e.message)
      return true
    })
  } finally {
    await s.close()
    await other.close()
  }
})

test('every native entry point is guarded against panics (catch_unwind)', () => {
  // A panic unwinding out of a sync Node-API entry point aborts the process: each `#[napi]`
  // function of the addon carries `catch_unwind` (napi-rs turns the panic into a JS error).
  const fs = require('node:fs')
  const path = require('node:path')
  const dir = path.join(__dirname, '..', '..', 'bindings-node', 'src')
  const unguarded = []
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.rs'))) {
    const lines = fs.readFileSync(path.join(dir, file), 'utf8').split('\n')
    lines.forEach((line, i) => {
      if (!/^\s*#\[napi(\(.*\))?\]\s*$/.test(line)) return
      let j = i + 1
      while (j < lines.length && /^\s*(#\[|\/\/\/)/.test(lines[j])) j++
      if (/\bfn\s/.test(lines[j] ?? '') && !line.includes('catch_unwind')) unguarded.push(`${file}:${i + 1}`)
    })
  }
  assert.deepEqual(unguarded, [])
})
