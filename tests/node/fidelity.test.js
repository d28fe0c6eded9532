'use strict'
// `startSimulator` refuses what it does not know and offers what the Python simulator does
// (token TTL, random faults, subscription, the link-header and Accept switches); the endpoints
// Qualys' own CLI calls.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const native = require('../../bindings-node/native.js')
const { startSimulator } = require('qualys-cs/testing')
const q = require('qualys-cs')

const available = typeof native.NativeSimulator === 'function'

test('startSimulator rejects unknown options, naming them', { skip: !available }, async () => {
  // `latency` would be seconds, as in Python: Node's durations say their unit, and a `latency: 50`
  // meant as milliseconds is refused rather than read as 50 s.
  await assert.rejects(startSimulator({ latency: 50 }),
    (e) => e.field === 'latency' && /did you mean `latencyMs`, in milliseconds\?/.test(e.message))
  await assert.rejects(startSimulator({ faults: { slowBody: 50 } }), /did you mean `faults\.slowBodyMs`, in milliseconds\?/)
  await assert.rejects(startSimulator({ token_ttl: 5 }), /`token_ttl`: unknown simulator option \(did you mean `tokenTtl`, in seconds\?\)/)
  await assert.rejects(startSimulator({ faults: { error_rate: 0.5 } }), /`faults\.error_rate`: unknown simulator option/)
  await assert.rejects(startSimulator({ faults: { errorRate: 2 } }), /faults\.errorRate/)
  await assert.rejects(startSimulator({ linkEnd: 'nothing' }), /linkEnd/)
  await assert.rejects(startSimulator({ subscription: 'gold' }), /subscription/)
})

test('startSimulator: token TTL, random faults, subscription', { skip: !available }, async () => {
  // A token that lives 1 s: a second /auth once it expired.
  const short = await startSimulator({ images: 3, tokenTtl: 1 })
  try {
    const client = new q.Client({ baseUrl: short.url, username: short.username, password: short.password, maxRetries: 0 })
    await client.images.list({ pageSize: 1 }).toArray()
    await new Promise((r) => setTimeout(r, 2100))
    await client.images.list({ pageSize: 1 }).toArray()
    const auths = short.requests().filter((r) => r.path === '/auth')
    assert.ok(auths.length >= 2, `one /auth per token lifetime, saw ${auths.length}`)
  } finally {
    await short.stop()
  }
  const faulty = await startSimulator({ images: 3, faults: { errorRate: 1 } })
  try {
    const client = new q.Client({ baseUrl: faulty.url, username: faulty.username, password: faulty.password, auth: 'basic', maxRetries: 0 })
    await assert.rejects(client.images.list({ pageSize: 1 }).toArray(), q.ServerError)
  } finally {
    await faulty.stop()
  }
  const free = await startSimulator({ images: 3, subscription: 'free' })
  try {
    const client = new q.Client({ baseUrl: free.url, username: free.username, password: free.password, auth: 'basic', maxRetries: 0 })
    await assert.rejects(client.reports.list().toArray(), (e) => e.status === 409)
  } finally {
    await free.stop()
  }
})

test('the bulk lists end on every link form; a strict gateway serves the download', { skip: !available }, async () => {
  for (const linkCase of ['lower', 'title']) {
    for (const linkEnd of ['null', 'absent', 'empty']) {
      const sim = await startSimulator({ images: 7, linkCase, linkEnd, strictAccept: true })
      try {
        const client = new q.Client({ baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'basic', maxRetries: 0 })
        const items = await client.images.bulkList({ limit: 3 }).toArray()
        assert.equal(items.length, 7, `${linkCase}/${linkEnd}`)
        assert.ok(Array.isArray(items[0].vulnerabilities), 'bulk items carry a list of vulnerabilities')
        assert.equal(sim.requests().filter((r) => r.endpoint === 'P05').length, 3)
      } finally {
        await sim.stop()
      }
    }
  }
  const sim = await startSimulator({ images: 3, strictAccept: true })
  try {
    const client = new q.Client({ baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'basic', maxRetries: 0 })
    const done = (await client.reports.list().toArray()).find((r) => r.status === 'COMPLETED')
    const bytes = await client.reports.download(done.reportUuid)
    assert.ok(Buffer.isBuffer(bytes) && bytes.length > 0)
  } finally {
    await sim.stop()
  }
})

test('k8s clusters and the policies list', { skip: !available }, async () => {
  const sim = await startSimulator({ images: 3 })
  try {
    const client = new q.Client({ baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'basic', maxRetries: 0 })
    const clusters = await client.k8sClusters.list({ pageSize: 2 }).toArray()
    assert.equal(clusters.length, 3)
    const one = await client.k8sClusters.get(clusters[1].clusterUid)
    assert.deepEqual(one, clusters[1])
    const policies = await client.policies.list().toArray()
    assert.ok(policies.length >= 2 && policies.every((p) => typeof p.uuid === 'string'))
  } finally {
    await sim.stop()
  }
})
