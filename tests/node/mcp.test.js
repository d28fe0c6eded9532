'use strict'
// `qualys-cs mcp` (the npm package's bin) driven over stdio and streamable HTTP by the official MCP TypeScript SDK,
// against the embedded simulator: the read-only tools, a listing followed by its cursor to the
// end, a summary in one call, a delete refused, an invalid argument named.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { Client } = require('@modelcontextprotocol/sdk/client/index.js')
const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js')
const native = require('../../bindings-node/native.js')
const q = require('qualys-cs')
const { startSimulator } = require('qualys-cs/testing')

const BIN = path.join(__dirname, '..', '..', 'bindings-node', 'bin', 'qualys-cs.js')
const TABLE = require('../../spec/endpoints.json').endpoints
const available = typeof native.NativeSimulator === 'function'
const PASSWORD = 'pw-Mcp-Node-Secret-51'

const answer = (r) => JSON.parse(r.content[0].text)

// Bounded: a server that stops answering fails the test instead of hanging it.
test('qualys-cs mcp over stdio with the TypeScript SDK', { skip: !available, timeout: 90_000 }, async () => {
  const sim = await startSimulator({ images: 41, password: PASSWORD })
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', '--max-output-bytes', '4096'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, QUALYS_BASE_URL: sim.url, QUALYS_USERNAME: sim.username, QUALYS_PASSWORD: sim.password },
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr.on('data', (d) => { stderr += d })
  const client = new Client({ name: 'qualys-cs-tests', version: '1.0.0' })
  const seen = []
  try {
    await client.connect(transport)
    const tools = (await client.listTools()).tools.map((t) => t.name).sort()
    const reads = TABLE.filter((e) => e.http === 'GET' && e.resource !== 'auth')
      .map((e) => `${e.resource.replace(/\./g, '_')}_${e.method}`).sort()
    assert.deepEqual(tools, reads)

    const items = []
    let r = await client.callTool({ name: 'images_list', arguments: {} })
    let calls = 1
    for (;;) {
      seen.push(r.content[0].text)
      assert.ok(!r.isError, r.content[0].text)
      const page = answer(r)
      items.push(...page.items)
      if (page.cursor === null) break
      r = await client.callTool({ name: 'images_list', arguments: { cursor: page.cursor } })
      calls += 1
    }
    const api = new q.Client({ baseUrl: sim.url, username: sim.username, password: sim.password })
    const expected = (await api.images.list().toArray()).map((i) => i.sha)
    assert.deepEqual(items.map((i) => i.sha), expected)
    assert.ok(calls > 3, `${calls} calls`)

    const summary = await client.callTool({ name: 'images_list', arguments: { summary_by: 'repo.repository' } })
    seen.push(summary.content[0].text)
    assert.equal(answer(summary).items, 41)

    const del = await client.callTool({ name: 'images_delete', arguments: { image_ids: [expected[0]], confirm: [expected[0]] } })
    seen.push(del.content[0].text)
    assert.equal(del.isError, true)
    assert.equal(answer(del).error.code, 'E_NOT_ALLOWED')

    const bad = await client.callTool({ name: 'images_list', arguments: { filter: 5 } })
    seen.push(bad.content[0].text)
    assert.equal(bad.isError, true)
    assert.equal(answer(bad).error.field, 'filter')
  } finally {
    await client.close()
    await sim.stop()
  }
  assert.ok(!(seen.join('\n') + stderr).includes(PASSWORD))
})

// The same server over streamable HTTP (`--http 127.0.0.1:0`, its URL on the first stderr line),
// with the TypeScript SDK's HTTP transport and the bearer token: tools, a listing to its end.
test('qualys-cs mcp over streamable HTTP with the TypeScript SDK', { skip: !available, timeout: 90_000 }, async () => {
  const { spawn } = require('node:child_process')
  const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js')
  const sim = await startSimulator({ images: 23, password: PASSWORD })
  const token = 'http-Token-For-Tests-77'
  const server = spawn(process.execPath, [BIN, 'mcp', '--http', '127.0.0.1:0', '--max-output-bytes', '4096'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, QUALYS_BASE_URL: sim.url, QUALYS_USERNAME: sim.username, QUALYS_PASSWORD: sim.password, QUALYS_CS_MCP_TOKEN: token },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  const url = await new Promise((resolve, reject) => {
    server.stderr.on('data', (d) => {
      stderr += d
      const m = /http:\/\/\S+\/mcp/.exec(stderr)
      if (m) resolve(m[0])
    })
    server.on('exit', (code) => reject(new Error(`the server exited (${code}): ${stderr}`)))
  })
  const client = new Client({ name: 'qualys-cs-tests', version: '1.0.0' })
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }))
    const tools = (await client.listTools()).tools.map((t) => t.name)
    assert.ok(tools.includes('images_list') && !tools.includes('images_delete'), tools.join(','))
    const items = []
    let r = await client.callTool({ name: 'images_list', arguments: {} })
    for (;;) {
      assert.ok(!r.isError, r.content[0].text)
      const page = answer(r)
      items.push(...page.items)
      if (page.cursor == null) break
      r = await client.callTool({ name: 'images_list', arguments: { cursor: page.cursor } })
    }
    const want = []
    for await (const image of new q.Client({ baseUrl: sim.url, username: sim.username, password: sim.password }).images.list()) want.push(image.sha)
    assert.deepEqual(items.map((i) => i.sha), want)
    assert.ok(!stderr.includes(PASSWORD) && !stderr.includes(token))
  } finally {
    await client.close().catch(() => {})
    server.kill('SIGTERM')
    await sim.stop()
  }
})
