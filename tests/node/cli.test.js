'use strict'
// The npm package's `qualys-cs` bin (the shared Rust command line) against the embedded simulator.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const native = require('../../bindings-node/native.js')
const { startSimulator } = require('qualys-cs/testing')

const BIN = path.join(__dirname, '..', '..', 'bindings-node', 'bin', 'qualys-cs.js')
const available = typeof native.NativeSimulator === 'function'

function cli(args, env) {
  return spawnSync(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  })
}

test('qualys-cs --help lists the resources and the exit codes', () => {
  const r = cli(['--help'], {})
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /images/)
  assert.match(r.stdout, /Exit codes:/)
})

test('qualys-cs lists every page, dry-runs without secrets, gates with an exit code', { skip: !available }, async () => {
  const sim = await startSimulator({ images: 7, password: 'pw-Secret-9' })
  try {
    const env = { QUALYS_BASE_URL: sim.url, QUALYS_USERNAME: sim.username, QUALYS_PASSWORD: sim.password }
    // The CLI runs in a child process while this one serves: spawnSync would block the server.
    const { spawn } = require('node:child_process')
    const run = (args) => new Promise((resolve) => {
      const p = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env } })
      let stdout = ''
      let stderr = ''
      p.stdout.on('data', (d) => { stdout += d })
      p.stderr.on('data', (d) => { stderr += d })
      p.on('close', (status) => resolve({ status, stdout, stderr }))
    })
    const list = await run(['images', 'list', '--page-size', '3', '--all', '-o', 'jsonl'])
    assert.equal(list.status, 0, list.stderr)
    const items = list.stdout.trim().split('\n').map((l) => JSON.parse(l))
    assert.equal(items.length, 7)
    const dry = await run(['sensors', 'activation-key', '--dry-run', '--password', 'pw-Secret-9', '--username', 'qualys'])
    assert.equal(dry.status, 0, dry.stderr)
    assert.equal(JSON.parse(dry.stdout).method, 'GET')
    assert.ok(!dry.stdout.includes('pw-Secret-9'))
    assert.match(dry.stderr, /warning: a password on the command line/)
    const gate = await run(['gate', 'vulns', items[0].sha, '--max-severity', '0'])
    assert.equal(gate.status, 1, gate.stdout + gate.stderr)
  } finally {
    await sim.stop()
  }
})

// The bin runs the command line on the addon's runtime (napi's, the one the clients use), not on
// one it builds per command: the command line counts the runtimes it builds for itself.
test('the bin runs on the addon runtime and -vv sees every page', { skip: !available }, () => {
  const script = `
    const native = require(${JSON.stringify(path.join(__dirname, '..', '..', 'bindings-node', 'native.js'))})
    const { startSimulator } = require('qualys-cs/testing')
    startSimulator({ images: 9 }).then(async (sim) => {
      process.env.QUALYS_BASE_URL = sim.url
      process.env.QUALYS_USERNAME = sim.username
      process.env.QUALYS_PASSWORD = sim.password
      // In this process, as the bin does it (the simulator serves from a thread of its own).
      const codes = [
        native.cliMain(['qualys-cs', 'images', 'list', '--page-size', '4', '--all', '-o', 'jsonl', '-vv']),
        native.cliMain(['qualys-cs', 'sensors', 'activation-key', '-o', 'json']),
      ]
      console.error('codes=' + codes.join(',') + ' runtimes=' + native.cliRuntimesBuilt())
      await sim.stop()
    })
  `
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: path.join(__dirname, '..', '..'),
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    encoding: 'utf8',
    timeout: 60_000,
  })
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stderr, /codes=0,0 runtimes=0/)
  assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('{"')).length >= 9, true, r.stdout)
  // `-vv`: one line per page request, the pages fetched on the runtime's worker threads included.
  assert.equal((r.stderr.match(/GET \/csapi\/v1\.3\/images -> 200/g) || []).length, 3, r.stderr)
})

// The npm package ships only `qualys-cs`: `qualys-cs sim` is its simulator. Node's handlers keep
// SIGTERM (the command installs none of its own, which Node's would re-raise forever); a parent that
// closes the piped stdin stops it with 0.
test('qualys-cs sim serves another qualys-cs, stops at the end of stdin and on SIGTERM', { skip: !available }, async () => {
  const { spawn } = require('node:child_process')
  const start = () => new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, 'sim', '--port', '0', '--images', '5'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    })
    let out = ''
    p.stdout.on('data', (d) => {
      out += d
      const m = out.match(/^listening on (http:\/\/127\.0\.0\.1:\d+)\n/)
      if (m) resolve({ p, url: m[1] })
    })
    p.on('error', reject)
    p.on('close', (status) => reject(new Error(`exited ${status} before listening: ${out}`)))
  })
  const ended = (p) => new Promise((resolve) => p.on('close', (status, signal) => resolve({ status, signal })))
  const within = (promise, ms) => Promise.race([
    promise,
    new Promise((resolve) => setTimeout(() => resolve('still running'), ms)),
  ])
  const first = await start()
  try {
    const env = { QUALYS_BASE_URL: first.url, QUALYS_USERNAME: 'qualys', QUALYS_PASSWORD: 'qualys' }
    const list = await new Promise((resolve) => {
      const c = spawn(process.execPath, [BIN, 'images', 'list', '-o', 'jsonl'], { env: { PATH: process.env.PATH, ...env } })
      let stdout = ''
      c.stdout.on('data', (d) => { stdout += d })
      c.on('close', (status) => resolve({ status, stdout }))
    })
    assert.equal(list.status, 0)
    assert.equal(list.stdout.trim().split('\n').length, 5)
    const done = ended(first.p)
    first.p.stdin.end()
    assert.deepEqual(await within(done, 10_000), { status: 0, signal: null })
  } finally {
    first.p.kill('SIGKILL')
  }
  const second = await start()
  try {
    const done = ended(second.p)
    second.p.kill('SIGTERM')
    const r = await within(done, 10_000)
    assert.notEqual(r, 'still running')
  } finally {
    second.p.kill('SIGKILL')
  }
})
