// Decode + convert one page of API JSON into JS objects: `node decode_bench.mjs FILE...`.
// `JSON.parse(buffer.toString())` (what `fetch().json()` does) against the binding's converter when
// it exposes one (first found of NATIVE_CANDIDATES). Median time per page over several rounds.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const NATIVE_CANDIDATES = ['parseJson', 'decodeJson', 'loads', 'parse']

function nativeParse() {
  const require = createRequire(import.meta.url)
  for (const mod of [path.join(REPO, 'bindings-node', 'native.js'), REPO]) {
    let m
    try { m = require(mod) } catch { continue }
    for (const n of NATIVE_CANDIDATES) if (typeof m[n] === 'function') return [`${path.basename(mod)}.${n}`, m[n]]
  }
  return [null, null]
}

// Interleaved rounds (a, b, a, b, ...) so the machine's noise hits every decoder alike. The median
// µs per call of each decoder on two clocks read together: wall, and the process' CPU time (what the
// verdicts use: the decoders are single-threaded, and CPU time leaves out waiting for a core).
function benchAll(fns, data, budgetMs = 600, rounds = 15) {
  const ks = fns.map((f) => {
    f(data)
    const t0 = performance.now()
    f(data)
    const one = Math.max(performance.now() - t0, 0.001)
    return Math.max(1, Math.floor(budgetMs / fns.length / rounds / one))
  })
  const wall = fns.map(() => [])
  const cpu = fns.map(() => [])
  for (let r = 0; r < rounds; r++) {
    fns.forEach((f, j) => {
      const c0 = process.cpuUsage()
      const t0 = performance.now()
      for (let i = 0; i < ks[j]; i++) f(data)
      const t1 = performance.now()
      const c = process.cpuUsage(c0)
      wall[j].push(((t1 - t0) * 1000) / ks[j])
      cpu[j].push((c.user + c.system) / ks[j])
    })
  }
  const med = (p) => p.sort((x, y) => x - y)[Math.floor(p.length / 2)]
  return fns.map((_, j) => [med(wall[j]), med(cpu[j])])
}

const decoders = [['JSON.parse', (b) => JSON.parse(b.toString('utf8'))]]
const [name, f] = nativeParse()
if (f) decoders.push([`qualys-cs (${name})`, f])
const out = { native: name, clock: 'cpu', pages: [] }
for (const file of process.argv.slice(2)) {
  const data = fs.readFileSync(file)
  const items = JSON.parse(data.toString()).data.length
  // A file's name is its label: images-50.json -> "images 50".
  const page = path.basename(file, '.json').replaceAll('-', ' ')
  const row = { page, bytes: data.length, items, us: {}, wall_us: {} }
  for (const [dn, fn] of decoders) if (fn(data).data.length !== items) throw new Error(dn)
  benchAll(decoders.map(([, fn]) => fn), data).forEach(([wall, cpu], j) => {
    row.us[decoders[j][0]] = cpu
    row.wall_us[decoders[j][0]] = wall
  })
  out.pages.push(row)
}
console.log(JSON.stringify(out))
