// Interop helper: the receiving side, written with independent code (http_ece, jws, node's
// crypto), checking what coitest's webpush library produced. Reads one JSON request on stdin,
// writes one JSON answer on stdout. argv[2] is the node_modules folder scripts/test installs.
'use strict';
const crypto = require('crypto');
const path = require('path');

const modules = process.argv[2];
const ece = require(path.join(modules, 'http_ece'));
const jws = require(path.join(modules, 'jws'));

function b64u(buf) { return Buffer.from(buf).toString('base64url'); }

function decrypt(req) {
  const ua = crypto.createECDH('prime256v1');
  ua.setPrivateKey(Buffer.from(req.ua_private, 'base64url'));
  // aes128gcm: http_ece takes the sender's key from the header's keyid.
  const plaintext = ece.decrypt(Buffer.from(req.body, 'base64url'), {
    version: 'aes128gcm',
    privateKey: ua,
    authSecret: req.auth,
  });
  return { plaintext: b64u(plaintext) };
}

function verifyVapid(req) {
  const m = /^vapid t=([^,\s]+), k=([A-Za-z0-9_-]+)$/.exec(req.authorization);
  if (!m) throw new Error('not "vapid t=..., k=...": ' + req.authorization);
  const [, token, k] = m;
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw new Error('k is not an uncompressed point');
  const key = crypto.createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33)) },
    format: 'jwk',
  });
  const pem = key.export({ type: 'spki', format: 'pem' });
  // Two independent verifications: the jws package, and node's crypto with raw r||s.
  const jwsOk = jws.verify(token, 'ES256', pem);
  const [h, p, s] = token.split('.');
  const cryptoOk = crypto.verify('sha256', Buffer.from(h + '.' + p),
    { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  const decoded = jws.decode(token);
  const claims = typeof decoded.payload === 'string' ? JSON.parse(decoded.payload) : decoded.payload;
  return { jws_ok: jwsOk, crypto_ok: cryptoOk, header: decoded.header, claims };
}

const ops = { decrypt, verify_vapid: verifyVapid };

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  try {
    const req = JSON.parse(input);
    const op = ops[req.op];
    if (!op) throw new Error('unknown op ' + req.op);
    process.stdout.write(JSON.stringify(op(req)));
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: String(e && e.message ? e.message : e) }));
  }
});
