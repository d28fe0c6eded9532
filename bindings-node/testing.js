'use strict'
// `qualys-cs/testing`: the embedded csapi simulator, in-process, for your own tests.
//
//     const { startSimulator } = require('qualys-cs/testing')
//     const sim = await startSimulator({ images: 500 })
//     const client = new Client({ baseUrl: sim.url, username: sim.username, password: sim.password })
//     ...
//     await sim.stop()
//
// Your own records, mixed with the generated ones or instead of them (`generated: false`):
//
//     const sim = await startSimulator({ generated: false, fixtures: { images: [{ sha: 'ab'.repeat(32) }] } })
//     sim.addContainers([{ imageSha: 'ab'.repeat(32), name: 'web' }])

const { fromNative } = require('./errors')

// Python-style option names are accepted too; the wire names of faults are snake_case.
function faultJson(f) {
  const out = {}
  for (const [k, v] of Object.entries(f || {})) {
    if (v === undefined) continue
    out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v
  }
  if (out.delay_ms !== undefined && out.ms === undefined) out.ms = out.delay_ms
  delete out.delay_ms
  return JSON.stringify(out)
}

const RESOURCES = ['images', 'containers', 'registries', 'tags', 'sensors', 'reports', 'policies', 'controls', 'events',
  'k8s_postures', 'k8s_clusters']

/**
 * Start the simulator on 127.0.0.1 (any free port). Resolves to
 * `{url, username, password, requests(), clearRequests(), injectFault(f), stop()}`.
 */
async function startSimulator(options = {}) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError('startSimulator options must be an object')
  }
  // The options are read in Rust by the simulator's one reader (as `qualys-cs sim`'s flags and
  // Python's keywords are): an unknown name or a bad value is refused there, naming it. Only a
  // `URL` of a fixtures directory needs turning into text first.
  const { fixtures } = options
  const nativeOptions = fixtures instanceof URL
    ? { ...options, fixtures: require('node:url').fileURLToPath(fixtures) }
    : options
  const native = require('./load').loadNative()
  if (typeof native.NativeSimulator !== 'function') {
    throw new Error('this build of qualys-cs has no embedded simulator (built without the `simulator` feature)')
  }
  let sim
  try {
    sim = native.NativeSimulator.start(JSON.stringify(nativeOptions))
  } catch (e) {
    throw fromNative(e)
  }
  const add = (resource, records) => {
    if (!RESOURCES.includes(resource)) {
      throw new TypeError(`unknown resource '${resource}' (known: ${RESOURCES.join(', ')})`)
    }
    if (!Array.isArray(records)) throw new TypeError(`records of ${resource} must be an array`)
    try {
      return sim.addJson(resource, JSON.stringify(records))
    } catch (e) {
      throw fromNative(e)
    }
  }
  return {
    url: sim.url,
    username: sim.username,
    password: sim.password,
    /** Every request seen, oldest first (`{method, path, query, query_pairs, headers, body, endpoint, status, ...}`). */
    requests: () => JSON.parse(sim.requestsJson()),
    clearRequests: () => sim.clearRequests(),
    /** `{kind: 'status'|'drop'|'malformed'|'truncate'|'delay'|'slow_body', status, body, headers, ms, pathContains, method, times}` */
    injectFault: (f) => {
      try {
        sim.injectJson(faultJson(f))
      } catch (e) {
        throw fromNative(e)
      }
    },
    /** Add records of one resource, all or none (a bad record throws a ValidationError naming it); returns how many. */
    add,
    addImages: (records) => add('images', records),
    addContainers: (records) => add('containers', records),
    addRegistries: (records) => add('registries', records),
    addTags: (records) => add('tags', records),
    addSensors: (records) => add('sensors', records),
    stop: async () => sim.stop(),
  }
}

module.exports = { startSimulator }
