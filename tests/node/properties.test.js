'use strict'
// Property tests (fast-check) of request building and body validation through the Node binding:
// for any id, filter and body, the client either refuses before sending (a ValidationError naming
// the field) or sends what the embedded simulator reads back exactly as given.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fc = require('fast-check')
const native = require('../../bindings-node/native.js')
const { startSimulator } = require('qualys-cs/testing')
const q = require('qualys-cs')

const available = typeof native.NativeSimulator === 'function'
const RUNS = { numRuns: 50 }

/** Text with what breaks URLs and JSON: separators, escapes, dots, controls, non-ASCII. */
const nasty = fc
  .array(
    fc.oneof(
      fc.constantFrom('/', '\\', '?', '#', '%', '%2e', '%2F', '.', '..', ' ', '+', '&', '=', '\r', '\n', '\0', 'é', '😀'),
      fc.string({ maxLength: 4, unit: 'grapheme' }),
    ),
    { maxLength: 10 },
  )
  .map((parts) => parts.join(''))

/** JSON values JSON carries as they are (finite numbers, safe integers, plain objects). */
const faithful = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
    nasty,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(nasty.filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 5 }),
  ),
})).value

let sim
let client
before(async () => {
  if (!available) return
  sim = await startSimulator({ images: 5, containers: 5 })
  client = new q.Client({ baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'basic', maxRetries: 0 })
})
after(async () => {
  if (sim) await sim.stop()
})

const logged = (endpoint) => sim.requests().filter((r) => r.endpoint === endpoint)

test('an id is one path segment, or refused naming it', { skip: !available }, async () => {
  await fc.assert(
    fc.asyncProperty(nasty, async (id) => {
      sim.clearRequests()
      try {
        await client.images.get(id)
      } catch (e) {
        if (e instanceof q.ValidationError) {
          assert.equal(e.field, 'sha')
          assert.equal(logged('S19').length, 0)
          return
        }
        assert.ok(e instanceof q.APIError, String(e)) // no such image: the request is what counts
      }
      const [req] = logged('S19')
      assert.equal(req.decoded_path, `/csapi/v1.3/images/${id}`)
      assert.ok(!req.path.slice('/csapi/v1.3/images/'.length).includes('/'))
    }),
    RUNS,
  )
})

test('a filter arrives as given, or is refused naming it', { skip: !available }, async () => {
  await fc.assert(
    fc.asyncProperty(nasty, fc.integer({ min: 1, max: 1000 }), async (filter, pageSize) => {
      sim.clearRequests()
      try {
        for await (const page of client.images.list({ filter, pageSize }).pages()) {
          void page
          break
        }
      } catch (e) {
        if (e instanceof q.ValidationError) {
          assert.equal(e.field, 'filter')
          assert.equal(logged('S17').length, 0)
          return
        }
        assert.ok(e instanceof q.APIError, String(e)) // a filter the simulator's QQL refuses
      }
      const pairs = logged('S17')[0].query_pairs
      assert.deepEqual(pairs.filter(([k]) => k === 'filter').map(([, v]) => v), [filter])
      assert.ok(pairs.some(([k, v]) => k === 'pageSize' && v === String(pageSize)))
    }),
    RUNS,
  )
})

test('a faithful body arrives as given, or is refused naming it', { skip: !available }, async () => {
  const body = fc.oneof(faithful, fc.record({ name: nasty, extra: faithful }, { requiredKeys: ['name'] }))
  await fc.assert(
    fc.asyncProperty(body, async (b) => {
      sim.clearRequests()
      try {
        await client.tags.create(b)
      } catch (e) {
        if (e instanceof q.ValidationError) {
          assert.ok(typeof e.field === 'string' && e.field.length > 0, String(e)) // a documented rule, named
          assert.equal(logged('P25').length, 0)
          return
        }
        assert.ok(e instanceof q.APIError, String(e)) // the simulator refused the tag
      }
      // JSON text is exact for these values; it also gives null-prototype objects a prototype.
      assert.deepEqual(logged('P25')[0].body, JSON.parse(JSON.stringify(b)))
    }),
    RUNS,
  )
})

test('a body JSON cannot carry as given is refused naming body, nothing sent', { skip: !available }, async () => {
  // One value JSON would change or drop, somewhere inside an otherwise faithful body.
  const unfaithful = fc.constantFrom(NaN, Infinity, -Infinity, undefined, () => 1, Symbol('s'), new Set([1]), new Map([[1, 2]]), new Uint8Array([1, 2]))
  const body = fc
    .tuple(fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'), faithful, { maxKeys: 3 }), fc.string({ minLength: 1, maxLength: 6 }), unfaithful, fc.boolean())
    .map(([rest, key, bad, nested]) => ({ name: 'n', ...rest, [key]: nested ? [{ deep: bad }] : bad }))
  await fc.assert(
    fc.asyncProperty(body, async (b) => {
      sim.clearRequests()
      await assert.rejects(
        async () => client.tags.create(b),
        (e) => e instanceof q.ValidationError && e.field === 'body',
      )
      assert.equal(logged('P25').length, 0)
    }),
    RUNS,
  )
})
