'use strict'
// API-client auth from Node: clientId/clientSecret with auth 'oidc' or 'oauth', the token from
// the gateway's /auth/oidc or /auth/oauth with the client's headers, the secret never shown.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const q = require('qualys-cs')
const { startSimulator } = require('qualys-cs/testing')

// The API client every simulator knows (README: the simulator).
const clientId = 'qualys-client'
const clientSecret = 'qualys-client-secret'

for (const [auth, endpoint, path] of [['oidc', 'P49', '/auth/oidc'], ['oauth', 'P50', '/auth/oauth']]) {
  test(`auth '${auth}' fetches the API client's token from ${path}`, async () => {
    const sim = await startSimulator({ images: 5 })
    try {
      const client = new q.Client({ baseUrl: sim.url, clientId, clientSecret, auth })
      const [img] = await client.images.list({ pageSize: 5 }).toArray()
      assert.ok(img.sha)
      const [r] = sim.requests().filter((x) => x.endpoint === endpoint)
      const headers = Object.fromEntries(r.headers)
      assert.deepEqual([r.method, r.path, headers.clientid, headers.clientsecret], ['POST', path, clientId, '***'])
      assert.equal(headers['content-type'], 'application/x-www-form-urlencoded')
    } finally {
      await sim.stop()
    }
  })
}

test('a wrong secret is refused, and never shown', async () => {
  const sim = await startSimulator({ images: 5 })
  try {
    const client = new q.Client({ baseUrl: sim.url, clientId, clientSecret: 'wrong-secret-value', auth: 'oauth', maxRetries: 0 })
    const err = await client.images.get('0'.repeat(64)).catch((e) => e)
    assert.ok(err instanceof q.AuthenticationError, String(err))
    assert.equal(err.status, 401)
    assert.ok(!String(err.message).includes('wrong-secret-value'))
    // The client is built on first use: the missing half is named then.
    const half = new q.Client({ baseUrl: sim.url, clientId, auth: 'oidc' })
    await assert.rejects(half.images.get('0'.repeat(64)), (e) => e instanceof q.ValidationError && /clientSecret/.test(e.message))
  } finally {
    await sim.stop()
  }
})
