'use strict'
// A small csapi fixture server for the Node tests: it answers every endpoint of the table with the
// seed fixture recorded for it (byte for byte, so results can be deep-compared with the API's JSON),
// generates page-numbered and cursor lists, checks auth (Basic and JWT), logs every request, and
// takes per-endpoint overrides (status, body, headers, delay) for the error, timeout and abort
// tests. The embedded Rust simulator (`qualys-cs/testing`) is covered by its own tests.

const http = require('node:http')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.resolve(__dirname, '..', '..', '..')
const FIXTURES = path.join(ROOT, 'tests', 'fixtures')
const TABLE = JSON.parse(fs.readFileSync(path.join(ROOT, 'spec', 'endpoints.json'), 'utf8'))
const INDEX = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'index.json'), 'utf8'))

const USER = 'qualys'
const PASS = 'qualys'

function b64url(s) {
  return Buffer.from(s).toString('base64url')
}
const JWT = `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 }))}.sig`

/** Endpoint matchers, most specific (fewest parameters) first. */
const ROUTES = TABLE.endpoints
  .filter((e) => e.resource !== 'auth')
  .map((e) => {
    const names = []
    const re = e.path.replace(/\{(\w+)\}/g, (_, n) => {
      names.push(n)
      return '([^/]+)'
    })
    return { e, names, re: new RegExp(`^${re}/?$`) }
  })
  .sort((a, b) => a.names.length - b.names.length)

/** The seed response fixture of each endpoint id (first one listed wins). */
const RESPONSES = {}
for (const [file, meta] of Object.entries(INDEX)) {
  const id = meta.sample && meta.sample.endpoint
  if (!id || !/\.response\.(json|txt)$/.test(file) || RESPONSES[id]) continue
  RESPONSES[id] = file
}

function readFixture(file) {
  return fs.readFileSync(path.join(FIXTURES, file))
}

function item(kind, i) {
  const n = String(i).padStart(4, '0')
  return {
    sha: `sha256-${kind}-${n}`,
    uuid: `00000000-0000-4000-8000-00000000${n}`,
    created: String(1700000000000 + i),
    index: i,
    vulnerabilities: { severity5Count: i % 3, severity4Count: 1 },
    big: 'BIG', // replaced by 2^53 + 1 in the JSON text: JS numbers cannot hold it
  }
}

class FixtureServer {
  constructor(opts = {}) {
    this.total = opts.total ?? 23
    this.log = []
    this.overrides = new Map() // endpoint id → {status, body, headers, delayMs, times}
    this.server = http.createServer((req, res) => this._handle(req, res))
    this.sockets = new Set()
    this.server.on('connection', (s) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${this.server.address().port}`
    return this
  }

  async stop() {
    for (const s of this.sockets) s.destroy()
    await new Promise((resolve) => this.server.close(resolve))
  }

  /** Answer `id` with this instead of the fixture (`times` answers, default: until cleared). */
  override(id, o) {
    this.overrides.set(id, { ...o })
  }

  clear() {
    this.log = []
    this.overrides.clear()
  }

  /** Requests to the API (not `/auth`). */
  apiRequests() {
    return this.log.filter((r) => r.path !== '/auth')
  }

  _handle(req, res) {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const url = new URL(req.url, 'http://x')
      const entry = { method: req.method, path: url.pathname, search: url.search, query: url.searchParams, headers: req.headers, body }
      this.log.push(entry)
      try {
        this._route(req, res, url, entry)
      } catch (e) {
        send(res, 500, { errorCode: 'TEST', message: String(e && e.stack) })
      }
    })
  }

  _route(req, res, url, entry) {
    if (url.pathname === '/auth' && req.method === 'POST') {
      const form = new URLSearchParams(entry.body.toString())
      if (form.get('username') === USER && form.get('password') === PASS) {
        res.writeHead(201, { 'content-type': 'text/plain' })
        return res.end(JWT)
      }
      return send(res, 401, { errorCode: '401 UNAUTHORIZED', message: 'bad credentials', timestamp: Date.now() })
    }
    const auth = req.headers.authorization || ''
    const basic = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`
    if (auth !== basic && auth !== `Bearer ${JWT}`) {
      return send(res, 401, { errorCode: '401 UNAUTHORIZED', message: 'Unauthorized', timestamp: 1700000000000 })
    }
    const route = ROUTES.find((r) => r.e.http === req.method && r.re.test(url.pathname))
    if (!route) return send(res, 404, { errorCode: 'CMS-404', message: `no route ${req.method} ${url.pathname}` })
    const e = route.e
    entry.endpoint = e.id
    const o = this.overrides.get(e.id)
    const answer = () => {
      if (o && o.destroy) return res.socket.destroy()
      if (o && o.status !== undefined) {
        if (o.times !== undefined && --o.times <= 0) this.overrides.delete(e.id)
        return send(res, o.status, o.body ?? '', o.headers)
      }
      if (e.pagination) return this._page(res, e, url)
      const file = RESPONSES[e.id]
      if (!file) return send(res, 200, { id: e.id, ok: true })
      const type = file.endsWith('.txt') ? 'text/plain' : 'application/json'
      res.writeHead(200, { 'content-type': type, 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '299', 'x-ratelimit-window-sec': '60' })
      res.end(readFixture(file))
    }
    if (o && o.delayMs) setTimeout(answer, o.delayMs)
    else answer()
  }

  _page(res, e, url) {
    const pg = e.pagination
    const size = Number(url.searchParams.get(pg.size_param) || 50)
    const kind = e.resource.replace(/\W/g, '')
    if (pg.style === 'cursor') {
      const start = Number(url.searchParams.get(pg.cursor_param || 'paginationQuery') || 0)
      const data = []
      for (let i = start; i < Math.min(start + size, this.total); i++) data.push(item(kind, i))
      const next = start + size
      const headers = {}
      if (next < this.total) {
        // A foreign host, as the real gateway sends: only the cursor may be taken from it.
        headers.link = `<https://gateway.example.invalid${e.path}?limit=${size}&paginationQuery=${next}>;rel=next`
      }
      return send(res, 200, { data, count: this.total }, headers)
    }
    const n = Number(url.searchParams.get(pg.page_param || 'pageNumber') || 1)
    const data = []
    for (let i = (n - 1) * size; i < Math.min(n * size, this.total); i++) data.push(item(kind, i))
    return send(res, 200, { data, count: this.total, groups: null })
  }
}

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body).replaceAll('"big":"BIG"', '"big":9007199254740993')
  const type = typeof body === 'string' || Buffer.isBuffer(body) ? 'text/plain' : 'application/json'
  res.writeHead(status, { 'content-type': type, ...headers })
  res.end(text)
}

async function startFixtureServer(opts) {
  return new FixtureServer(opts).start()
}

module.exports = { startFixtureServer, FixtureServer, TABLE, INDEX, FIXTURES, ROOT, USER, PASS, RESPONSES, readFixture }
