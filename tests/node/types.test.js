'use strict'
// The public types help a TypeScript user: the README's JavaScript examples type-check under
// `tsc --strict` (as `checkJs` sources, the way an editor checks them), the request bodies are
// typed from the API's sample requests (a right body passes, a wrong one is refused), and
// `images.bulkList` items carry `vulnerabilities` as the list the API sends.

const test = require('node:test')
const assert = require('node:assert')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const ROOT = path.resolve(__dirname, '..', '..')
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

/** The README's ```js blocks, each the body of an async function (they use `for await`). */
function readmeBlocks() {
  const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const out = []
  for (const m of text.matchAll(/```(js|ts|typescript|javascript)\n([\s\S]*?)```/g)) {
    // `{ ... }` stands for the reader's code: an empty block here.
    out.push({ lang: m[1], code: m[2].replace(/\{ \.\.\. \}/g, '{ /* ... */ }') })
  }
  return out
}

/** Run tsc --strict over `files` (name -> source) in a fresh directory; the package resolves to
 * this checkout's declarations, as it does for an installed package. */
function tsc(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qualys-cs-types-'))
  for (const [name, source] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), source)
  const config = {
    compilerOptions: {
      target: 'ES2022',
      module: 'node16',
      moduleResolution: 'node16',
      strict: true,
      noEmit: true,
      allowJs: true,
      checkJs: true,
      skipLibCheck: false,
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      paths: {
        'qualys-cs': [path.join(ROOT, 'bindings-node', 'index.d.ts')],
        'qualys-cs/testing': [path.join(ROOT, 'bindings-node', 'testing.d.ts')],
      },
    },
    files: Object.keys(files),
  }
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config))
  const r = spawnSync(process.execPath, [TSC, '-p', path.join(dir, 'tsconfig.json')], { encoding: 'utf8', timeout: 240000 })
  fs.rmSync(dir, { recursive: true, force: true })
  return r
}

test('the README JavaScript examples type-check under tsc --strict', () => {
  const blocks = readmeBlocks()
  assert.ok(blocks.length >= 1, 'the README has a JavaScript example')
  const files = {}
  blocks.forEach((b, i) => {
    const ext = b.lang.startsWith('t') ? 'ts' : 'js'
    // The reader's own credentials, typed as a script would have them.
    const head = ext === 'js'
      ? "'use strict'\n/** @param {string} username @param {string} password */\nasync function example(username, password) {\n"
      : 'export async function example(username: string, password: string): Promise<void> {\n'
    files[`readme_${i}.${ext}`] = `${head}${b.code}}\n${ext === 'js' ? 'module.exports = { example }\n' : ''}`
  })
  const r = tsc(files)
  assert.strictEqual(r.status, 0, r.stdout + r.stderr)
})

// Each `@ts-expect-error` is a mistake the types must catch: tsc fails if one goes unreported.
const BODIES = `
import { Client, type RegistriesCreateBody, type TagsAssignBody, type BulkImage, type Vulnerability } from 'qualys-cs'

export async function bodies(client: Client): Promise<void> {
  const registry: RegistriesCreateBody = {
    registryType: 'V2', registryUri: 'https://registry.example', credentialType: 'BasicAuth',
    credential: { username: 'dXNlcg==', password: 'cHc=' },
  }
  await client.registries.create(registry)
  await client.registries.update('b994c2e6', { registryType: 'V2', registryUri: 'https://r', credentialType: 'None' })
  const assign: TagsAssignBody = { entityType: 'IMAGE', entitySha: 'sha', tagsToAdd: [{ tagName: 'prod' }] }
  await client.tags.assign(assign)
  await client.tags.create({ name: 'prod', tagInfoDataList: [{ entityType: 'CONTAINER', rule: 'container.state:RUNNING' }] })
  await client.reports.create({ name: 'weekly', templateName: 'CS_IMAGE_VULNERABILITY', expireAfter: 7 })
  await client.policies.create({ policyName: 'p', policyType: 'CICD', centralizedPolicyRules: [{ name: 'r', type: 'T' }] })
  await client.registries.schedules.create('reg', { name: 'nightly', onDemand: false, scheduleScanIntervalInDays: 7 })

  // @ts-expect-error registryUri is required
  await client.registries.create({ registryType: 'V2', credentialType: 'None' })
  // @ts-expect-error credentialType is one of the API's values
  await client.registries.create({ registryType: 'V2', registryUri: 'https://r', credentialType: 'Password' })
  // @ts-expect-error a misspelt key of a nested object
  await client.tags.assign({ entityType: 'IMAGE', tagsToAdd: [{ tagNam: 'prod' }] })
  // @ts-expect-error expireAfter is 1, 7, 30 or 90 days
  await client.reports.create({ name: 'weekly', templateName: 'CS_IMAGE_VULNERABILITY', expireAfter: 5 })
  // @ts-expect-error a rule needs its name and type
  await client.policies.create({ policyName: 'p', policyType: 'CICD', centralizedPolicyRules: [{ name: 'r' }] })
}

export async function bulk(client: Client): Promise<void> {
  for await (const image of client.images.bulkList({ limit: 10 })) {
    const item: BulkImage = image
    const v = item.vulnerabilities
    const list: Vulnerability[] = Array.isArray(v) ? v : v ? [v] : []
    for (const x of list) console.log(x.qid, x.severity)
    // @ts-expect-error a bulk item's vulnerabilities are a list, not severity counts
    console.log(item.vulnerabilities?.severity5Count)
  }
}
`

test('request bodies are typed from the sample requests; bulkList vulnerabilities are a list', () => {
  const r = tsc({ 'bodies.ts': BODIES })
  assert.strictEqual(r.status, 0, r.stdout + r.stderr)
})

// The first handler a Lambda author writes: list images, fetch the critical ones' vulnerabilities,
// read `details`. It must type-check under --strict with no cast and no narrowing of a union: the
// interfaces are generated from spec/shapes.json, where `details` has one declared form (core hands
// the other form over normalised) and the images list and the bulk list have two item types.
const HANDLER = `
import { Client, type Image, type Vulnerability } from 'qualys-cs'

interface Finding { sha: string; qid: number; title: string }

export async function handler(): Promise<{ statusCode: number; body: string }> {
  const client = Client.fromEnv()
  const findings: Finding[] = []
  for await (const image of client.images.list({ filter: 'vulnerabilities.severity:5', pageSize: 50 })) {
    const critical = image.vulnerabilities?.severity5Count ?? 0
    if (critical === 0) continue
    const vulns = await client.images.vulnerabilities(image.sha)
    const details: Vulnerability[] = vulns.details ?? []
    for (const v of details) findings.push({ sha: image.sha.slice(0, 12), qid: v.qid, title: v.title ?? '' })
  }
  const containers = await client.containers.vulnerabilities('sha')
  const drift: Vulnerability[] = containers.details?.driftVulns ?? []
  let bulk = 0
  for await (const item of client.images.bulkList({ limit: 10 })) bulk += (item.vulnerabilities ?? []).length
  const first: Image[] = []
  return { statusCode: 200, body: JSON.stringify({ findings, drift: drift.length, bulk, first: first.length }) }
}
`

test('a natural Lambda handler type-checks under tsc --strict with no casts', () => {
  const r = tsc({ 'handler.ts': HANDLER })
  assert.strictEqual(r.status, 0, r.stdout + r.stderr)
})
