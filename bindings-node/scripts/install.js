#!/usr/bin/env node
'use strict'
// `npm install` hook. Normally it does nothing: the prebuilt addon comes in the platform package
// (`qualys-cs-<platform>`, an optional dependency npm, pnpm, yarn and bun pick by os/cpu/libc), and
// it is loaded from there even when install scripts are off. Only when no prebuilt addon loads, or
// when asked (`QUALYS_CS_BUILD_FROM_SOURCE=1`, `npm install --build-from-source`, `--force`), is
// the addon built from the Rust sources shipped in the package (build-from-source.js); without
// cargo that is one line saying what to do. `QUALYS_CS_SKIP_BUILD=1` skips the hook entirely.

const { spawnSync } = require('node:child_process')
const path = require('node:path')

const HERE = path.resolve(__dirname, '..')

function loads() {
  const r = spawnSync(process.execPath, ['-e', "require('./load.js').loadNative()"], { cwd: HERE, stdio: 'ignore' })
  return r.status === 0
}

function asked() {
  const truthy = (v) => v !== undefined && v !== '' && v !== '0' && v !== 'false'
  return (
    process.argv.includes('--force') ||
    truthy(process.env.QUALYS_CS_BUILD_FROM_SOURCE) ||
    // `npm install --build-from-source` (the flag node-gyp/prebuild users know) arrives as this.
    truthy(process.env.npm_config_build_from_source)
  )
}

function main() {
  if (process.env.QUALYS_CS_SKIP_BUILD === '1') return
  const force = asked()
  if (!force && loads()) return
  const { build, hasCargo } = require('./build-from-source.js')
  const { platformTag, prebuiltTags } = require('../load.js')
  const tag = platformTag()
  if (!hasCargo()) {
    const why = force
      ? 'a build from source was asked for'
      : prebuiltTags().includes(tag)
        ? `the prebuilt package qualys-cs-${tag} is not installed (optional dependencies left out?)`
        : `no prebuilt binary is published for ${tag}`
    console.error(
      `qualys-cs: ${why} and there is no cargo on the PATH to build the addon: install Rust (https://rustup.rs) and run \`npm rebuild qualys-cs\`` +
        (prebuiltTags().includes(tag) ? `, or reinstall with optional dependencies` : ''),
    )
    process.exit(1)
  }
  if (!build({ reason: force ? 'asked for' : `no prebuilt binary loads for ${tag}` })) process.exit(1)
  if (!loads()) {
    console.error('qualys-cs: the addon built from source does not load')
    process.exit(1)
  }
}

main()
