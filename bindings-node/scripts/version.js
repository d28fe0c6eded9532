#!/usr/bin/env node
'use strict'
// One version for everything: `[workspace.package] version` in the root Cargo.toml. The crates
// inherit it (`version.workspace = true`), the wheel reads it through maturin (`dynamic =
// ["version"]`); this copies it into the npm manifests (package.json, npm/*/package.json) and into
// the `version` of the workspace's own crates in `[workspace.dependencies]` (what crates.io records
// for a published crate's dependency), and into bindings-node/load.js, whose constants stand in for
// package.json there (a bundled addon loader cannot read it): `VERSION`, and `PREBUILT`, the platform
// tags of package.json's napi targets. It checks that CHANGELOG.md has a section for the version.
//   node bindings-node/scripts/version.js          # write the version into the npm manifests
//   node bindings-node/scripts/version.js --check  # fail, naming each file, if any disagrees

const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.resolve(__dirname, '..', '..')

function workspaceVersion() {
  const text = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8')
  const section = text.split(/^\[workspace\.package\]\s*$/m)[1]
  const m = section && section.split(/^\[/m)[0].match(/^version\s*=\s*"([^"]+)"/m)
  if (!m) throw new Error('Cargo.toml: no `version` in [workspace.package]')
  return m[1]
}

/** The napi-rs platform tags of package.json's napi targets: `x86_64-unknown-linux-gnu` → `linux-x64-gnu`. */
function prebuiltTags() {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  const arches = { x86_64: 'x64', aarch64: 'arm64' }
  return (pkg.napi?.targets ?? []).map((t) => {
    const [arch, , os, abi] = t.split('-')
    const a = arches[arch] ?? arch
    if (os === 'linux') return `linux-${a}-${abi}`
    if (os === 'windows') return `win32-${a}-${abi}`
    return `darwin-${a}`
  })
}

function manifests() {
  const npmDir = path.join(ROOT, 'npm')
  const platforms = fs.existsSync(npmDir)
    ? fs.readdirSync(npmDir).map((d) => path.join(npmDir, d, 'package.json')).filter((f) => fs.existsSync(f))
    : []
  return [path.join(ROOT, 'package.json'), ...platforms]
}

function main() {
  const check = process.argv.includes('--check')
  const version = workspaceVersion()
  const wrong = []
  for (const file of manifests()) {
    const text = fs.readFileSync(file, 'utf8')
    const json = JSON.parse(text)
    if (json.version === version) continue
    if (check) {
      wrong.push(`${path.relative(ROOT, file)} has ${json.version}`)
    } else {
      json.version = version
      fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`)
      console.log(`${path.relative(ROOT, file)}: ${version}`)
    }
  }
  // `name = { path = "...", version = "..." }` lines of [workspace.dependencies].
  const cargoFile = path.join(ROOT, 'Cargo.toml')
  const cargo = fs.readFileSync(cargoFile, 'utf8')
  const pathDep = /^([\w-]+\s*=\s*\{[^}\n]*\bpath\s*=\s*"[^"]+"[^}\n]*\bversion\s*=\s*")([^"]+)(")/gm
  const fixed = cargo.replace(pathDep, (all, head, v, tail) => {
    if (v === version) return all
    if (check) wrong.push(`Cargo.toml: ${head.split('=')[0].trim()} has version ${v}`)
    return head + version + tail
  })
  if (!check && fixed !== cargo) {
    fs.writeFileSync(cargoFile, fixed)
    console.log(`Cargo.toml [workspace.dependencies]: ${version}`)
  }
  const loadFile = path.join(ROOT, 'bindings-node', 'load.js')
  const load = fs.readFileSync(loadFile, 'utf8')
  const tags = JSON.stringify(prebuiltTags()).replace(/"/g, "'").replace(/,/g, ', ')
  const consts = [
    [/^const VERSION = '([^']*)'$/m, `const VERSION = '${version}'`],
    [/^const PREBUILT = (\[[^\]\n]*\])$/m, `const PREBUILT = ${tags}`],
  ]
  let loadFixed = load
  for (const [re, want] of consts) {
    const m = load.match(re)
    if (!m) {
      wrong.push(`bindings-node/load.js has no line ${want.split(' = ')[0]} = ...`)
    } else if (m[0] !== want) {
      if (check) wrong.push(`bindings-node/load.js has ${m[0]}, not ${want}`)
      loadFixed = loadFixed.replace(re, want)
    }
  }
  // Each prebuilt platform has its two literal requires (what bundlers follow).
  for (const tag of prebuiltTags()) {
    for (const req of [`require('./qualys-cs.${tag}.node')`, `require('qualys-cs-${tag}')`]) {
      if (!load.includes(`case '${tag}': return ${req}`)) wrong.push(`bindings-node/load.js has no \`case '${tag}': return ${req}\``)
    }
  }
  if (!check && loadFixed !== load) {
    fs.writeFileSync(loadFile, loadFixed)
    console.log(`bindings-node/load.js: ${version}, ${tags}`)
  }
  const changelog = fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8')
  if (!new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\]`, 'm').test(changelog)) {
    wrong.push(`CHANGELOG.md has no "## [${version}]" section`)
  }
  if (wrong.length) {
    console.error(`version ${version} (Cargo.toml [workspace.package]) disagrees:\n  ${wrong.join('\n  ')}`)
    console.error(check ? 'run: node bindings-node/scripts/version.js' : '')
    process.exit(1)
  }
}

main()
