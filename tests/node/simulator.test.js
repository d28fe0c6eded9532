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
