#!/usr/bin/env node
'use strict';
// Thin launcher so the bin exists before the TypeScript build; the CLI lives in dist.
require('../dist/src/main.js')
  .run(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
