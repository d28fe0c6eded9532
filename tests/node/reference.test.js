'use strict'
// Every Node example of the API reference (docs/reference.md) runs against the simulator and
// succeeds: its placeholders (`'SHA'`, `'REGISTRY_ID'`, a `{...}` body) are filled with records of
// the simulator and the API's sample request bodies, each example on a fresh simulator (so a
// delete does not take another example's record).

const test = require('node:test')
const assert = require('node:assert')
const fs = require('node:fs')
const path = require('node:path')
const { Client } = require('qualys-cs')
const { startSimulator } = require('qualys-cs/testing')

const ROOT = path.resolve(__dirname, '..', '..')
const TABLE = JSON.parse(fs.readFileSync(path.join(ROOT, 'spec', 'endpoints.json'), 'utf8'))
// Deterministic data: a fresh simulator with the same options has the same records.
const SIM = { images: 10, containers: 30, registries: 3 }
const AsyncFunction = (async () => {}).constructor

function sections() {
  const text = fs.readFileSync(path.join(ROOT, 'docs', 'reference.md'), 'utf8')
  return text.split(/^### /m).slice(1).map((s) => ({
    name: s.split('\n')[0],
    id: /\(endpoint (\w+)\)/.exec(s)[1],
    js: /```js\n([\s\S]*?)```/.exec(s)[1],
  }))
}

/** The endpoint's first sample request body (tests/fixtures), its placeholder values of an enum
 * field (`"IMAGE / CONTAINER"`) replaced by the first value the table allows. */
function sampleBody(e) {
  const f = (e.response.fixture || []).find((x) => x.endsWith('.request'))
  if (!f || !e.body || e.body.kind !== 'json_object') return {}
  const body = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', `${f}.json`), 'utf8'))
  for (const rule of e.body.validation || []) {
    if (rule.rule !== 'enum' || rule.field.includes('.') || rule.field.includes('[')) continue
    if (rule.field in body && !rule.values.includes(body[rule.field])) body[rule.field] = rule.values[0]
  }
  return body
}

/** Records of the simulator the examples need, chosen for the state each call requires. */
async function records() {
  const sim = await startSimulator(SIM)
  try {
    const c = new Client({ baseUrl: sim.url, username: sim.username, password: sim.password })
    const all = (pl) => pl.toArray()
    const registries = await all(c.registries.list())
    const schedules = []
    for (const r of registries) {
      for (const s of await all(c.registries.schedules.list(r.registryUuid))) schedules.push({ registry: r, s })
    }
    // A registry can be deleted, and a schedule changed, only when no scan of it is running.
    const idle = registries.find((r) => !(r.scheduleStatusList || {}).Running)
    const done = schedules.find((x) => x.registry === idle && x.s.status !== 'Running' && x.s.status !== 'Queued')
    const running = schedules.find((x) => x.s.status === 'Running')
    const aws = await c.registries.aws.connectors()
    return {
      image: (await all(c.images.list({ pageSize: 1 })))[0].sha,
      container: (await all(c.containers.list({ pageSize: 1 })))[0].sha,
      // The exception assignments take the UUID where the reads take the sha.
      imageUuid: (await all(c.images.list({ pageSize: 1 })))[0].uuid,
      containerUuid: (await all(c.containers.list({ pageSize: 1 })))[0].uuid,
      idle,
      done,
      running,
      control: (await all(c.controls.list()))[0].id,
      posture: (await all(c.k8sPostures.list()))[0].controlId,
      policy: (await all(c.policies.list()))[0].uuid,
      sensor: (await all(c.sensors.list()))[0].sensorId,
      report: (await all(c.reports.list())).find((r) => r.status === 'COMPLETED').reportUuid,
      cluster: (await all(c.k8sClusters.list()))[0].clusterUid,
      awsAccount: /arn:aws:iam::(\d+):/.exec(aws[0].arn)[1],
      acr: (await c.registries.acr.connectors())[0].acrConnectorId,
      gcp: (await c.registries.gcp.connectors())[0].gcpConnectorId,
    }
  } finally {
    await sim.stop()
  }
}

/** What each placeholder stands for in endpoint `e`'s example, and the body it sends. */
function fill(e, code, r, extra) {
  const res = e.resource
  const schedule = e.method === 'cancel' ? r.running : r.done
  const values = {
    SHA: res === 'containers' ? r.container : r.image,
    IMAGE_ID: r.image,
    CONTAINER_ID: r.container,
    IMAGE_UUID: r.imageUuid,
    CONTAINER_UUID: r.containerUuid,
    EXCEPTION_ID: extra.exceptionId,
    PROFILE_ID: extra.profileId,
    UUID: extra.uuid,
    SENSOR_ID: r.sensor,
    REGISTRY_ID: (res === 'registries.schedules' ? schedule.registry : r.idle).registryUuid,
    SCHEDULE_ID: extra.scheduleId || schedule.s.scheduleUuid,
    POLICY_ID: r.policy,
    POLICY_TYPE: 'CICD',
    CONTROL_ID: res === 'k8s_postures' ? r.posture : r.control,
    REPORT_UUID: r.report,
    REPORT_UUIDS: r.report,
    CLUSTER_UID: r.cluster,
    TAG_NAME: extra.tagName,
    ID: { 'registries.aws': r.awsAccount, 'registries.acr': r.acr, 'registries.gcp': r.gcp }[res],
    NAME: 'gcp-connector',
  }
  code = code.replace(/'([A-Z_]+)'/g, (m, p) => {
    assert.ok(values[p] !== undefined, `${e.id}: no value for the placeholder ${p}`)
    return JSON.stringify(String(values[p]))
  })
  let body = { ...sampleBody(e), ...(BODIES[e.id] ? BODIES[e.id](r) : {}) }
  // An update sends the whole record again, as its create; an assignment names what prepare made.
  if (e.id === 'P36' || e.id === 'P44') body = sampleBody(byId(e.id === 'P36' ? 'P35' : 'P43'))
  if (e.id === 'P39' || e.id === 'P41') body = { exceptionEvent: 'ASSIGN', exceptionIds: [extra.exceptionId] }
  code = code.replace('{...}', () => JSON.stringify(body))
  code = code.replace('[...]', () => JSON.stringify([res === 'registries.schedules' ? values.SCHEDULE_ID : values.REGISTRY_ID]))
  return code
}

const byId = (id) => TABLE.endpoints.find((x) => x.id === id)

// Where a sample body cannot be sent as printed: its ids are the documentation's, or the
// simulator already holds the record it creates; the bodies no sample shows.
const BODIES = {
  S02: (r) => ({ entitySha: r.image, entityUUID: undefined, tagsToAdd: [{ tagName: 'prod' }] }),
  S27: () => ({ arn: 'arn:aws:iam::111122223333:role/reference', name: 'reference' }),
  S28: () => ({ aws: undefined, credentialType: 'None' }),
  S29: () => ({ aws: undefined, credentialType: 'None', registryUri: 'https://reference.example' }),
  S30: (r) => ({ registryType: r.idle.registryType, registryUri: r.idle.registryUri }),
  P16: () => ({ name: 'reference', applicationId: 'app-id', clientSecret: 'secret', tenantId: 'tenant-id' }),
  P19: () => ({ type: 'service_account', project_id: 'reference' }),
}

// Calls that act on a record an earlier step makes: the tag to update or delete, the report
// schedule to update.
async function prepare(e, c) {
  if (e.id === 'S03' || e.id === 'S04') {
    const name = e.id === 'S03' ? sampleBody(e).name : 'reference-tag'
    await c.tags.create({ name, tagInfoDataList: [{ entityType: 'IMAGE', rule: 'image.repo.repository:latest' }] })
    return { tagName: name }
  }
  if (['P36', 'P37', 'P39', 'P41'].includes(e.id)) {
    const exception = { ...sampleBody(byId('P35')), scope: e.id === 'P41' ? 'CONTAINER' : 'IMAGE' }
    return { exceptionId: (await c.exceptions.create(exception)).exceptionId }
  }
  if (e.id === 'P42' || e.id === 'P44') {
    return { profileId: (await c.sensorProfiles.create(sampleBody(byId('P43')))).sensorProfileId }
  }
  if (e.id === 'P48') {
    return { uuid: (await c.vulnerabilities.definitions().toArray())[0].uuid }
  }
  if (e.id === 'S11') {
    const created = await c.reports.createSchedule(sampleBody(TABLE.endpoints.find((x) => x.id === 'S10')))
    return { scheduleId: created.scheduleUuid }
  }
  return {}
}

test('every Node example of the API reference runs against the simulator', async () => {
  const r = await records()
  const failed = []
  const blocks = sections()
  assert.ok(blocks.length >= TABLE.endpoints.filter((x) => x.resource !== 'auth').length, 'one example per endpoint')
  for (const s of blocks) {
    const e = TABLE.endpoints.find((x) => x.id === s.id)
    const sim = await startSimulator(SIM)
    try {
      const client = new Client({ baseUrl: sim.url, username: sim.username, password: sim.password })
      const extra = await prepare(e, client)
      const code = fill(e, s.js, r, extra)
      const printed = []
      await new AsyncFunction('client', 'console', code)(client, { log: (...a) => printed.push(a) })
      if (e.pagination) assert.ok(printed.length > 0, `${s.name}: the list printed nothing`)
    } catch (err) {
      failed.push(`${s.name}: ${err && err.constructor && err.constructor.name}: ${err && err.message}`)
    } finally {
      await sim.stop()
    }
  }
  assert.deepStrictEqual(failed, [])
})
