#!/usr/bin/env node
'use strict'
// One version for everything: `[workspace.package] version` in the root Cargo.toml. The crates
// inherit it (`version.workspace = true`), the wheel reads it through maturin (`dynamic =
// ["version"]`); this copies it into the npm manifests (package.json, npm/*/package.json) and into
// the `version` of the workspace's own crates in `[workspace.dependencies]` (what crates.io records
// for a published crate's dependency), and checks that CHANGELOG.md has a section for it.
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
