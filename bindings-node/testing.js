'use strict'
// `qualys-cs/testing`: the embedded csapi simulator, in-process, for your own tests.
//
//     const { startSimulator } = require('qualys-cs/testing')
//     const sim = await startSimulator({ images: 500 })
//     const client = new Client({ baseUrl: sim.url, username: sim.username, password: sim.password })
//     ...
//     await sim.stop()

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

// The options `startSimulator` knows; anything else is a mistake (`latency` for `latencyMs`, a
// Python spelling) and is refused rather than ignored.
const OPTIONS = ['username', 'password', 'seed', 'images', 'containers', 'sensors', 'registries', 'latencyMs', 'port',
  'tokenTtl', 'faults', 'subscription', 'requestLog', 'strictAccept', 'linkCase', 'linkEnd']
const FAULT_RATES = ['errorRate', 'dropRate', 'malformedRate', 'truncateRate', 'slowBodyMs']
const HINTS = { latency: 'latencyMs (milliseconds)', token_ttl: 'tokenTtl (seconds)', tokenTtlMs: 'tokenTtl (seconds)' }

function checkKeys(what, obj, known) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new TypeError(`${what} must be an object`)
  }
  for (const k of Object.keys(obj)) {
    if (!known.includes(k)) {
      const hint = HINTS[k] ? `; did you mean ${HINTS[k]}?` : ''
      throw new TypeError(`${what}: unknown option '${k}'${hint} (known: ${known.join(', ')})`)
    }
  }
}

/**
 * Start the simulator on 127.0.0.1 (any free port). Resolves to
 * `{url, username, password, requests(), clearRequests(), injectFault(f), stop()}`.
 */
async function startSimulator(options = {}) {
  checkKeys('startSimulator options', options, OPTIONS)
  if (options.faults !== undefined) checkKeys('startSimulator options.faults', options.faults, FAULT_RATES)
  const native = require('./load').loadNative()
  if (typeof native.NativeSimulator !== 'function') {
    throw new Error('this build of qualys-cs has no embedded simulator (built without the `simulator` feature)')
  }
  let sim
  try {
    sim = native.NativeSimulator.start(options)
  } catch (e) {
    throw fromNative(e)
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
    stop: async () => sim.stop(),
  }
}

module.exports = { startSimulator }
