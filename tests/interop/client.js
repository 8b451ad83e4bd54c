#!/usr/bin/env node
// Interop client: performs ONE unary gRPC call with the real @grpc/grpc-js
// against a unix socket and prints ONE line of JSON on stdout.
//
//   node client.js <unix-socket-path> <pkg.Service/Method> <request-json> [deadlineMs]
//
// Success: {"ok":true,"response":{...}}
// gRPC error: {"ok":false,"code":<numeric status>,"details":"<message>"}
// Both exit 0; a non-zero exit code means a harness/usage problem.
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.resolve(__dirname, '..', '..', 'proto');
const DEFAULT_DEADLINE_MS = 10000;

function fail(message) {
  process.stderr.write(`client.js: ${message}\n`);
  process.exit(2);
}

function findProtos(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findProtos(full));
    else if (entry.name.endsWith('.proto')) out.push(path.relative(PROTO_ROOT, full));
  }
  return out.sort();
}

function loadDefinitions() {
  return protoLoader.loadSync(findProtos(PROTO_ROOT), {
    includeDirs: [PROTO_ROOT],
    keepCase: true,
    longs: String,
    enums: String,
    bytes: String, // bytes fields come back base64-encoded (proto3 JSON style)
    defaults: true,
    oneofs: true,
  });
}

function main() {
  const [socketPath, fullMethod, requestJson, deadlineArg] = process.argv.slice(2);
  if (!socketPath || !fullMethod || requestJson === undefined) {
    fail('usage: node client.js <unix-socket-path> <pkg.Service/Method> <request-json> [deadlineMs]');
  }

  const m = /^\/?([A-Za-z0-9_.]+)\/([A-Za-z0-9_]+)$/.exec(fullMethod);
  if (!m) fail(`method must look like pkg.Service/Method, got '${fullMethod}'`);
  const [, serviceName, methodName] = m;

  let request;
  try {
    request = requestJson.trim() === '' ? {} : JSON.parse(requestJson);
  } catch (e) {
    fail(`request is not valid JSON: ${e.message}`);
  }

  let deadlineMs = DEFAULT_DEADLINE_MS;
  if (deadlineArg !== undefined) {
    deadlineMs = Number(deadlineArg);
    if (!Number.isFinite(deadlineMs) || deadlineMs <= 0) fail(`invalid deadlineMs '${deadlineArg}'`);
  }

  const defs = loadDefinitions();
  const service = defs[serviceName];
  if (!service || typeof service !== 'object' || service.format !== undefined) {
    fail(`unknown service '${serviceName}'`);
  }
  const method = service[methodName];
  if (!method || typeof method.path !== 'string') fail(`unknown method '${methodName}' on '${serviceName}'`);
  if (method.requestStream || method.responseStream) fail(`'${fullMethod}' is not a unary method`);

  const target = `unix://${path.resolve(socketPath)}`;
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  const deadline = new Date(Date.now() + deadlineMs);

  client.makeUnaryRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    request,
    new grpc.Metadata(),
    { deadline },
    (err, response) => {
      const out = err
        ? { ok: false, code: err.code, details: err.details !== undefined ? err.details : String(err.message) }
        : { ok: true, response };
      process.stdout.write(`${JSON.stringify(out)}\n`, () => {
        client.close();
        process.exit(0);
      });
    },
  );
}

try {
  main();
} catch (e) {
  fail(e && e.stack ? e.stack : String(e));
}
