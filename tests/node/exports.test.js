'use strict'
// Lists as files and streams: toJsonl / toCsv / jsonlStream / csvStream, page by page, and the
// onPage callback, against the embedded simulator.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Writable } = require('node:stream')
const { startSimulator } = require('qualys-cs/testing')
const q = require('qualys-cs')

let sim
let client
let dir
before(async () => {
  sim = await startSimulator({ images: 60, containers: 25 })
  client = new q.Client({ baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'basic', maxRetries: 0 })
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qualys-cs-export-'))
})
after(async () => {
  await sim.stop()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** A minimal RFC 4180 reader (quotes, doubled quotes, CRLF), enough to read our files back. */
function parseCsv(text) {
  const rows = []
  let row = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(field); field = '' }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++ }
    else field += c
  }
  return rows
}

test('toJsonl writes every record as sent, one a line, and counts them', async () => {
  const items = await client.images.bulkList({ limit: 25 }).toArray()
  const file = path.join(dir, 'images.jsonl')
  const pages = []
  const n = await client.images.bulkList({ limit: 25, onPage: (p) => pages.push(p) }).toJsonl(file)
  assert.equal(n, 60)
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n')
  assert.deepEqual(lines.map((l) => JSON.parse(l)), items)
  assert.deepEqual(pages.map((p) => p.count), [25, 25, 10])
  assert.equal(pages.at(-1).records, 60)
})

test('toCsv writes the list columns: times in ISO 8601, counts flattened, nested as JSON', async () => {
  const items = await client.images.list({ pageSize: 20 }).toArray()
  const file = path.join(dir, 'images.csv')
  assert.equal(await client.images.list({ pageSize: 20 }).toCsv(file), 60)
  const [header, ...rows] = parseCsv(fs.readFileSync(file, 'utf8'))
  assert.equal(rows.length, 60)
  const col = (name) => header.indexOf(name)
  for (const name of ['created', 'sha', 'repository', 'vulnerabilities.severity5Count', 'lastFoundOnHost.hostname', 'extra']) {
    assert.ok(col(name) >= 0, name)
  }
  rows.forEach((r, i) => {
    const it = items[i]
    assert.equal(r[col('sha')], it.sha)
    assert.equal(r[col('created')], new Date(Number(it.created)).toISOString())
    assert.equal(r[col('vulnerabilities.severity5Count')], String(it.vulnerabilities.severity5Count))
    assert.deepEqual(JSON.parse(r[col('repo')]), it.repo)
    assert.equal(r[col('repository')], it.repo[0].repository)
  })
})

test('csvStream / jsonlStream are Readable streams a slow consumer can pull', async () => {
  let text = ''
  const sink = new Writable({
    highWaterMark: 16,
    write(chunk, _enc, done) {
      text += chunk
      setImmediate(done)
    },
  })
  const n = await client.containers.list({ pageSize: 10 }).toCsv(sink)
  assert.equal(n, 25)
  assert.equal(parseCsv(text).length, 26)
  let lines = 0
  for await (const chunk of client.containers.bulkList({ limit: 10 }).jsonlStream()) lines += String(chunk).split('\n').length - 1
  assert.equal(lines, 25)
})

test('onPage is called for every page of an iteration', async () => {
  const seen = []
  const items = await client.images.list({ pageSize: 25, onPage: (p) => seen.push(p) }).toArray()
  assert.equal(items.length, 60)
  assert.deepEqual(seen.map((p) => [p.number, p.count, p.total, p.records]), [[1, 25, 60, 25], [2, 25, 60, 50], [3, 10, 60, 60]])
})
