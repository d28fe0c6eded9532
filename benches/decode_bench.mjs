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

function bench(f, data, budgetMs = 400, rounds = 7) {
  f(data)
  let t0 = performance.now()
  f(data)
  const one = Math.max(performance.now() - t0, 0.001)
  const k = Math.max(1, Math.floor(budgetMs / rounds / one))
  const per = []
  for (let r = 0; r < rounds; r++) {
    t0 = performance.now()
    for (let i = 0; i < k; i++) f(data)
    per.push((performance.now() - t0) / k)
  }
  per.sort((x, y) => x - y)
  return per[Math.floor(per.length / 2)] * 1000
}

const decoders = [['JSON.parse', (b) => JSON.parse(b.toString('utf8'))]]
const [name, f] = nativeParse()
if (f) decoders.push([`qualys-cs (${name})`, f])
const out = { native: name, pages: [] }
for (const file of process.argv.slice(2)) {
  const data = fs.readFileSync(file)
  const items = JSON.parse(data.toString()).data.length
  const row = { file, bytes: data.length, items, us: {} }
  for (const [dn, fn] of decoders) {
    if (fn(data).data.length !== items) throw new Error(dn)
    row.us[dn] = bench(fn, data)
  }
  out.pages.push(row)
}
console.log(JSON.stringify(out))
