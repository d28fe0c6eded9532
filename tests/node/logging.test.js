'use strict'
// The client's log events through the `logger` option and `QUALYS_CS_LOG`, against the embedded
// simulator: a debug line per attempt, info for a retry, warn for giving up, no secret anywhere.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const native = require('../../bindings-node/native.js')
const { startSimulator } = require('qualys-cs/testing')
const q = require('qualys-cs')

const available = typeof native.NativeSimulator === 'function'

function recorder() {
  const lines = []
  const at = (level) => (line, fields) => lines.push({ level, line, fields })
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn') } }
}

/** Log lines arrive on the event loop after the call's own callback: let them land. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50))

test('logger: debug per attempt, info per retry, warn on giving up, no secrets', { skip: !available }, async () => {
  const sim = await startSimulator({ images: 12, password: 'pw-Secret-9' })
  try {
    const { lines, logger } = recorder()
    const client = new q.Client({
      baseUrl: sim.url, username: sim.username, password: sim.password,
      maxRetries: 1, backoffBase: 1, backoffMax: 5, logger, logLevel: 'debug',
    })
    await client.images.list({ pageSize: 5, filter: 'repo.repository:secret-filter-value' }).toArray()
    await settle()
    const req = lines.find((l) => l.fields.event === 'request' && l.fields.name === 'images.list')
    assert.ok(req, JSON.stringify(lines))
    assert.equal(req.level, 'debug')
    assert.equal(req.fields.method, 'GET')
    assert.equal(req.fields.path, '/csapi/v1.3/images')
    assert.equal(req.fields.status, 200)
    assert.equal(req.fields.attempt, 1)
    assert.equal(typeof req.fields.elapsed_ms, 'number')
    assert.match(req.line, /^GET \/csapi\/v1\.3\/images -> 200 in \d+ ms \(attempt 1, images\.list\)$/)

    lines.length = 0
    sim.injectFault({ kind: 'status', status: 503, pathContains: '/activationkey', times: 2 })
    await assert.rejects(client.sensors.activationKey(), q.QualysError)
    await settle()
    const retry = lines.filter((l) => l.fields.event === 'retrying')
    assert.deepEqual(retry.map((l) => l.level), ['info'])
    assert.equal(retry[0].fields.status, 503)
    const gaveUp = lines.filter((l) => l.fields.event === 'giving up')
    assert.deepEqual(gaveUp.map((l) => [l.level, l.fields.attempts]), [['warn', 2]])

    // The registry password of a body, the account password, a query value: in no line.
    lines.length = 0
    await client.registries.validate({
      registryType: 'V2_PRIVATE', registryUri: 'https://r.example', credentialType: 'BasicAuth',
      credential: { username: 'dXNlcg==', password: 'cHctc2VjcmV0LTI=' },
    })
    await settle()
    assert.ok(lines.some((l) => l.fields.name === 'registries.validate'))
    const text = JSON.stringify(lines)
    for (const secret of ['cHctc2VjcmV0LTI=', 'pw-Secret-9', 'secret-filter-value', 'r.example']) {
      assert.ok(!text.includes(secret), `${secret} in ${text}`)
    }
  } finally {
    await sim.stop()
  }
})

test('logger level: info drops the per-attempt lines; a throwing logger is ignored', { skip: !available }, async () => {
  const sim = await startSimulator({ images: 3 })
  try {
    const { lines, logger } = recorder()
    const client = new q.Client({
      baseUrl: sim.url, username: sim.username, password: sim.password,
      maxRetries: 2, backoffBase: 1, backoffMax: 5, logger,
    })
    sim.injectFault({ kind: 'status', status: 503, pathContains: '/activationkey' })
    await client.sensors.activationKey()
    await settle()
    assert.deepEqual(lines.map((l) => l.fields.event), ['retrying'])

    const angry = { debug() { throw new Error('x') }, info() { throw new Error('x') }, warn() {} }
    const c2 = new q.Client({ baseUrl: sim.url, username: sim.username, password: sim.password, logger: angry, logLevel: 'debug' })
    await c2.sensors.activationKey()
    await settle()
  } finally {
    await sim.stop()
  }
})

test('bad logger or level is a ValidationError naming the field', () => {
  assert.throws(() => new q.Client({ logger: { debug() {} } }), (e) => e instanceof q.ValidationError && e.field === 'logger')
  assert.throws(() => new q.Client({ logLevel: 'loud' }), (e) => e instanceof q.ValidationError && e.field === 'logLevel')
})

test('QUALYS_CS_LOG=debug without a logger writes the lines to stderr', { skip: !available }, () => {
  const script = `
    const { startSimulator } = require('qualys-cs/testing')
    const q = require('qualys-cs')
    ;(async () => {
      const sim = await startSimulator({ images: 2, password: 'pw-Secret-9' })
      const c = new q.Client({ baseUrl: sim.url, username: sim.username, password: sim.password })
      await c.sensors.activationKey()
      await new Promise((r) => setTimeout(r, 50))
      await sim.stop()
    })()
  `
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: path.join(__dirname, '..', '..'),
    env: { ...process.env, QUALYS_CS_LOG: 'debug' },
    encoding: 'utf8',
    timeout: 60_000,
  })
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stderr, /qualys-cs debug: GET \/csapi\/v1\.3\/activationkey -> 200 in \d+ ms \(attempt 1, sensors\.activation_key\)/)
  assert.ok(!r.stderr.includes('pw-Secret-9'))
})
