#!/usr/bin/env node
// Fake external secrets provider: serves v1alpha1.CSIDriverProvider with the
// real @grpc/grpc-js on a unix socket.
//
//   node plugin-server.js <socket-path> <mode> [request-log-path]
//
// Modes (Version always answers normally):
//   ok        Mount returns one File per entry of the `fakeFiles` attribute.
//             `fakeFiles` is a JSON *string* (SecretProviderClass parameters
//             are strings) holding an array of [path, utf8Contents] pairs,
//             e.g. attributes = {"fakeFiles":"[[\"a.txt\",\"hello\"]]"}.
//             Each file gets mode 420 (0644) and object_version {id: path,
//             version: "v1"}.
//   error     Mount returns error {code: "BackendDown"} and no files.
//   grpcerror Mount fails with gRPC UNAVAILABLE "backend unreachable".
//   hang      Mount never answers.
//   gated     Mount answers as `ok` once the file <request-log-path>.release
//             exists (tests hold a call in flight, then let it finish).
//
// In any mode, a Mount whose attributes hold `"fakeHang": "true"` never answers
// (one call hangs while other calls on the same connection answer).
//
// If request-log-path is given, every Mount request is appended to it as one
// JSON line (attributes/secrets parsed when they are valid JSON).
// Prints LISTENING on stdout once bound; exits 0 on SIGTERM/SIGINT.
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.resolve(__dirname, '..', '..', 'proto');
const MODES = new Set(['ok', 'error', 'grpcerror', 'hang', 'gated']);

function fail(message) {
  process.stderr.write(`plugin-server.js: ${message}\n`);
  process.exit(2);
}

const [socketArg, mode, logPath] = process.argv.slice(2);
if (!socketArg || !mode) fail('usage: node plugin-server.js <socket-path> <ok|error|grpcerror|hang> [request-log-path]');
if (!MODES.has(mode)) fail(`unknown mode '${mode}'`);
const socketPath = path.resolve(socketArg);

const defs = protoLoader.loadSync('provider/v1alpha1/service.proto', {
  includeDirs: [PROTO_ROOT],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const serviceDef = defs['v1alpha1.CSIDriverProvider'];
if (!serviceDef) fail('v1alpha1.CSIDriverProvider not found in proto/provider/v1alpha1/service.proto');

function tryParse(s) {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function logRequest(req) {
  if (!logPath) return;
  const entry = {
    attributes: tryParse(req.attributes),
    secrets: tryParse(req.secrets),
    target_path: req.target_path,
    permission: req.permission,
    current_object_version: req.current_object_version,
  };
  fs.appendFileSync(logPath, `${JSON.stringify(entry)}\n`);
}

// Returns [{path, contents}] from the fakeFiles attribute.
function fakeFilesFrom(attributes) {
  let raw = attributes.fakeFiles;
  if (raw === undefined || raw === null || raw === '') return [];
  if (typeof raw === 'string') raw = JSON.parse(raw);
  if (!Array.isArray(raw)) throw new Error('fakeFiles must be a JSON array');
  return raw.map((item, i) => {
    if (Array.isArray(item) && item.length === 2) return { path: String(item[0]), contents: String(item[1]) };
    if (item && typeof item === 'object' && 'path' in item) return { path: String(item.path), contents: String(item.contents ?? '') };
    throw new Error(`fakeFiles[${i}] must be a [path, contents] pair`);
  });
}

function answerOk(req, callback) {
  let files;
  try {
    const attributes = req.attributes ? JSON.parse(req.attributes) : {};
    if (!attributes || typeof attributes !== 'object' || Array.isArray(attributes)) {
      throw new Error('attributes must be a JSON object');
    }
    files = fakeFilesFrom(attributes);
  } catch (e) {
    return callback({ code: grpc.status.INVALID_ARGUMENT, details: `bad attributes: ${e.message}` });
  }

  callback(null, {
    object_version: files.map((f) => ({ id: f.path, version: 'v1' })),
    files: files.map((f) => ({ path: f.path, mode: 420, contents: Buffer.from(f.contents, 'utf8') })),
  });
}

function hangs(req) {
  try {
    return JSON.parse(req.attributes || '{}').fakeHang === 'true';
  } catch {
    return false;
  }
}

const impl = {
  Version(call, callback) {
    callback(null, { version: 'v1alpha1', runtime_name: 'fake', runtime_version: '0.1.0' });
  },

  Mount(call, callback) {
    const req = call.request;
    logRequest(req);
    // The caller's deadline or cancellation arrives as a stream reset; tests check that it got here.
    call.on('cancelled', () => {
      if (logPath) fs.appendFileSync(`${logPath}.cancelled`, 'Mount\n');
    });

    if (hangs(req)) return; // never answer
    switch (mode) {
      case 'hang':
        return; // never answer
      case 'gated': {
        const timer = setInterval(() => {
          if (!fs.existsSync(`${logPath}.release`)) return;
          clearInterval(timer);
          answerOk(req, callback);
        }, 20);
        call.on('cancelled', () => clearInterval(timer));
        return;
      }
      case 'grpcerror':
        return callback({ code: grpc.status.UNAVAILABLE, details: 'backend unreachable' });
      case 'error':
        return callback(null, { object_version: [], error: { code: 'BackendDown' }, files: [] });
      default:
        break;
    }

    answerOk(req, callback);
  },
};

try {
  fs.unlinkSync(socketPath);
} catch (e) {
  if (e.code !== 'ENOENT') fail(`cannot remove stale socket ${socketPath}: ${e.message}`);
}

const server = new grpc.Server();
server.addService(serviceDef, impl);
server.bindAsync(`unix://${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) fail(`bind failed: ${err.message}`);
  process.stdout.write('LISTENING\n');
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.forceShutdown();
  try {
    fs.unlinkSync(socketPath);
  } catch {
    // already gone
  }
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
