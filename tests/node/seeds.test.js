'use strict'
// The request log against the seed samples (tests/fixtures/index.json): each sample's endpoint,
// called through the generated method with the sample's path and query values and the request
// fixture as body, sends the sample's method and URL (v1.1 samples are compared on the v1.3 path
// the table documents; page parameters are the paginator's own).
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { startFixtureServer, TABLE, INDEX, readFixture } = require('./helpers/server')
const { methodOf, newClient, camel } = require('./helpers/common')

let server
let client
before(async () => {
  server = await startFixtureServer({ total: 3 })
  client = newClient(server, { validate: false })
})
after(() => server.stop())

const byId = Object.fromEntries(TABLE.endpoints.map((e) => [e.id, e]))
const PAGE_PARAMS = new Set(['pageNumber', 'pageNo', 'pageSize', 'limit', 'paginationQuery'])

function normalizedSample(e, url) {
  const u = new URL(url.replace('…', 'x'), 'http://x')
  const version = e.path.split('/')[2]
  const p = decodeURIComponent(u.pathname).replace(/^\/csapi\/v[\d.]+\//, `/csapi/${version}/`).replace(/\/$/, '')
  return { path: p, query: u.searchParams }
}

const cases = Object.entries(INDEX).filter(([, m]) => m.sample && m.sample.url && byId[m.sample.endpoint])
for (const [file, meta] of cases) {
  const e = byId[meta.sample.endpoint]
  test(`${file} → ${e.resource}.${camel(e.method)} ${meta.sample.method} ${meta.sample.url}`, async () => {
    const sample = normalizedSample(e, meta.sample.url)
    const tmpl = new RegExp(`^${e.path.replace(/\{\w+\}/g, '([^/]+)')}$`)
    const m = sample.path.match(tmpl)
    assert.ok(m, `sample path ${sample.path} matches ${e.path}`)
    const positional = e.path_params.map((_, i) => m[i + 1])
    const options = {}
    for (const q of e.query) {
      const values = sample.query.getAll(q.name).filter((v) => v !== '' && v !== 'x')
      if (!values.length || PAGE_PARAMS.has(q.name)) continue
      const v = q.type === 'string[]' ? values : q.type === 'integer' ? Number(values[0]) : values[0]
      if (q.required) positional.push(v)
      else options[camel(q.arg)] = v
    }
    const reqFile = file.endsWith('.request.json') ? file : file.replace(/\.(error_)?response\.(json|txt)$/, '.request.json')
    const body = e.body && e.body.kind !== 'form' && INDEX[reqFile] ? JSON.parse(readFixture(reqFile)) : undefined
    if (e.body && e.body.kind !== 'form') positional.push(body ?? (e.body.kind === 'json_array' ? ['x'] : {}))
    server.clear()
    const call = methodOf(client, e)
    if (e.pagination) await call(...positional, options).toArray()
    else await call(...positional, options)
    const sent = server.apiRequests()[0]
    assert.equal(sent.method, meta.sample.method)
    assert.equal(decodeURIComponent(sent.path), sample.path)
    const strip = (params) => [...params].filter(([k, v]) => !PAGE_PARAMS.has(k) && v !== '' && v !== 'x').sort()
    assert.deepEqual(strip(sent.query), strip(sample.query))
    if (body !== undefined) assert.deepEqual(JSON.parse(sent.body), body)
  })
}
