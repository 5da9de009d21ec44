#!/usr/bin/env node
// The package's command (npx brokerstar-dav …): runs the compiled CLI (npm ci builds it).
import '../dist/src/cli.js';
