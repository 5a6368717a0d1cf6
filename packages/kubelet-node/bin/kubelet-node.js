#!/usr/bin/env node
// The kubelet-node CLI: a node's operations (kubelet-node --help lists them) without Nx or projen. The code is compiled to dist/ (npm run build); this file exists before that, so that npm links the bin
// in a workspace too.
require('../dist/cli.js')
  .main(process.argv.slice(2))
  .then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
