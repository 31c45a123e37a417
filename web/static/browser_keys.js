// Signing keys held in the member's browser (docs/browser-keys.md). The browser makes an Ed25519
// key with WebCrypto as NON-EXTRACTABLE: the page can ask it to sign but can never read it, and
// it is kept in IndexedDB (a CryptoKey is stored as the browser's own object, not as bytes).
// Only public keys and signatures leave the page; the statement bodies to sign come from the
// server already in canonical JSON (the page signs exactly the bytes it was shown).
// Progressive: without WebCrypto Ed25519 (or without JS) the forms stay hidden and the custodial
// and `coop sign` flows work as before.
(function () {
  "use strict";
  var CONTEXT = "coop-ledger statement v1\n";
  var REGISTRATION = "member.key-registration";
  var KEY_FILE_HEADER = "coop-ledger ed25519 seed v1\n"; // what `coop sign --key` reads
  var PKCS8_PREFIX = "302e020100300506032b657004220420"; // RFC 8410: an Ed25519 seed follows
  var ED25519 = { name: "Ed25519" };
  if (!window.crypto || !window.crypto.subtle || !window.indexedDB) { return; }
  var subtle = window.crypto.subtle;

  function b64(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
    return btoa(text);
  }
  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function statementBytes(kind, canonicalBody) {
    return new TextEncoder().encode(CONTEXT + kind + "\n" + canonicalBody);
  }

  // -- IndexedDB: one store of {publicKey (base64), privateKey (CryptoKey), created} --------
  function store(mode, action) {
    return new Promise(function (resolve, reject) {
      var opening = indexedDB.open("coop-ledger-keys", 1);
      opening.onupgradeneeded = function () { opening.result.createObjectStore("keys", { keyPath: "publicKey" }); };
      opening.onerror = function () { reject(opening.error); };
      opening.onsuccess = function () {
        var db = opening.result, tx = db.transaction("keys", mode), request = action(tx.objectStore("keys"));
        tx.oncomplete = function () { db.close(); resolve(request.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      };
    });
  }
  function keyFor(publicKey) { return store("readonly", function (s) { return s.get(publicKey); }); }

  var supported = subtle.generateKey(ED25519, false, ["sign", "verify"]).then(
    function () { return true; }, function () { return false; });

  // -- making a key --------------------------------------------------------------------------
  function download(name, text) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/octet-stream" }));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
  }

  // A non-extractable private key and its public key. With a backup, the key is made extractable
  // once, its seed written to a file `coop sign` reads, then imported again as non-extractable;
  // the extractable copy and the bytes are dropped (and the bytes zeroed) right away.
  async function newKey(withBackup) {
    if (!withBackup) {
      var pair = await subtle.generateKey(ED25519, false, ["sign", "verify"]);
      return { privateKey: pair.privateKey, publicKey: new Uint8Array(await subtle.exportKey("raw", pair.publicKey)) };
    }
    var once = await subtle.generateKey(ED25519, true, ["sign", "verify"]);
    var publicKey = new Uint8Array(await subtle.exportKey("raw", once.publicKey));
    var pkcs8 = new Uint8Array(await subtle.exportKey("pkcs8", once.privateKey));
    once = null;
    if (pkcs8.length !== 48 || hex(pkcs8.subarray(0, 16)) !== PKCS8_PREFIX) { throw new Error("unexpected PKCS #8 key"); }
    var keyId = hex(new Uint8Array(await subtle.digest("SHA-256",
      concat(new TextEncoder().encode("coop-ledger key\n"), publicKey)))).slice(0, 32);
    download("coop-key-" + keyId + ".key", KEY_FILE_HEADER + b64(pkcs8.subarray(16)) + "\n");
    var privateKey = await subtle.importKey("pkcs8", pkcs8, ED25519, false, ["sign"]);
    pkcs8.fill(0);
    return { privateKey: privateKey, publicKey: publicKey };
  }
  function concat(a, b) { var out = new Uint8Array(a.length + b.length); out.set(a); out.set(b, a.length); return out; }

  function status(root, text) {
    var line = root.querySelector("[data-browser-key-status]");
    if (line) { line.textContent = text; }
  }

  // Register (or move to) a new browser key: sign the registration body with it, keep it, and
  // send the signed statement in the form's `statement` field.
  async function register(form, withBackup) {
    var body = form.getAttribute("data-browser-key");
    status(form, withBackup ? "Making your key and its backup file…" : "Making your key…");
    var key = await newKey(withBackup);
    var sig = await subtle.sign(ED25519, key.privateKey, statementBytes(REGISTRATION, body));
    var publicKey = b64(key.publicKey);
    await store("readwrite", function (s) {
      return s.put({ publicKey: publicKey, privateKey: key.privateKey, created: new Date().toISOString() });
    });
    form.querySelector('input[name="statement"]').value = JSON.stringify(
      { kind: REGISTRATION, body: JSON.parse(body), key: publicKey, sig: b64(sig) });
    status(form, "Your key is in this browser; registering it…");
    if (withBackup) { await new Promise(function (done) { setTimeout(done, 300); }); } // let the download start
    form.submit();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-browser-key")) { return; }
    if (form.querySelector('input[name="statement"]').value) { return; }
    event.preventDefault();
    var withBackup = !!(event.submitter && event.submitter.value === "yes");
    register(form, withBackup).catch(function (error) { status(form, "Your browser could not make the key: " + error); });
  });

  // -- signing a statement the page shows ----------------------------------------------------
  async function signShown(section) {
    var form = section.closest("form"), kind = section.getAttribute("data-browser-sign");
    var found = await keyFor(section.getAttribute("data-public-key"));
    if (!found) { return; } // the member's key is elsewhere: they paste what `coop sign` printed
    var body = form.querySelector('input[name="statement_body"]').value;
    var sig = await subtle.sign(ED25519, found.privateKey, statementBytes(kind, body));
    form.querySelector('[name="signed"]').value = b64(sig);
    status(section, "Signed with the key in this browser; sending…");
    form.requestSubmit();
  }

  async function scan(root) {
    if (!(await supported)) { return; }
    root.querySelectorAll("form[data-browser-key]").forEach(function (form) { form.hidden = false; });
    root.querySelectorAll("[data-browser-sign]").forEach(function (section) {
      if (section.dataset.browserSigned) { return; }
      section.dataset.browserSigned = "1";
      signShown(section).catch(function (error) { status(section, "Signing in this browser failed: " + error); });
    });
    root.querySelectorAll("[data-browser-key-hint], [data-key-custody]").forEach(function (element) {
      keyFor(element.getAttribute("data-public-key")).then(function (found) {
        if (!found) { return; }
        if (element.hasAttribute("data-key-custody")) {
          element.textContent = "your own, held in this browser";
        } else {
          element.textContent = "Your key is in this browser: submitting shows the statement, which this page then signs here.";
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:load", function (event) { if (event.detail && event.detail.elt) { scan(event.detail.elt); } });
})();
