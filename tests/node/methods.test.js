'use strict'
// Every method of the table, called through the generated resource classes against the fixture
// server: the right request goes out and the API's JSON comes back untouched.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { startFixtureServer, TABLE, RESPONSES, readFixture } = require('./helpers/server')
const { methodOf, newClient, camel } = require('./helpers/common')

let server
let client
before(async () => {
  server = await startFixtureServer({ total: 7 })
  // Validation is covered elsewhere; here minimal bodies must reach the server.
  client = newClient(server, { validate: false })
})
after(() => server.stop())

function positional(e) {
  const args = e.path_params.map((p) => `${p.arg}-1`)
  for (const q of e.query) if (q.required) args.push(q.type === 'string[]' ? ['id-1', 'id-2'] : 'value-1')
  const b = e.body
  if (b && b.kind !== 'form') {
    if (b.kind === 'json_array') args.push(['id-1'])
    else if (b.kind === 'multipart') args.push({ type: 'service_account' })
    else args.push({ name: 'n' })
  }
  return args
}

for (const e of TABLE.endpoints.filter((x) => x.resource !== 'auth')) {
  test(`${e.resource}.${camel(e.method)} [${e.id}] ${e.http} ${e.path}`, async () => {
    server.clear()
    const call = methodOf(client, e)
    assert.equal(typeof call, 'function')
    const args = positional(e)
    if (e.pagination) {
      const list = call(...args)
      const items = await list.toArray()
      assert.equal(items.length, 7)
      assert.equal(list.total, 7)
    } else {
      const out = await call(...args)
      const file = RESPONSES[e.id]
      if (e.response.kind === 'bytes') {
        assert.ok(Buffer.isBuffer(out))
      } else if (file && file.endsWith('.txt')) {
        assert.equal(out, readFixture(file).toString().trim())
      } else if (file) {
        assert.deepEqual(out, JSON.parse(readFixture(file)))
      }
    }
    const reqs = server.apiRequests()
    assert.ok(reqs.length >= 1)
    assert.ok(reqs.every((r) => r.endpoint === e.id && r.method === e.http), JSON.stringify(reqs.map((r) => [r.endpoint, r.method, r.path])))
    for (const p of e.path_params) assert.ok(reqs[0].path.includes(`${p.arg}-1`))
  })
}
