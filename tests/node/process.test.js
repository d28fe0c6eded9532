'use strict'
// Process-level behaviour: a fresh process exits by itself after a call (no lingering handles),
// CommonJS and ESM entry points, a cheap import (no native load, no threads), generated files fresh.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { execFile } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { startFixtureServer, ROOT } = require('./helpers/server')

function run(args, opts = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now()
    execFile(process.execPath, args, { cwd: ROOT, timeout: 20000, ...opts }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? 1) : 0, signal: err && err.signal, stdout, stderr, ms: Date.now() - t0 })
    })
  })
}

let server
before(async () => {
  server = await startFixtureServer()
})
after(() => server.stop())

test('serverless style: a fresh process makes one call and exits by itself', async () => {
  const script = `
    const { Client } = require('qualys-cs')
    const c = new Client({ baseUrl: ${JSON.stringify(server.url)}, username: 'qualys', password: 'qualys' })
    c.sensors.activationKey().then((k) => console.log(JSON.stringify(k)))
  `
  const r = await run(['-e', script])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.signal, null)
  assert.ok(r.stdout.length > 0)
  assert.ok(r.ms < 10000, `took ${r.ms} ms`)
  // The same after a list, an abort and an error.
  const script2 = `
    const q = require('qualys-cs')
    const c = new q.Client({ baseUrl: ${JSON.stringify(server.url)}, username: 'qualys', password: 'qualys', auth: 'basic' })
    ;(async () => {
      console.log((await c.images.list({ pageSize: 5 }).toArray()).length)
      for await (const x of c.images.bulkList({ limit: 2 })) { break }
      await c.images.get('', {}).catch((e) => console.log(e.name))
      await c.images.get('x', { signal: AbortSignal.abort() }).catch((e) => console.log(e.name))
    })()
  `
  const r2 = await run(['-e', script2])
  assert.equal(r2.code, 0, r2.stderr)
  assert.deepEqual(r2.stdout.trim().split('\n'), ['23', 'ValidationError', 'AbortError'])
})

test('ESM import and CommonJS require give the same classes', async () => {
  const script = `
    import { Client, NotFoundError, QualysError } from 'qualys-cs'
    import def from 'qualys-cs'
    import { startSimulator } from 'qualys-cs/testing'
    import { createRequire } from 'node:module'
    const require = createRequire(import.meta.url)
    const cjs = require('qualys-cs')
    console.log(Client === cjs.Client, NotFoundError === cjs.NotFoundError, def.Client === Client,
      new NotFoundError('x') instanceof QualysError, typeof startSimulator)
  `
  const r = await run(['--input-type=module', '-e', script])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim(), 'true true true true function')
})

test('import is cheap: no native load, no thread until the first call', async () => {
  const script = `
    const fs = require('node:fs')
    const threads = () => fs.readdirSync('/proc/self/task').length
    const before = threads()
    const t0 = process.hrtime.bigint()
    const q = require('qualys-cs')
    const importMs = Number(process.hrtime.bigint() - t0) / 1e6
    const loaded = Object.keys(require.cache).some((k) => k.endsWith('.node'))
    const c = new q.Client({ baseUrl: 'http://127.0.0.1:9', username: 'a', password: 'b', auth: 'basic', maxRetries: 0 })
    const ctorMs = Number(process.hrtime.bigint() - t0) / 1e6
    const afterCtor = threads()
    c.images.get('x').catch(() => {
      console.log(JSON.stringify({ before, afterCtor, afterCall: threads(), importMs, ctorMs, loaded }))
    })
  `
  if (!fs.existsSync('/proc/self/task')) return
  const r = await run(['-e', script])
  assert.equal(r.code, 0, r.stderr)
  const m = JSON.parse(r.stdout)
  assert.equal(m.loaded, false, 'require() must not load the native addon')
  assert.equal(m.afterCtor, m.before, 'no thread before the first call')
  assert.ok(m.afterCall > m.before, 'the runtime starts with the first call')
  assert.ok(m.importMs < 50, `import took ${m.importMs} ms`)
})

test('generated files are fresh (python3 codegen/generate.py --check)', async () => {
  const r = await new Promise((resolve) => {
    execFile('python3', ['codegen/generate.py', '--check'], { cwd: ROOT }, (err, stdout, stderr) =>
      resolve({ code: err ? err.code : 0, stderr }),
    )
  })
  assert.equal(r.code, 0, r.stderr)
})

test('every endpoint of the table has a generated method', () => {
  const { Client, endpoints } = require('qualys-cs')
  const c = new Client({ baseUrl: 'http://127.0.0.1:9', username: 'a', password: 'b' })
  const camel = (s) => s.replace(/_([a-z0-9])/g, (_, x) => x.toUpperCase())
  let n = 0
  for (const e of endpoints()) {
    if (e.resource === 'auth') continue
    let t = c
    for (const p of e.resource.split('.')) t = t[camel(p)]
    assert.equal(typeof t[camel(e.method)], 'function', `${e.resource}.${e.method}`)
    n++
  }
  assert.equal(n, 88)
  const dts = fs.readFileSync(path.join(ROOT, 'bindings-node', 'resources.d.ts'), 'utf8')
  assert.match(dts, /bulkCancel\(registryId: string, options\?: RegistriesSchedulesBulkCancelOptions\)/)
})
