'use strict'
// `startSimulator({ fixtures, generated, rateLimits })` and `sim.addImages(...)`: your own records
// served like generated ones, and the rate limits the Python `Simulator(rate_limits=...)` offers.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const native = require('../../bindings-node/native.js')
const { startSimulator } = require('qualys-cs/testing')
const q = require('qualys-cs')

const available = typeof native.NativeSimulator === 'function'

const sha = (k) => (0xf1c500000000 + k).toString(16).padStart(64, '0')

function images(n) {
  return Array.from({ length: n }, (_, k) => ({
    sha: sha(k),
    size: (k + 1) * 1_000_000,
    operatingSystem: k % 2 === 0 ? 'Alpine Linux 3.19' : 'Debian GNU/Linux 12',
    created: String(1_750_000_000_000 + k * 86_400_000),
    repo: [{ registry: 'registry.fixture.test', repository: `team/app${k}`, tag: 'v1' }],
    vulnerabilities: { severity5Count: k % 3 },
    owner: `team-${k}`,
  }))
}

const clientFor = (sim) =>
  new q.Client({ baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'basic', maxRetries: 0 })

test('inline fixtures mix with generated images: filter, sort, paging, get, cursor list, delete', { skip: !available }, async () => {
  const sim = await startSimulator({ images: 30, fixtures: { images: images(8) } })
  try {
    const client = clientFor(sim)
    const all = await client.images.list({ pageSize: 7 }).toArray()
    assert.equal(all.length, 38)
    assert.equal(new Set(all.map((i) => i.uuid)).size, 38)
    const bySize = await client.images.list({ sort: 'size:asc', pageSize: 3 }).toArray()
    assert.deepEqual(bySize.slice(0, 8).map((i) => i.sha), images(8).map((i) => i.sha))
    const alpine = await client.images.list({ filter: 'repo.registry:registry.fixture.test AND os:Alpine' }).toArray()
    assert.deepEqual(alpine.map((i) => i.sha).sort(), [0, 2, 4, 6].map(sha))
    const one = await client.images.get(sha(3))
    assert.equal(one.owner, 'team-3')
    assert.equal(one.imageId, sha(3).slice(0, 12))
    assert.equal(one.vulnerabilities.severity1Count, 0)
    const bulk = await client.images.bulkList({ limit: 4 }).toArray()
    assert.equal(new Set(bulk.map((i) => i.uuid)).size, 38)
    await client.images.delete({ imageIds: [sha(3)] })
    assert.deepEqual(await client.images.list({ filter: `sha:${sha(3)}` }).toArray(), [])
  } finally {
    await sim.stop()
  }
})

test('a fixtures directory instead of generated data, and records added while it runs', { skip: !available }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qualys-cs-fixtures-'))
  try {
    fs.writeFileSync(path.join(dir, 'images.json'), JSON.stringify({ data: images(3) }))
    fs.writeFileSync(path.join(dir, 'containers.json'), JSON.stringify([{ imageSha: sha(1), name: 'web', state: 'STOPPED' }]))
    fs.writeFileSync(path.join(dir, 'registries.json'), JSON.stringify([{ registryUri: 'https://r.fixture.test' }]))
    const sim = await startSimulator({ fixtures: dir, generated: false })
    try {
      const client = clientFor(sim)
      assert.equal((await client.images.list().toArray()).length, 3)
      const stopped = await client.containers.list({ filter: 'state:STOPPED' }).toArray()
      assert.deepEqual(stopped.map((c) => c.name), ['web'])
      assert.equal(stopped[0].imageId, sha(1).slice(0, 12))
      assert.deepEqual((await client.registries.list().toArray()).map((r) => r.registryUri), ['https://r.fixture.test'])
      assert.equal((await client.sensors.list().toArray()).length, 0)
      assert.equal(sim.addImages([{ sha: sha(10), operatingSystem: 'Wolfi' }]), 1)
      assert.deepEqual((await client.images.list({ filter: 'os:Wolfi' }).toArray()).map((i) => i.sha), [sha(10)])
      assert.throws(() => sim.addImages([{ sha: sha(11) }, { size: 'big' }]), /images: record 1: size must be a non-negative integer/)
      assert.equal((await client.images.list().toArray()).length, 4)
      sim.addSensors([{ hostname: 'edge-1', status: 'UNKNOWN' }])
      assert.deepEqual((await client.sensors.list({ filter: 'status:UNKNOWN' }).toArray()).map((s) => s.hostname), ['edge-1'])
      sim.addRegistries([{ registryUri: 'https://second.fixture.test', registryType: 'DockerHub' }])
      assert.equal((await client.registries.list().toArray()).length, 2)
      sim.addContainers([{ name: 'late' }])
      assert.equal((await client.containers.list().toArray()).length, 2)
      assert.throws(() => sim.add('pods', []), /unknown resource 'pods'/)
    } finally {
      await sim.stop()
    }
    // A bad file: the error names the file and the record.
    fs.writeFileSync(path.join(dir, 'images.json'), JSON.stringify([{}, { sha: 'not-hex' }]))
    await assert.rejects(startSimulator({ fixtures: dir }), /images\.json: record 1: sha must be 64 hex digits/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  await assert.rejects(startSimulator({ fixtures: { pods: [] } }), /unknown resource 'pods'/)
  await assert.rejects(startSimulator({ fixtures: { tags: [{ tagId: 3 }] } }), /tags: record 0: name is required/)
  await assert.rejects(startSimulator({ fixtures: 42 }),
    (e) => e.field === 'fixtures' && /`fixtures`: must be a directory path or an object/.test(e.message))
})

test('a tag assigned to an image shows on it until the tag is deleted', { skip: !available }, async () => {
  const sim = await startSimulator({ images: 5, fixtures: { images: images(1), tags: [{ name: 'pci', tagId: 7 }] } })
  try {
    const client = clientFor(sim)
    const [generated] = await client.images.list({ filter: 'not repo.registry:registry.fixture.test' }).toArray()
    await client.tags.assign({ entityUUID: generated.uuid, entityType: 'IMAGE', tagsToAdd: [{ tagName: 'pci' }] })
    await client.tags.assign({ entitySha: sha(0), entityType: 'IMAGE', tagsToAdd: [{ tagName: 'prod' }] })
    assert.deepEqual((await client.images.get(generated.sha)).tags, [{ tagId: 7, name: 'pci' }])
    const listed = await client.images.list({ filter: `sha:${generated.sha}` }).toArray()
    assert.deepEqual(listed[0].tags, [{ tagId: 7, name: 'pci' }])
    assert.deepEqual((await client.images.get(sha(0))).tags.map((t) => t.name), ['prod'])
    await client.tags.delete('pci')
    assert.equal((await client.images.get(generated.sha)).tags, undefined)
  } finally {
    await sim.stop()
  }
})

async function listStatus(sim) {
  const auth = Buffer.from(`${sim.username}:${sim.password}`).toString('base64')
  const r = await fetch(`${sim.url}/csapi/v1.3/images/list?limit=1`, { headers: { authorization: `Basic ${auth}` } })
  await r.arrayBuffer()
  return { status: r.status, limit: r.headers.get('x-ratelimit-limit') }
}

test('rateLimits: the published limits, a scale factor, or per family, as the Python option', { skip: !available }, async () => {
  const off = await startSimulator({ images: 3 })
  try {
    assert.equal((await listStatus(off)).limit, null)
  } finally {
    await off.stop()
  }
  for (const [option, limit] of [[true, '120'], ['published', '120'], [30, '4']]) {
    const sim = await startSimulator({ images: 3, rateLimits: option })
    try {
      assert.deepEqual(await listStatus(sim), { status: 200, limit }, String(option))
    } finally {
      await sim.stop()
    }
  }
  const sim = await startSimulator({ images: 3, rateLimits: { 'images/list': [2, 60] } })
  try {
    assert.equal((await listStatus(sim)).status, 200)
    assert.equal((await listStatus(sim)).status, 200)
    assert.equal((await listStatus(sim)).status, 429)
  } finally {
    await sim.stop()
  }
  await assert.rejects(startSimulator({ rateLimits: { images: [0, 1] } }),
    (e) => e.field === 'rateLimits.images' && /`rateLimits\.images`: must be \[calls, windowSeconds\]/.test(e.message))
  await assert.rejects(startSimulator({ rateLimits: 'fast' }), /`rateLimits`: unknown preset 'fast'/)
  // Misspelt names, of an option or of a family, are refused by name, with the closest one.
  await assert.rejects(startSimulator({ rateLimt: true }),
    (e) => e.name === 'ValidationError' && e.field === 'rateLimt' && /did you mean `rateLimits`\?/.test(e.message))
  await assert.rejects(startSimulator({ rateLimits: { 'images/lst': [2, 60] } }),
    /unknown rate-limit family `images\/lst` \(did you mean `images\/list`\?\)/)
  await assert.rejects(startSimulator({ faults: { errorRte: 0.5 } }), /did you mean `faults\.errorRate`\?/)
  // Python's spelling is Python's: Node's names are camelCase, as documented.
  await assert.rejects(startSimulator({ images: 3, rate_limits: { 'images/list': [1, 60] } }),
    (e) => e.field === 'rate_limits' && /did you mean `rateLimits`\?/.test(e.message))
})
