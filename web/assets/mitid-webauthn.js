// mitid-webauthn.js — hands the WebAuthn options of go-mitid's web package
// to the browser and gives back the credential as JSON to post. The options
// are the JSON form (binary members as base64url text); where the browser has
// PublicKeyCredential.parseRequestOptionsFromJSON / parseCreationOptionsFromJSON
// and credential.toJSON() they are used, elsewhere this script does the same
// conversion itself. Set MitIDWebAuthn.native = false to always use its own.
(function (global) {
  'use strict';

  function decode(text) {
    var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) { b64 += '='; }
    var bin = atob(b64), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }

  function encode(buf) {
    var bytes = new Uint8Array(buf), bin = '';
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function copy(o) { return Object.assign({}, o); }

  function descriptors(list) {
    return (list || []).map(function (c) { var d = copy(c); d.id = decode(c.id); return d; });
  }

  var PKC = global.PublicKeyCredential;
  function hasNative(name) { return api.native && !!PKC && typeof PKC[name] === 'function'; }

  function requestOptions(json) {
    if (hasNative('parseRequestOptionsFromJSON')) { return PKC.parseRequestOptionsFromJSON(json); }
    var o = copy(json);
    o.challenge = decode(json.challenge);
    if (json.allowCredentials) { o.allowCredentials = descriptors(json.allowCredentials); }
    return o;
  }

  function creationOptions(json) {
    if (hasNative('parseCreationOptionsFromJSON')) { return PKC.parseCreationOptionsFromJSON(json); }
    var o = copy(json);
    o.challenge = decode(json.challenge);
    o.user = copy(json.user);
    o.user.id = decode(json.user.id);
    if (json.excludeCredentials) { o.excludeCredentials = descriptors(json.excludeCredentials); }
    return o;
  }

  function toJSON(cred) {
    if (api.native && typeof cred.toJSON === 'function') { return cred.toJSON(); }
    var r = cred.response, out = {
      id: cred.id, rawId: encode(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: encode(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = encode(r.attestationObject);
      if (r.getTransports) { out.response.transports = r.getTransports(); }
    } else {
      out.response.authenticatorData = encode(r.authenticatorData);
      out.response.signature = encode(r.signature);
      out.response.userHandle = r.userHandle ? encode(r.userHandle) : null;
    }
    return out;
  }

  var api = {
    native: true,
    // get asks the chip to sign the login's challenge; it resolves to the
    // credential's JSON for POST /login/{id}/chip.
    get: function (optionsJSON) {
      return navigator.credentials.get({ publicKey: requestOptions(optionsJSON) }).then(toJSON);
    },
    // create connects a chip; it resolves to the credential's JSON for
    // POST /chip/registration/finish.
    create: function (optionsJSON) {
      return navigator.credentials.create({ publicKey: creationOptions(optionsJSON) }).then(toJSON);
    },
    decode: decode,
    encode: encode
  };
  global.MitIDWebAuthn = api;
})(window);
