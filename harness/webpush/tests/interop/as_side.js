// Interop helper: the sending side, produced by web-push 3.6.7 (an independent implementation),
// for coitest's webpush library to decrypt and verify. One JSON request on stdin, one JSON
// answer on stdout. argv[2] is the node_modules folder scripts/test installs.
'use strict';
const path = require('path');

const modules = process.argv[2];
const webpush = require(path.join(modules, 'web-push'));

function b64u(buf) { return Buffer.from(buf).toString('base64url'); }

const ops = {
  keys() {
    return webpush.generateVAPIDKeys();
  },
  encrypt(req) {
    const out = webpush.encrypt(req.ua_public, req.auth, Buffer.from(req.plaintext, 'base64url'),
      'aes128gcm');
    return { body: b64u(out.cipherText), sender_public: b64u(out.localPublicKey) };
  },
  request(req) {
    const details = webpush.generateRequestDetails(
      { endpoint: req.endpoint, keys: { p256dh: req.ua_public, auth: req.auth } },
      Buffer.from(req.plaintext, 'base64url'),
      { vapidDetails: req.vapid, contentEncoding: 'aes128gcm', TTL: 60 });
    return { body: b64u(details.body), headers: details.headers, endpoint: details.endpoint };
  },
  vapid(req) {
    return webpush.getVapidHeaders(req.audience, req.subject, req.publicKey, req.privateKey,
      'aes128gcm', req.expiration);
  },
};

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
