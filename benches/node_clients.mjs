// One Node measurement per process: `node node_clients.mjs CLIENT SCENARIO --base-url URL ...`.
// Prints one JSON object (wall_s, items, calls, failures). Timing starts after the imports.
//
// Clients
//   fetch-seq   a sequential `fetch` loop (Node's built-in undici, keep-alive)
//   fetch-conc  `fetch` with --concurrency requests in flight (page-numbered and fan-out)
//   ours        the `qualys-cs` binding (loaded from the repository root)
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import fs from 'node:fs'

const here = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.resolve(here, '..')
const IMAGES = '/csapi/v1.3/images'
const BULK = '/csapi/v1.3/images/list'
const BULK_CONTAINERS = '/csapi/v1.3/containers/list'
// Scenarios that walk a bulk (cursor) list: every image, or every container.
const CURSOR = ['cursor', 'containers-cursor', 'scale']
const bulkPath = (sc) => (sc === 'containers-cursor' ? BULK_CONTAINERS : BULK)

function parseArgs(argv) {
  const a = { client: argv[0], scenario: argv[1], user: 'qualys', password: 'qualys', n: 0, pageSize: 100,
    limit: 250, concurrency: 16, oursOptions: '' }
  for (let i = 2; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase())
    a[k] = ['n', 'pageSize', 'limit', 'concurrency'].includes(k) ? Number(argv[i + 1]) : argv[i + 1]
  }
  return a
}

const a = parseArgs(process.argv.slice(2))
const authHeader = 'Basic ' + Buffer.from(`${a.user}:${a.password}`).toString('base64')
const st = { calls: 0, done_t: [] }
let T0 = 0n
const now = () => Number(process.hrtime.bigint() - T0) / 1e9

function nextQuery(link) {
  if (!link || link.trim().toLowerCase() === 'null') return null
  const url = link.split(';')[0].trim().replace(/^</, '').replace(/[<>]$/, '')
  return new URL(url).searchParams.get('paginationQuery')
}

async function get(p, params) {
  const u = new URL(a.baseUrl + p)
  if (params) for (const [k, v] of Object.entries(params)) u.searchParams.set(k, String(v))
  for (;;) {
    const r = await fetch(u, { headers: { authorization: authHeader, accept: 'application/json' } })
    st.calls++
    if (r.status === 429) {
      st.http_429 = (st.http_429 ?? 0) + 1
      const wait = Number(r.headers.get('retry-after') ?? r.headers.get('x-ratelimit-towait-sec') ?? 1)
      await r.arrayBuffer()
      await new Promise((res) => setTimeout(res, wait * 1000))
      continue
    }
    if (!r.ok) throw new Error(`HTTP ${r.status} ${p}`)
    return { body: await r.json(), headers: r.headers }
  }
}

async function pool(items, limit, fn) {
  let i = 0
  let failures = 0
  const errors = []
  async function lane() {
    while (i < items.length) {
      const x = items[i++]
      try {
        await fn(x)
      } catch (e) {
        failures++
        if (errors.length < 5) errors.push(String(e).slice(0, 200))
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
  return { failures, errors }
}

async function fetchShas(n) {
  const shas = []
  for (let page = 1; shas.length < n; page++) {
    const { body } = await get(IMAGES, { pageNumber: page, pageSize: 1000 })
    for (const d of body.data) shas.push(d.sha)
    if (body.data.length < 1000) break
  }
  st.calls = 0
  return shas.slice(0, n)
}

async function fetchSeq(sc, conc) {
  if (sc === 'pn') {
    let n = 0
    if (conc > 1) {
      const first = (await get(IMAGES, { pageNumber: 1, pageSize: a.pageSize })).body
      n += first.data.length
      const pages = Math.ceil(first.count / a.pageSize)
      const rest = Array.from({ length: Math.max(0, pages - 1) }, (_, i) => i + 2)
      await pool(rest, conc, async (p) => {
        const { body } = await get(IMAGES, { pageNumber: p, pageSize: a.pageSize })
        n += body.data.length // after the await: `n += await x` would read n before it
      })
      return n
    }
    for (let page = 1; ; page++) {
      const { body } = await get(IMAGES, { pageNumber: page, pageSize: a.pageSize })
      n += body.data.length
      if (body.data.length < a.pageSize || page * a.pageSize >= body.count) return n
    }
  }
  if (CURSOR.includes(sc)) {
    let n = 0
    let pq = null
    for (;;) {
      const params = { limit: a.limit }
      if (pq) params.paginationQuery = pq
      const { body, headers } = await get(bulkPath(sc), params)
      for (const _ of body.data) n++
      pq = nextQuery(headers.get('link'))
      if (!pq) return n
    }
  }
  if (sc === 'fanout' || sc === 'ratelimit') {
    const r = await pool(st.shas, conc, async (sha) => {
      await get(`${IMAGES}/${sha}/vuln`)
      st.done_t.push(now())
    })
    st.failures = r.failures
    if (r.errors.length) st.errors = r.errors
    return st.shas.length - r.failures
  }
  if (sc === 'page') {
    const q = { pageNumber: 1, pageSize: a.pageSize }
    return pageLoop({ 'fetch + json()': async () => (await get(IMAGES, q)).body.data.length })
  }
  throw new Error(`no scenario ${sc}`)
}

async function pageLoop(variants) {
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
  for (const f of Object.values(variants)) await f()
  let n = 0
  for (let i = 0; i < a.n; i++) {
    for (const [k, f] of Object.entries(variants)) {
      const t0 = performance.now()
      n = await f()
      times[k].push(performance.now() - t0)
    }
  }
  st.page_us = Object.fromEntries(Object.entries(times).map(([k, v]) => {
    v.sort((x, y) => x - y)
    return [k, v[Math.floor(v.length / 2)] * 1000]
  }))
  return n
}

async function ours(sc) {
  const require = createRequire(import.meta.url)
  const { Client } = require(REPO)
  const opts = { baseUrl: a.baseUrl, username: a.user, password: a.password, ...(a.oursOptions ? JSON.parse(a.oursOptions) : {}) }
  const c = new Client(opts)
  let n = 0
  if (sc === 'pn') {
    for await (const _ of c.images.list({ pageSize: a.pageSize })) n++
    return n
  }
  if (sc === 'containers-pn') {
    for await (const _ of c.containers.list({ pageSize: a.pageSize })) n++
    return n
  }
  if (CURSOR.includes(sc)) {
    const resource = sc.startsWith('containers') ? c.containers : c.images
    for await (const _ of resource.bulkList({ limit: a.limit })) n++
    return n
  }
  if (sc === 'fanout' || sc === 'ratelimit') {
    const res = await Promise.allSettled(st.shas.map(async (s) => {
      const v = await c.images.vulnerabilities(s)
      st.done_t.push(now())
      return v
    }))
    const errs = res.filter((r) => r.status === 'rejected')
    st.failures = errs.length
    st.calls = res.length
    if (errs.length) st.errors = errs.slice(0, 5).map((e) => String(e.reason).slice(0, 200))
    return res.length - errs.length
  }
  if (sc === 'page') {
    const query = { pageNumber: 1, pageSize: a.pageSize }
    return pageLoop({ 'qualys-cs request()': async () => (await c.request('GET', IMAGES, { query })).data.length })
  }
  throw new Error(`no scenario ${sc}`)
}

async function main() {
  if (a.scenario === 'fanout' || a.scenario === 'ratelimit') {
    st.shas = a.shasFile ? JSON.parse(fs.readFileSync(a.shasFile, 'utf8')).slice(0, a.n) : await fetchShas(a.n)
  }
  const t0 = process.hrtime.bigint()
  T0 = t0
  let items
  if (a.client === 'fetch-seq') items = await fetchSeq(a.scenario, 1)
  else if (a.client === 'fetch-conc') items = await fetchSeq(a.scenario, a.concurrency)
  else if (a.client === 'ours') items = await ours(a.scenario)
  else throw new Error(`no client ${a.client}`)
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  delete st.shas
  if (st.done_t.length) st.done_t = st.done_t.sort((x, y) => x - y).map((t) => Math.round(t * 1e4) / 1e4)
  else delete st.done_t
  console.log(JSON.stringify({ client: `node-${a.client}`, scenario: a.scenario, wall_s: wall, items, ...st }))
}

main().catch((e) => { console.error(e); process.exit(1) })
