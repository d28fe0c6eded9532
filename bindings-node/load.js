'use strict'
// Loading the native addon. `native.js` is napi-rs' generated loader: it tries a `.node` file beside
// it (a build from source) and then the platform package (`qualys-cs-<platform>`, one of the main
// package's optional dependencies). When neither loads, napi's own message blames an npm bug; this
// says instead which platform this is, which package was looked for and what fixes it.

const path = require('node:path')

/** The napi-rs platform tag of this process: `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`, ... */
function platformTag() {
  const { platform, arch } = process
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

function isMusl() {
  // glibc reports its version in the process report; musl has none.
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null
  return !report?.header?.glibcVersionRuntime
}

function pkg() {
  return require(path.join(__dirname, '..', 'package.json'))
}

/** The platform tags a prebuilt binary is published for (the napi targets of package.json). */
function prebuiltTags() {
  const names = { 'x86_64': 'x64', aarch64: 'arm64' }
  return (pkg().napi?.targets ?? []).map((t) => {
    const [arch, , os, abi] = t.split('-')
    const a = names[arch] ?? arch
    if (os === 'linux') return `linux-${a}-${abi}`
    if (os === 'windows') return `win32-${a}-${abi}`
    return `darwin-${a}`
  })
}

/** What to tell a user whose platform has no loadable addon (one paragraph, the fix included). */
function explain(cause) {
  const tag = platformTag()
  const { name, version } = pkg()
  const binary = `${name}-${tag}`
  const fromSource = `build from source instead (needs Rust, https://rustup.rs): QUALYS_CS_BUILD_FROM_SOURCE=1 npm rebuild ${name}`
  const why = prebuiltTags().includes(tag)
    ? `its prebuilt binary is the package ${binary}@${version}, which is not installed or does not load ` +
      `(optional dependencies left out, e.g. --omit=optional, or node_modules copied from another platform). ` +
      `Fix: npm install ${binary}@${version} (or reinstall ${name} with optional dependencies), or ${fromSource}`
    : `no prebuilt binary is published for it (prebuilt: ${prebuiltTags().join(', ')}). Fix: ${fromSource}`
  const e = new Error(`${name}: cannot load the native addon for ${tag} (Node ${process.versions.node}): ${why}`)
  e.code = 'E_NATIVE_LOAD'
  e.cause = cause
  return e
}

let native = null
/** The native addon, loaded once. */
function loadNative() {
  if (native === null) {
    try {
      native = require('./native.js')
    } catch (e) {
      throw explain(e)
    }
  }
  return native
}

module.exports = { loadNative, platformTag, prebuiltTags, explain }
