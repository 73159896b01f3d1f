#!/usr/bin/env node
// A committed entry, so the bin exists before the first build and installing the workspace does
// not warn that its target is missing.
import '../dist/bin.js';
