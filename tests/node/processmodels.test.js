'use strict'
// Every process model of Node: worker_threads (each worker loads the addon), the cluster module,
// AWS Lambda's freeze and thaw (a pooled connection the server closed meanwhile), and the
// environment as the default configuration. Every child is bounded by a timeout.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { execFile, spawn } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { startFixtureServer, ROOT } = require('./helpers/server')

const TIMEOUT = 60000

function run(args, opts = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, timeout: TIMEOUT, ...opts }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? 1) : 0, signal: err && err.signal, stdout, stderr })
    })
  })
}

let server
before(async () => {
  server = await startFixtureServer()
})
after(() => server.stop())

test('worker_threads: every worker loads the addon and lists with its own client', async () => {
  const script = `
    const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads')
    const { Client } = require('qualys-cs')
    if (isMainThread) {
      const url = process.argv[1]
      Promise.all([1, 2, 3].map((n) => new Promise((resolve, reject) => {
        const w = new Worker(__filename.endsWith('[eval]') ? process.argv[2] : __filename, { eval: true, workerData: { url, n } })
        w.once('message', resolve); w.once('error', reject)
      }))).then((counts) => console.log(JSON.stringify(counts)))
    } else {
      const c = new Client({ baseUrl: workerData.url, username: 'qualys', password: 'qualys', auth: 'basic' })
      c.images.list({ pageSize: 5 }).toArray().then((items) => parentPort.postMessage([workerData.n, items.length]))
    }
  `
  // The worker runs the same source (eval), told apart by isMainThread.
  const r = await run(['-e', script, server.url, script])
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(JSON.parse(r.stdout), [[1, 23], [2, 23], [3, 23]])
})

test('cluster: forked workers each list with their own client, the primary too', async () => {
  // cluster forks the script's file: it cannot be an -e script.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qualys-cs-cluster-')), 'primary.js')
  fs.writeFileSync(
    file,
    `
    const cluster = require('node:cluster')
    const { Client } = require(${JSON.stringify(ROOT)})
    const url = process.env.FIXTURE_URL
    const count = () => new Client({ baseUrl: url, username: 'qualys', password: 'qualys' }).images.list({ pageSize: 7 }).toArray().then((a) => a.length)
    if (cluster.isPrimary) {
      count().then(async (own) => {
        const got = await Promise.all([0, 1].map(() => new Promise((resolve, reject) => {
          const w = cluster.fork()
          w.once('message', (m) => { resolve(m); w.kill() })
          w.once('error', reject)
        })))
        console.log(JSON.stringify({ own, workers: got.sort() }))
      })
    } else {
      count().then((n) => process.send(n))
    }
  `,
  )
  const r = await run([file], { env: { ...process.env, FIXTURE_URL: server.url } })
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(JSON.parse(r.stdout), { own: 23, workers: [23, 23] })
})

test('new Client() with no credentials reads QUALYS_* as fromEnv does; options win', async () => {
  const script = `
    const { Client, ConfigError } = require('qualys-cs')
    ;(async () => {
      const a = await new Client().images.list({ pageSize: 10 }).toArray()
      const b = await Client.fromEnv().images.list({ pageSize: 10 }).toArray()
      const explicit = new Client({ baseUrl: 'http://127.0.0.1:9' }).baseUrl
      delete process.env.QUALYS_USERNAME; delete process.env.QUALYS_PASSWORD
      const err = await new Client({ baseUrl: 'http://127.0.0.1:9' }).images.get('x').catch((e) => e)
      console.log(JSON.stringify([a.length, b.length, explicit, err instanceof ConfigError, err.message]))
    })()
  `
  const env = { ...process.env, QUALYS_BASE_URL: server.url, QUALYS_USERNAME: 'qualys', QUALYS_PASSWORD: 'qualys' }
  delete env.QUALYS_TOKEN
  const r = await run(['-e', script], { env })
  assert.equal(r.code, 0, r.stderr)
  const [a, b, explicit, isConfig, message] = JSON.parse(r.stdout)
  assert.deepEqual([a, b, explicit, isConfig], [23, 23, 'http://127.0.0.1:9', true])
  for (const name of ['QUALYS_USERNAME', 'QUALYS_PASSWORD', 'QUALYS_TOKEN']) assert.match(message, new RegExp(name))
})

/**
 * A keep-alive HTTP server that closes connections as an idle timeout does. `dropSecond`: answer
 * the first request of a connection, then read the next and close without answering; otherwise
 * answer, then close the idle connection 50 ms later.
 */
function closingServer(dropSecond) {
  const log = []
  let conns = 0
  const srv = net.createServer((sock) => {
    const n = ++conns
    let buf = Buffer.alloc(0)
    let answered = 0
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      for (;;) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buf.subarray(0, end).toString()
        const m = /content-length:\s*(\d+)/i.exec(head)
        const len = m ? Number(m[1]) : 0
        if (buf.length < end + 4 + len) return
        buf = buf.subarray(end + 4 + len)
        log.push([n, head.split('\r\n')[0]])
        if (answered++ === 0) {
          sock.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}')
          if (!dropSecond) setTimeout(() => sock.destroy(), 50)
        } else {
          sock.destroy()
        }
      }
    })
    sock.on('error', () => {})
  })
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${srv.address().port}`, log, close: () => srv.close() }))
  })
}

test('a GET on a pooled connection the server closed is sent again; a written POST is not', async () => {
  const { Client, APIConnectionError } = require('qualys-cs')
  const s = await closingServer(true)
  try {
    const c = new Client({ baseUrl: s.url, token: 't', maxRetries: 0, timeout: 10 })
    await c.request('GET', '/csapi/v1.3/images/abc')
    await c.request('GET', '/csapi/v1.3/images/abc') // the server drops it: sent again
    assert.deepEqual(s.log.map(([n]) => n), [1, 1, 2])
    s.log.length = 0
    await c.request('POST', '/csapi/v1.3/tags', { body: { name: 't' } })
    await assert.rejects(c.request('POST', '/csapi/v1.3/tags', { body: { name: 't' } }), APIConnectionError)
    assert.equal(s.log.length, 2, 'written once: the server may have acted on it')
  } finally {
    s.close()
  }
})

test('Lambda freeze/thaw: after the server closed the idle connection, GET and POST succeed', async () => {
  const s = await closingServer(false)
  const script = `
    const { Client } = require('qualys-cs')
    const c = new Client({ baseUrl: process.argv[1], token: 't', maxRetries: 0, timeout: 10 })
    ;(async () => {
      await c.request('GET', '/csapi/v1.3/images/abc')
      console.log('ready')
      await new Promise((r) => process.stdin.once('data', r)) // frozen before the line comes, thawed after
      await c.request('POST', '/csapi/v1.3/tags', { body: { name: 't' } })
      await c.request('GET', '/csapi/v1.3/images/abc')
      console.log('done')
      process.exit(0)
    })().catch((e) => { console.error(String(e)); process.exit(1) })
  `
  const child = spawn(process.execPath, ['-e', script, s.url], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
  const kill = setTimeout(() => child.kill('SIGKILL'), TIMEOUT)
  try {
    let out = ''
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d
        if (out.includes('ready')) resolve()
      })
      child.once('exit', () => reject(new Error(`exited early: ${err}`)))
    })
    child.kill('SIGSTOP')
    await new Promise((r) => setTimeout(r, 1500)) // the server closes the connection meanwhile
    child.kill('SIGCONT')
    child.stdin.write('go\n')
    const code = await new Promise((resolve) => child.once('exit', resolve))
    assert.equal(code, 0, err)
    assert.match(out, /done/)
    assert.equal(s.log.length, 3, JSON.stringify(s.log))
    assert.equal(new Set(s.log.map(([n]) => n)).size, 3, 'each call on a new connection')
  } finally {
    clearTimeout(kill)
    child.kill('SIGKILL')
    s.close()
  }
})
