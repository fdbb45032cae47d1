// fhir-kit-client (npm) against a live trialfhir server: read, paged search, _include, conditional read, errors.
// Usage: node client.mjs BASE_URL   (the server holds tests/conftest.py's 25 sample trials)
import assert from 'node:assert/strict';
import { Client } from 'fhir-kit-client';

const client = new Client({ baseUrl: process.argv[2] });

// the client throws on any non-2xx answer; this returns what it threw
async function failure(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('the request was expected to fail');
}

const checks = {
  async metadata() {
    const capability = await client.capabilityStatement();
    assert.equal(capability.fhirVersion, '4.0.1');
  },

  async read() {
    const study = await client.read({ resourceType: 'ResearchStudy', id: 'NCT10000000' });
    assert.equal(study.status, 'active');
    assert.equal(study.identifier[0].system, 'http://clinicaltrials.gov');
    assert.equal(Client.httpFor(study).response.headers.get('etag'), 'W/"1"');
  },

  async searchPaging() {
    const ids = [];
    let bundle = await client.search({ resourceType: 'ResearchStudy', searchParams: { status: 'completed', _count: 2 } });
    const first = bundle;
    let pages = 0;
    while (bundle) {
      pages += 1;
      ids.push(...(bundle.entry ?? []).map((e) => e.resource.id));
      bundle = await client.nextPage({ bundle });
    }
    assert.equal(pages, 3);
    assert.deepEqual(ids.sort(), ['NCT10000001', 'NCT10000006', 'NCT10000011', 'NCT10000016', 'NCT10000021']);
    const second = await client.nextPage({ bundle: first });
    const back = await client.prevPage({ bundle: second });
    assert.deepEqual(back.entry.map((e) => e.resource.id), first.entry.map((e) => e.resource.id));
  },

  async include() {
    const bundle = await client.search({
      resourceType: 'ResearchStudy',
      searchParams: { _id: 'NCT10000003', _include: 'ResearchStudy:enrollment' },
    });
    assert.deepEqual(bundle.entry.map((e) => [e.resource.resourceType, e.search.mode]),
      [['ResearchStudy', 'match'], ['Group', 'include']]);
    assert.equal(bundle.entry[1].resource.id, 'NCT10000003-eligibility');
  },

  async conditionalRead() {
    const study = await client.read({ resourceType: 'ResearchStudy', id: 'NCT10000001' });
    const etag = Client.httpFor(study).response.headers.get('etag');
    const error = await failure(client.read({
      resourceType: 'ResearchStudy', id: 'NCT10000001', options: { headers: { 'If-None-Match': etag } },
    }));
    assert.equal(error.response.status, 304);
    const changed = await client.read({
      resourceType: 'ResearchStudy', id: 'NCT10000001', options: { headers: { 'If-None-Match': 'W/"99"' } },
    });
    assert.equal(changed.id, 'NCT10000001');
  },

  async errors() {
    const missing = await failure(client.read({ resourceType: 'ResearchStudy', id: 'NCT99999999' }));
    assert.equal(missing.response.status, 404);
    assert.equal(missing.response.data.resourceType, 'OperationOutcome');
    assert.equal(missing.response.data.issue[0].code, 'not-found');
    const bad = await failure(client.search({ resourceType: 'ResearchStudy', searchParams: { date: 'soon' } }));
    assert.equal(bad.response.status, 400);
    assert.equal(bad.response.data.issue[0].severity, 'error');
  },
};

let failed = 0;
for (const [name, check] of Object.entries(checks)) {
  try {
    await check();
    console.log(`ok ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAILED ${name}: ${error.stack ?? error}`);
  }
}
process.exit(failed ? 1 : 0);
