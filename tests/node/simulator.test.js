'use strict'
// `qualys-cs/testing`: the embedded Rust simulator. Skipped when the addon was built without the
// `simulator` feature (it is off until the qualys-cs-sim crate lands on this branch).
const { test } = require('node:test')
const assert = require('node:assert/strict')
const native = require('../../bindings-node/native.js')
const { startSimulator } = require('qualys-cs/testing')
const q = require('qualys-cs')

const available = typeof native.NativeSimulator === 'function'

test('without the simulator feature, startSimulator says so', { skip: available }, async () => {
  await assert.rejects(startSimulator(), /no embedded simulator/)
})

test('startSimulator: list, fault, request log, stop', { skip: !available }, async () => {
  const sim = await startSimulator({ images: 30 })
  try {
    const client = new q.Client({ baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'basic', maxRetries: 0 })
    const items = await client.images.list({ pageSize: 10 }).toArray()
    assert.equal(items.length, 30)
    const log = sim.requests()
    assert.ok(log.length >= 3)
    assert.ok(log.every((r) => r.endpoint === 'S17'))
    sim.clearRequests()
    sim.injectFault({ kind: 'status', status: 404, pathContains: '/images/' })
    await assert.rejects(client.images.get('abc'), q.NotFoundError)
    assert.equal(sim.requests().length, 1)
  } finally {
    await sim.stop()
  }
})

test('a page whose data is one object or null (P-qualysdk copes with both), in every integer mode', { skip: !available }, async () => {
  const sim = await startSimulator({ images: 3 })
  try {
    for (const largeIntegers of ['number', 'bigint']) {
      const client = new q.Client({ baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'basic', largeIntegers })
      const one = '{"data":{"sha":"café 😀","big":9007199254740993},"count":1}'
      sim.injectFault({ kind: 'status', status: 200, body: one, pathContains: '/csapi/v1.3/images' })
      const items = await client.images.list({ pageSize: 10 }).toArray()
      assert.equal(items.length, 1)
      assert.equal(items[0].sha, "café 😀")
      assert.equal(items[0].big, largeIntegers === 'bigint' ? 9007199254740993n : 9007199254740992)
      sim.injectFault({ kind: 'status', status: 200, body: '{"data":null,"count":0}', pathContains: '/csapi/v1.3/images' })
      assert.deepEqual(await client.images.list({ pageSize: 10 }).toArray(), [])
    }
  } finally {
    await sim.stop()
  }
})

test('a bulk page whose data is one object yields exactly that one item', { skip: !available }, async () => {
  const sim = await startSimulator({ images: 3 })
  try {
    const client = new q.Client({ baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'basic', maxRetries: 0 })
    // Brackets and a `data` key inside the item: the item is located by core, not searched for.
    const one = '{"limit": 50, "data": {"sha": "x", "data": [1, "]"]}}'
    sim.injectFault({ kind: 'status', status: 200, body: one, pathContains: '/csapi/v1.3/images/list' })
    const pages = []
    for await (const page of client.images.bulkList({ limit: 50 }).pages()) pages.push(page)
    assert.deepEqual(pages.map((p) => p.items), [[{ sha: 'x', data: [1, ']'] }]])
    assert.deepEqual(pages[0].extra, { limit: 50 })
  } finally {
    await sim.stop()
  }
})

test('what only the converter can refuse is a DecodeError, and a throwing JSON.parse never hangs a call', { skip: !available }, async () => {
  const sim = await startSimulator({ images: 3 })
  const opts = { baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'basic', maxRetries: 0 }
  const sha = 'a'.repeat(64)
  try {
    // A number beyond f64 passes core's check; the exact (bigint) converter refuses it.
    sim.injectFault({ kind: 'status', status: 200, body: '{"big": 1e400}', pathContains: '/csapi/v1.3/images/' })
    await assert.rejects(new q.Client({ ...opts, largeIntegers: 'bigint' }).images.get(sha), q.DecodeError)
    // JSON.parse replaced by something that throws on response bodies (not on our error payloads).
    const parse = JSON.parse
    JSON.parse = (text, reviver) => {
      if (String(text).startsWith('{"sha"')) throw new SyntaxError('refused by the test')
      return parse(text, reviver)
    }
    try {
      sim.injectFault({ kind: 'status', status: 200, body: '{"sha": "x"}', pathContains: '/csapi/v1.3/images/' })
      const err = await new q.Client(opts).images.get(sha).then(() => null, (e) => e)
      assert.ok(err instanceof q.DecodeError, String(err))
      assert.match(err.message, /refused by the test/)
    } finally {
      JSON.parse = parse
    }
  } finally {
    await sim.stop()
  }
})

// The options are read by the simulator crate's one reader; the declaration users' editors check
// against must name exactly what that reader takes, and counts by every name it takes there.
test('SimulatorOptions in testing.d.ts names every option the simulator reads, and only those', { skip: !available }, () => {
  const fs = require('node:fs')
  const path = require('node:path')
  const dts = fs.readFileSync(path.join(__dirname, '../../bindings-node/testing.d.ts'), 'utf8')
  const keys = (name) => {
    const body = dts.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`))
    assert.ok(body, `interface ${name} in testing.d.ts`)
    // Top-level members only: two spaces of indent, then `name?:`.
    return [...body[1].matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]).sort()
  }
  assert.deepEqual(keys('SimulatorOptions'), [...native.NativeSimulator.optionNames()].sort())
  // Every count the declaration names is one the reader takes (a misspelt count is refused).
  for (const k of keys('SimulatorCounts')) {
    assert.doesNotThrow(() => native.NativeSimulator.start(JSON.stringify({ counts: { [k]: 1 } })).stop(), k)
  }
})
