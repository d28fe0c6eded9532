'use strict'
// What `console.log` / `util.inspect` show of a client, a list and an error: the fields that say
// what they are (as the Python binding's reprs), never a secret or the internals.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')

/** One line, as the assertions spell it out. */
const inspect = (x, options = {}) => util.inspect(x, { breakLength: Infinity, ...options })
const { startSimulator } = require('qualys-cs/testing')
const { Client, AuthenticationError, NotFoundError } = require('qualys-cs')

const SECRET_PASSWORD = 'pw-7f3a-never-shown'
const SECRET_TOKEN = 'tok-91c2-never-shown'
const SECRET_HEADER = 'hdr-55e0-never-shown'
const INTERNALS = ['_holder', '_rawView', 'NativeClient', 'NativePager', '_native', 'Resource', '[Circular']

let sim
before(async () => {
  sim = await startSimulator({ images: 25, username: 'alice', password: SECRET_PASSWORD })
})
after(async () => {
  await sim.stop()
})

function assertClean(text) {
  for (const s of [SECRET_PASSWORD, SECRET_TOKEN, SECRET_HEADER, ...INTERNALS]) {
    assert.ok(!text.includes(s), `shows ${s}:\n${text}`)
  }
}

test('a client shows its base URL, auth mode and username, before and after its first call', async () => {
  const client = new Client({ baseUrl: sim.url, username: sim.username, password: SECRET_PASSWORD, auth: 'basic' })
  const before = inspect(client)
  assert.equal(before, `Client { baseUrl: '${sim.url}', auth: 'basic', username: '${sim.username}' }`)
  assert.equal(client._holder.value, undefined, 'inspecting built the native client')
  await client.images.get('0'.repeat(64)).catch(() => {})
  const afterCall = inspect(client)
  assert.equal(afterCall, `Client { baseUrl: '${sim.url}', auth: 'basic', username: '${sim.username}' }`)
  assertClean(inspect(client, { depth: Infinity, showHidden: true }))
})

test('a token, a platform, the environment: never a secret, nothing built', () => {
  const token = new Client({ platform: 'US2', token: SECRET_TOKEN })
  assert.equal(inspect(token), "Client { platform: 'US2', auth: 'token' }")
  const jwt = new Client({ platform: 'US2', username: 'alice', password: SECRET_PASSWORD })
  assert.equal(inspect(jwt), "Client { platform: 'US2', auth: 'jwt', username: 'alice' }")
  assert.equal(inspect(Client.fromEnv()), 'Client { fromEnv: true }')
  // A configuration the core would refuse: shown as given, nothing thrown.
  assert.equal(inspect(new Client({ baseUrl: 'not a url', token: SECRET_TOKEN })), "Client { baseUrl: 'not a url', auth: 'token' }")
  for (const c of [token, jwt]) assertClean(inspect(c, { depth: Infinity }))
  // Credentials written into a URL are not shown either.
  const inUrl = new Client({ baseUrl: `https://bob:${SECRET_PASSWORD}@qualys.example`, token: SECRET_TOKEN })
  assert.equal(inspect(inUrl), "Client { baseUrl: 'https://***@qualys.example/', auth: 'token' }")
})

test('withOptions and withRawResponse views show their defaults but no header', async () => {
  const client = new Client({ baseUrl: sim.url, username: sim.username, password: SECRET_PASSWORD, auth: 'basic' })
  const view = client.withOptions({ timeout: 5000, maxRetries: 1, extraHeaders: { 'X-Api-Key': SECRET_HEADER } })
  const text = inspect(view.withRawResponse)
  assert.match(text, /defaults: \{ timeout: 5000, maxRetries: 1 \}/)
  assert.match(text, /raw: true/)
  assertClean(text)
  await view.images.list({ pageSize: 5 }).toArray()
  assertClean(inspect(view, { depth: Infinity }))
  // A list of clients, nested: each one line, none repeats its resources.
  assertClean(inspect({ clients: [client, view] }, { depth: Infinity }))
})

test('a list shows its call, page size and progress, not its client', async () => {
  const client = new Client({ baseUrl: sim.url, username: sim.username, password: SECRET_PASSWORD, auth: 'basic' })
  const list = client.images.list({ pageSize: 10, sort: 'created:desc' })
  assert.equal(inspect(list), "PagedList { call: \"images.list({ pageSize: 10, sort: 'created:desc' })\", pageSize: 10, fetched: 'not started' }")
  let n = 0
  for await (const _ of list) if (++n === 12) break
  assert.match(inspect(list), /fetched: '2 pages, 20 records', total: 25 \}$/)
  await list.toArray()
  assert.match(inspect(list), /fetched: '3 pages, 25 records, done', total: 25 \}$/)
  const nested = inspect([list], { depth: Infinity })
  assert.ok(!nested.includes('Client'), nested)
  assertClean(nested)
})

test('an error shows its stack and the fields that are set, not undefined ones', async () => {
  const client = new Client({ baseUrl: sim.url, username: sim.username, password: SECRET_PASSWORD, auth: 'basic', maxRetries: 0 })
  const e = await client.images.get('0'.repeat(64)).catch((x) => x)
  assert.ok(e instanceof NotFoundError)
  const text = inspect(e)
  assert.ok(text.startsWith(`NotFoundError: ${e.message}\n    at `), text)
  assert.match(text, /code: 'E_NOT_FOUND'/)
  assert.match(text, /status: 404/)
  assert.match(text, /method: 'GET'/)
  assert.match(text, /path: '\/csapi\/v1\.3\/images\/0{64}'/)
  assert.ok(!text.includes('undefined'), text)
  assert.ok(!/\bname: /.test(text), text)

  const bad = new Client({ baseUrl: sim.url, username: sim.username, password: `${SECRET_PASSWORD}-wrong`, auth: 'basic', maxRetries: 0 })
  const auth = await bad.images.get('0'.repeat(64)).catch((x) => x)
  assert.ok(auth instanceof AuthenticationError)
  assertClean(inspect(auth, { depth: Infinity }))
  assert.match(inspect(auth), /status: 401/)
})

test('a client from the environment shows what it read, once built', async () => {
  const saved = { ...process.env }
  Object.assign(process.env, { QUALYS_BASE_URL: sim.url, QUALYS_USERNAME: 'alice', QUALYS_PASSWORD: SECRET_PASSWORD, QUALYS_AUTH: 'basic' })
  try {
    const client = Client.fromEnv({ maxRetries: 0 })
    assert.equal(inspect(client), 'Client { fromEnv: true }')
    assert.equal((await client.images.list({ pageSize: 10 }).toArray()).length, 25)
    assert.equal(inspect(client), `Client { baseUrl: '${sim.url}', auth: 'basic', username: 'alice' }`)
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
    Object.assign(process.env, saved)
  }
})
