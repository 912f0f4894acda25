#!/usr/bin/env node
'use strict';
// Packs the packages that go into the root Dockerfile's image, as npm publishes them ("files"
// only), and writes a package.json that installs them from the tarballs, each package's
// dependency on a sibling included (overrides), so that the image holds them and their
// production dependencies and nothing else of the workspace: no test services, runners or benchmarks.
// usage: node tools/pack-image.js <output dir>
const { execFileSync } = require('node:child_process');
const { mkdirSync, readdirSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const IMAGE_PACKAGES = [
  '@praas/framework',
  '@praas/runtime',
  '@praas/gateway',
  '@praas/embedded',
  'praas-framework',
  '@praas/sample-quickstart',
  '@praas/sample-wordcount',
  '@praas/sample-kmeans',
  '@praas/sample-latex-service',
  // What the samples share: private, never published, so the image installs it from its tarball too.
  '@praas/samples-shared',
];

const out = resolve(process.argv[2] ?? 'packs');
const dependencies = {};
for (const name of IMAGE_PACKAGES) {
  // One directory per package: @praas/framework and praas-framework both pack to praas-framework-<v>.tgz.
  const dir = join(out, name.replace('/', '__'));
  mkdirSync(dir, { recursive: true });
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--workspace', name], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const [tarball] = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball for ${name} into ${dir}`);
  dependencies[name] = `file:${join(dir, tarball)}`;
}
const pkg = { name: 'praas-image', private: true, dependencies, overrides: dependencies };
writeFileSync(join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
console.log(`packed ${IMAGE_PACKAGES.length} packages into ${out}`);
