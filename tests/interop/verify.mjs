// Differential test: what a running Rongtong server issues verifies in Digital Bazaar's
// @digitalbazaar/vc (eddsa-rdfc-2022 Data Integrity, Bitstring Status List), and tampering,
// a wrong key, a revoked entry or a wrong challenge fail there too. A training certificate's
// printed details (learner name, hours, credits, grade, certificate number) must be in the
// document it verifies, and changing any of them must make it fail.
//
// With CLR_FIXTURES=DIR (registry/tests/interop.rs writes it), also: a recognition credential
// and a CLR 2.0 transcript built around the server's certificates verify — the transcript's
// proof and every embedded credential — and a transcript re-signed around one tampered
// credential, or tampered after signing, fails; the same for the recognition and the
// transcript the server makes itself (GET /api/v1/learners/learner-chen/transcript).
//
// Usage: node verify.mjs SERVER BASE_URL ADMIN_TOKEN
//   SERVER     where the server listens, e.g. http://127.0.0.1:18080
//   BASE_URL   its public base URL (RONGTONG_BASE_URL), e.g. https://rongtong.test
//   ADMIN_TOKEN  the demo's platform-admin token (`rongtong serve --demo` prints it)
//
// The document loader serves only embedded contexts (our copies in credentials/contexts,
// the DID and Multikey contexts from their npm packages) and maps BASE_URL — and the
// did:web DIDs under it — to SERVER. Nothing else is fetched.
// Exit status 0 when every expectation holds; prints "N passed, M failed".

import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import didContext from 'did-context';
import multikeyContext from '@digitalbazaar/multikey-context';

const [SERVER, BASE, TOKEN] = process.argv.slice(2);
if(!SERVER || !BASE || !TOKEN) {
  console.error('usage: node verify.mjs SERVER BASE_URL ADMIN_TOKEN');
  process.exit(2);
}

const here = path.dirname(fileURLToPath(import.meta.url));
const ctxDir = path.join(here, '..', '..', 'credentials', 'contexts');
const CONTEXTS = new Map([
  ['https://www.w3.org/ns/credentials/v2', JSON.parse(readFileSync(path.join(ctxDir, 'credentials-v2.jsonld'), 'utf8'))],
  ['https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json', JSON.parse(readFileSync(path.join(ctxDir, 'ob-v3p0-context-3.0.3.json'), 'utf8'))],
  ['https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json', JSON.parse(readFileSync(path.join(ctxDir, 'clr-v2p0-context-2.0.1.json'), 'utf8'))],
  [didContext.constants.DID_CONTEXT_URL, didContext.contexts.get(didContext.constants.DID_CONTEXT_URL)],
  [multikeyContext.constants.CONTEXT_URL, multikeyContext.contexts.get(multikeyContext.constants.CONTEXT_URL)],
]);

const keyDriver = didKeyDriver();
keyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

const baseHost = new URL(BASE.replace(/^http:/, 'https:')).host;

// did:web:host[:path] → https://host/.well-known/did.json or https://host/path/did.json
function didWebUrl(did) {
  const parts = did.slice('did:web:'.length).split(':');
  const host = decodeURIComponent(parts.shift());
  return parts.length ? `https://${host}/${parts.join('/')}/did.json` : `https://${host}/.well-known/did.json`;
}

async function fetchLocal(url) {
  const u = new URL(url);
  if(u.host !== baseHost) {
    throw new Error(`refusing to fetch ${url}: not the server under test`);
  }
  const res = await fetch(SERVER + u.pathname + u.search, {headers: {accept: 'application/json'}});
  if(!res.ok) {
    throw new Error(`${url}: HTTP ${res.status}`);
  }
  return res.json();
}

async function documentLoader(url) {
  if(CONTEXTS.has(url)) {
    return {contextUrl: null, documentUrl: url, document: CONTEXTS.get(url)};
  }
  if(url.startsWith('did:key:')) {
    const document = await keyDriver.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  if(url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const doc = await fetchLocal(didWebUrl(did));
    if(doc.id !== did) {
      throw new Error(`DID document id ${doc.id} ≠ ${did}`);
    }
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: doc};
    }
    const vm = (doc.verificationMethod || []).find(m => m.id === url);
    if(!vm) {
      throw new Error(`${url} not in its DID document`);
    }
    return {contextUrl: null, documentUrl: url, document: {'@context': multikeyContext.constants.CONTEXT_URL, ...vm}};
  }
  if(url.startsWith('https://') || url.startsWith('http://')) {
    return {contextUrl: null, documentUrl: url, document: await fetchLocal(url)};
  }
  throw new Error(`document loader: ${url} is not available offline`);
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

async function api(method, p, token, body) {
  const res = await fetch(SERVER + '/api/v1' + p, {
    method,
    headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if(!res.ok) {
    throw new Error(`${method} ${p}: HTTP ${res.status} ${JSON.stringify(json)}`);
  }
  return json;
}

async function publicJson(view) {
  const u = new URL(view.url);
  const res = await fetch(SERVER + u.pathname + '?format=json');
  return res.json();
}

let passed = 0;
let failed = 0;
function expect(name, ok, detail) {
  if(ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}: ${detail}`);
  }
}

// @digitalbazaar/vc reports a readable, authentic status list as `verified` and leaves the
// bits to the caller (`statusResult.results[i].status` = the bit): a set revocation or
// suspension bit makes the credential invalid here, as in the Rust verifier.
async function verifyCred(credential) {
  const r = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  const setBits = (r.statusResult?.results || []).filter(x => x.status === true).map(x => x.credentialStatus.statusPurpose);
  return {...r, verified: r.verified && setBits.length === 0, setBits};
}

function errText(r) {
  return JSON.stringify(r.error || r.results || r, (k, v) => (k === 'stack' ? undefined : v)).slice(0, 600);
}

const list = await api('GET', '/credentials?per_page=100', TOKEN);
const active = list.items.find(c => c.kind === 'training' && c.status === 'active');
const revoked = list.items.find(c => c.status === 'revoked');
const skill = list.items.find(c => c.kind === 'skill_level');

// 1. A training certificate and a skill-level certificate verify.
for(const [name, view] of [['training certificate', active], ['skill-level certificate', skill]]) {
  const credential = await publicJson(view);
  const r = await verifyCred(credential);
  expect(`${name} verifies`, r.verified === true, errText(r));
}

// 2. The status list credential itself verifies.
const cred = await publicJson(active);
const listCred = await fetchLocal(cred.credentialStatus[0].statusListCredential);
const lr = await vc.verifyCredential({credential: listCred, suite, documentLoader});
expect('status list credential verifies', lr.verified === true, errText(lr));

// 3. The revoked one fails on status.
const rr = await verifyCred(await publicJson(revoked));
expect('revoked certificate fails (revocation bit set)', rr.verified === false && rr.setBits.includes('revocation'), errText(rr));

// 4. Tampering fails.
const tampered = structuredClone(cred);
tampered.credentialSubject.achievement.name = '高级技师 (tampered)';
const tr = await verifyCred(tampered);
expect('tampered certificate fails', tr.verified === false, errText(tr));

// 4b. What an employer reads is in the signed data @digitalbazaar/vc verifies — the learner's
// name, hours, credits, grade and certificate number — and changing any one of them breaks
// the proof. Each field is looked up where docs/CREDENTIALS.md ("Certificate details") puts
// it; a missing field fails here by name (it cannot be "tampered" if it is not there).
const subject = cred.credentialSubject;
// The learner's Result for the achievement's ResultDescription of this resultType.
const resultIn = (c, type) => {
  const d = (c.credentialSubject.achievement.resultDescription || []).find(x => x.resultType === type);
  return d ? (c.credentialSubject.result || []).find(r => r.resultDescription === d.id) : undefined;
};
// name → [where it is in a credential, its property there, a different value]
const details = {
  'learner name': [c => (c.credentialSubject.identifier || []).find(i => i.identityType === 'name' && i.hashed === false), 'identityHash', '王冒名'],
  'hours': [c => resultIn(c, 'ext:LearningHours'), 'value', '320'],
  'credits': [c => c.credentialSubject, 'creditsEarned', 20],
  'grade': [c => resultIn(c, 'LetterGrade') || resultIn(c, 'RawScore'), 'value', '优秀'],
  'certificate number': [c => c.credentialSubject, 'licenseNumber', 'JX-PXOU-2026-999999'],
};
// What the demo data says this certificate must carry: the learner's name and grade from
// registry/demo/learners.json, the course's hours and credits from registry/demo/courses.csv
// (the course code is in the achievement id), the number the API lists for it.
const demoDir = path.join(here, '..', '..', 'registry', 'demo');
const learner = JSON.parse(readFileSync(path.join(demoDir, 'learners.json'), 'utf8')).find(l => l.username === active.learner);
const courseCode = decodeURIComponent((subject.achievement.id.split('/achievements/courses/')[1] || '').split('/')[0]);
// One CSV line's fields (quoted fields may hold commas; no line breaks inside them there).
const csvFields = line => [...line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)].map(m => m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]);
const [header, ...rows] = readFileSync(path.join(demoDir, 'courses.csv'), 'utf8').split(/\r?\n/).filter(Boolean).map(csvFields);
const course = Object.fromEntries(header.map((h, i) => [h, (rows.find(r => r[0] === courseCode) || [])[i]]));
const expected = {
  'learner name': learner?.name,
  'hours': course.hours,
  'credits': course.credits,
  'grade': learner?.completions.find(c => c.course === courseCode)?.result,
  'certificate number': active.certificate_number,
};
const untampered = await verifyCred(cred);
for(const [name, [locate, prop, other]] of Object.entries(details)) {
  const value = locate(cred)?.[prop];
  const present = value !== undefined && value !== null && String(value).trim() !== '';
  expect(`signed ${name} is ${JSON.stringify(expected[name])}`,
    present && expected[name] !== undefined && String(value) === String(expected[name]) && untampered.verified === true,
    present ? `signed ${JSON.stringify(value)}; ${errText(untampered)}` : `no ${name} in ${JSON.stringify(subject).slice(0, 600)}`);
  if(!present) {
    continue;
  }
  const changed = structuredClone(cred);
  locate(changed)[prop] = other === value ? `${other}0` : other;
  const cr = await verifyCred(changed);
  expect(`changed ${name} fails`, cr.verified === false, errText(cr));
}

// 5. A wrong key fails: claim the proof was made with another issuer's key.
const wrongKey = structuredClone(cred);
const skillCred = await publicJson(skill);
wrongKey.proof.verificationMethod = skillCred.proof.verificationMethod;
const wr = await verifyCred(wrongKey);
expect('wrong key fails', wr.verified === false, errText(wr));

// 6. Presentations verify with the right challenge only: one per learner, holding all of
// that learner's valid credentials (several credential graphs in one presentation).
const learners = [...new Set(list.items.filter(c => c.status === 'active').map(c => c.learner))].sort();
for(const learner of learners) {
  const ids = list.items.filter(c => c.learner === learner && c.status === 'active').map(c => c.id);
  // Only the learner presents: their token is minted by the operator (rongtong token create).
  const learnerToken = JSON.parse(process.env.LEARNER_TOKENS || '{}')[learner];
  expect(`a token for ${learner}`, typeof learnerToken === 'string', 'LEARNER_TOKENS has none');
  const presentation = await api('POST', '/presentations', learnerToken, {credentials: ids, challenge: 'interop-challenge', domain: 'verifier.example'});
  const pr = await vc.verify({presentation, challenge: 'interop-challenge', domain: 'verifier.example', suite, documentLoader, checkStatus});
  expect(`presentation of ${learner} (${ids.length} credentials) verifies`, pr.verified === true, errText(pr));
  const bad = await vc.verify({presentation, challenge: 'another-challenge', domain: 'verifier.example', suite, documentLoader, checkStatus});
  expect(`presentation of ${learner} with a wrong challenge fails`, bad.verified === false, errText(bad));
}

// 7. Recognition credentials and CLR 2.0 transcripts (issue 10).
// A transcript verifies when its own proof does (it is a credential like any other) and
// every embedded credential does (each with its status list).
async function verifyClr(clr) {
  const outer = await vc.verifyCredential({credential: clr, suite, documentLoader});
  const inner = [];
  for(const c of clr.credentialSubject.verifiableCredential) {
    inner.push(await verifyCred(c));
  }
  return {outer, inner, verified: outer.verified === true && inner.every(r => r.verified === true)};
}
const clrErr = r => JSON.stringify({outer: r.outer.verified ? 'ok' : errText(r.outer), inner: r.inner.map(i => i.verified ? 'ok' : errText(i))}).slice(0, 1200);
// Each set twice: built here around the server's certificates (prefix ''), and made by the
// server itself — the demo's recognition and learner-chen's transcript signed by the
// platform's did:web (prefix 'server-').
async function checkClrFixtures(prefix) {
  const fixture = name => JSON.parse(readFileSync(path.join(process.env.CLR_FIXTURES, prefix + name), 'utf8'));
  const what = prefix ? 'server ' : '';
  const rec = fixture('recognition.json');
  const recr = await verifyCred(rec);
  expect(`${what}recognition credential verifies`, recr.verified === true, errText(recr));
  expect(`${what}recognition cites its source credential as evidence`,
    Array.isArray(rec.evidence) && rec.evidence.length > 0 && rec.evidence.every(e => e.genre === 'Recognition source' && e.id.startsWith('urn:uuid:')),
    JSON.stringify(rec.evidence));
  const changedRec = structuredClone(rec);
  changedRec.evidence[0].id = 'urn:uuid:00000000-0000-4000-8000-000000000000';
  expect(`${what}recognition with changed evidence fails`, (await verifyCred(changedRec)).verified === false, 'verified');

  const clr = fixture('clr.json');
  const cr = await verifyClr(clr);
  expect(`${what}CLR transcript (${clr.credentialSubject.verifiableCredential.length} credentials) verifies, outer and every inner proof`, cr.verified, clrErr(cr));
  const assoc = clr.credentialSubject.association || [];
  expect(`${what}CLR lists the recognition as an association between listed achievements`,
    assoc.length === 1 && assoc[0].associationType === 'exactMatchOf'
      && [assoc[0].sourceId, assoc[0].targetId].every(id => clr.credentialSubject.achievement.some(a => a.id === id)),
    JSON.stringify(assoc));

  const resigned = fixture('clr-tampered-inner.json');
  const rr = await verifyClr(resigned);
  expect(`${what}CLR re-signed around a tampered credential fails (outer proof holds, inner 1 fails)`,
    rr.verified === false && rr.outer.verified === true && rr.inner[1].verified === false && rr.inner.filter(i => !i.verified).length === 1,
    clrErr(rr));

  const tamperedAfter = structuredClone(clr);
  tamperedAfter.credentialSubject.verifiableCredential[0].credentialSubject.achievement.name = '高级技师 (tampered)';
  const tr2 = await verifyClr(tamperedAfter);
  expect(`${what}CLR with an inner credential tampered after signing fails (outer and inner proofs)`,
    tr2.verified === false && tr2.outer.verified === false && tr2.inner[0].verified === false, clrErr(tr2));
}
if(process.env.CLR_FIXTURES) {
  await checkClrFixtures('');
  await checkClrFixtures('server-');
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
