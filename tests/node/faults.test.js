'use strict'
// The fault matrix for the Node client: every fault of tests/faults/matrix.json x every shape,
// against the fault server (tests/faults, spawned as a process). The Rust and Python suites run
// the same table.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn, execFileSync } = require('node:child_process')
const path = require('node:path')
const readline = require('node:readline')
const { Client, QualysError } = require('qualys-cs')

const ROOT = path.resolve(__dirname, '..', '..')
const TABLE = require(path.join(ROOT, 'tests', 'faults', 'matrix.json'))
// The fault server's data set (tests/faults/src/lib.rs: ITEMS, PAGE_SIZE, FAULT_PAGE).
const ITEMS = 23
const PAGE_SIZE = 5
const FAULT_PAGE = 3
/** No cell may take longer, whatever the fault (the slowest needs about two 1 s timeouts). */
const CELL_BOUND_MS = 60_000

const sha = (i) => `sha-${String(i).padStart(2, '0')}`

let proc
let port
before(async () => {
  // Cheap when fresh; builds the server on a checkout where only the addon was built.
  execFileSync('cargo', ['build', '-q', '-p', 'qualys-cs-faults'], { cwd: ROOT, stdio: 'inherit', timeout: 600_000 })
  const target = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target')
  proc = spawn(path.join(target, 'debug', 'qualys-cs-faults'), [], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = readline.createInterface({ input: proc.stdout })
  port = Number(await new Promise((resolve) => lines.once('line', resolve)))
})
after(() => proc.stdin.end()) // the server exits when its stdin closes

async function stats(key) {
  const r = await fetch(`http://127.0.0.1:${port}/_stats/${key}`)
  return r.json()
}

function newClient(key, fault) {
  const conf = { ...TABLE.client, ...(fault.client || {}) }
  return new Client({
    baseUrl: `http://127.0.0.1:${port}/f/${key}/${fault.fault}`,
    username: 'faults',
    password: 'faults',
    maxRetries: conf.max_retries,
    timeout: conf.timeout_ms,
    backoffBase: conf.backoff_ms[0],
    backoffMax: conf.backoff_ms[1],
    ...(conf.max_retry_wait_ms !== undefined && { maxRetryWait: conf.max_retry_wait_ms }),
    ...(conf.max_response_bytes !== undefined && { maxResponseBytes: conf.max_response_bytes }),
  })
}

const codeOf = (e) => (e instanceof QualysError ? e.code : `<not a QualysError: ${e}>`)

async function run(c, shape) {
  const out = { items: [], error: null, each: [] }
  try {
    if (shape === 'single') {
      out.items.push((await c.images.get(sha(7))).sha)
    } else if (shape === 'fanout') {
      const calls = [...Array(TABLE.fanout).keys()].map((i) => c.images.get(sha(i)))
      for (const r of await Promise.allSettled(calls)) {
        out.each.push(r.status === 'fulfilled' ? r.value.sha : ['error', codeOf(r.reason)])
      }
    } else {
      const list = shape === 'list' ? c.images.list({ pageSize: PAGE_SIZE }) : c.images.bulkList({ limit: PAGE_SIZE })
      for await (const item of list) out.items.push(item.sha)
    }
  } catch (e) {
    out.error = codeOf(e)
  }
  return out
}

function check(shape, expect, out, st) {
  const want = expect.error ?? null
  // An exact count, or a lower bound (a storm waited out until a time budget is spent).
  const atLeast = expect.attempts_at_least !== undefined
  const attempts = atLeast ? expect.attempts_at_least : expect.attempts
  const tries = (got) => (atLeast ? got >= attempts : got === attempts)
  const n = (t) => st[t] ?? 0
  if (shape === 'single') {
    assert.equal(out.error, want)
    if (!want) assert.deepEqual(out.items, [sha(7)])
    assert.ok(tries(n(`get:${sha(7)}`)), JSON.stringify(st))
  } else if (shape === 'list' || shape === 'cursor') {
    assert.equal(out.error, want)
    // None lost, none repeated: everything, or exactly the pages before the fault.
    const count = expect.items ?? (want ? (FAULT_PAGE - 1) * PAGE_SIZE : ITEMS)
    assert.deepEqual(out.items, [...Array(count).keys()].map(sha))
    const prefix = shape === 'list' ? 'page' : 'cursor'
    for (let p = 1; p <= Math.ceil(ITEMS / PAGE_SIZE); p++) {
      const got = n(`${prefix}:${p}`)
      if (p === FAULT_PAGE) assert.ok(tries(got), JSON.stringify(st))
      else if (p < FAULT_PAGE || !want) assert.equal(got, 1, JSON.stringify(st))
      // Prefetch may or may not have reached a later page when the list failed.
      else assert.ok(got <= 1, JSON.stringify(st))
    }
  } else {
    const wantEach = [...Array(TABLE.fanout).keys()].map((i) => (want ? ['error', want] : sha(i)))
    assert.deepEqual(out.each, wantEach)
    // The requests of the whole fan-out, where calls behind the first may fail unsent.
    const total = expect.fanout_requests
    let sent = 0
    for (let i = 0; i < TABLE.fanout; i++) {
      const got = n(`get:${sha(i)}`)
      sent += got
      assert.ok(total === undefined ? tries(got) : got <= attempts, JSON.stringify(st))
    }
    if (total !== undefined) assert.equal(sent, total, JSON.stringify(st))
  }
  if (shape !== 'fanout' && expect.auth !== undefined) assert.equal(n('auth'), expect.auth, JSON.stringify(st))
}

for (const fault of TABLE.faults) {
  for (const shape of TABLE.shapes) {
    if (fault.skip && shape in fault.skip) continue
    test(`${fault.fault} x ${shape}: ${fault.what}`, { timeout: CELL_BOUND_MS }, async () => {
      const key = `node-${fault.fault}-${shape}`
      const out = await run(newClient(key, fault), shape)
      check(shape, { ...fault.expect, ...((fault.shapes || {})[shape] || {}) }, out, await stats(key))
    })
  }
}
