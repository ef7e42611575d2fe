// mitid-login.js — drives the MitID login box that web.LoginBox renders,
// through the JSON endpoints of go-mitid's web package; and connects chips
// for buttons marked data-mitid-register-chip. Needs mitid-webauthn.js.
(function () {
  'use strict';

  function $(id) { return document.getElementById(id); }

  function Client(base) {
    this.base = base;
    this.token = null;
  }
  Client.prototype.csrf = function () {
    var self = this;
    if (self.token) { return Promise.resolve(self.token); }
    return fetch(self.base + '/csrf', { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (j) { self.token = j.csrf_token; return self.token; });
  };
  Client.prototype.call = function (method, path, body) {
    var self = this;
    return self.csrf().then(function (token) {
      var init = { method: method, credentials: 'same-origin', headers: { 'X-CSRF-Token': token } };
      if (method === 'POST') {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body || {});
      }
      return fetch(self.base + path, init);
    }).then(function (r) {
      if (r.status === 204) { return null; }
      return r.json().then(function (j) {
        if (!r.ok) { var e = new Error(j.message); e.body = j; throw e; }
        return j;
      });
    });
  };

  var STEP_FORMS = { code: 'mitid-code-form', password: 'mitid-password-form', approval: 'mitid-approval', chip: 'mitid-chip' };
  var KIND_NAMES = { app: 'MitID app', code_display: 'code display', audio_code_reader: 'audio code reader', chip: 'MitID chip', password: 'password' };
  var METHOD_NAMES = { app: 'MitID app', code_display: 'code display and password', audio_code_reader: 'audio code reader and password',
    chip: 'password and MitID chip', app_and_chip: 'MitID app and MitID chip' };

  function LoginBox(box) {
    this.box = box;
    this.client = new Client(box.getAttribute('data-mitid-base'));
    this.context = box.getAttribute('data-mitid-context') || '';
    this.login = null;
    this.poll = null;
    this.busy = false;
    var self = this;
    this.on('mitid-userid-form', function () {
      return self.client.call('POST', '/login', { user_id: $('mitid-user-id').value, context: self.context });
    });
    this.on('mitid-code-form', function () {
      var c = $('mitid-code');
      var code = c.value; c.value = '';
      return self.client.call('POST', '/login/' + self.login.id + '/code', { code: code });
    });
    this.on('mitid-password-form', function () {
      var p = $('mitid-password');
      var pw = p.value; p.value = '';
      return self.client.call('POST', '/login/' + self.login.id + '/password', { password: pw });
    });
    $('mitid-chip-button').addEventListener('click', function () {
      self.run(function () {
        self.status('Waiting for your MitID chip…');
        return MitIDWebAuthn.get(self.login.chip_options).then(function (cred) {
          return self.client.call('POST', '/login/' + self.login.id + '/chip', { credential: cred });
        });
      });
    });
    $('mitid-cancel').addEventListener('click', function () {
      if (!self.login) { return; }
      var id = self.login.id;
      self.run(function () {
        return self.client.call('POST', '/login/' + id + '/cancel').then(function () { return null; });
      });
    });
  }

  LoginBox.prototype.on = function (formID, fn) {
    var self = this;
    $(formID).addEventListener('submit', function (ev) { ev.preventDefault(); self.run(fn); });
  };

  LoginBox.prototype.status = function (text) { $('mitid-status').textContent = text; };

  LoginBox.prototype.error = function (text) {
    var e = $('mitid-error');
    e.textContent = text || '';
    e.hidden = !text;
  };

  // run performs one call and shows what it answered.
  LoginBox.prototype.run = function (fn) {
    var self = this;
    if (self.busy) { return; }
    self.busy = true;
    self.error('');
    return fn().then(function (login) {
      self.busy = false;
      self.show(login);
    }, function (err) {
      self.busy = false;
      var b = err.body || {};
      var msg = err.message || 'Something went wrong.';
      if (b.until) { msg += ' (until ' + new Date(b.until).toLocaleString() + ')'; }
      self.error(msg);
      if (b.code === 'session_used' || b.code === 'session_expired' || b.code === 'session_not_found') { self.show(null); return; }
      if (self.login) { return self.refresh(); }
    });
  };

  LoginBox.prototype.refresh = function () {
    var self = this;
    return self.client.call('GET', '/login/' + self.login.id).then(function (l) { self.show(l); }, function () {});
  };

  // show renders the login: the text, the step's form, the ways to switch.
  LoginBox.prototype.show = function (login) {
    var self = this;
    if (login && login.options === undefined && self.login) { login.options = self.login.options; }
    self.login = login;
    clearTimeout(self.poll);
    Object.keys(STEP_FORMS).forEach(function (k) { $(STEP_FORMS[k]).hidden = true; });
    $('mitid-userid-form').hidden = !!login;
    $('mitid-cancel').hidden = !login;
    $('mitid-methods').hidden = !login;
    var text = $('mitid-text');
    text.hidden = !login;
    if (!login) { self.status(''); $('mitid-user-id').focus(); return; }
    $('mitid-text-value').textContent = login.text;
    $('mitid-level-value').textContent = login.level;
    self.methods(login);
    // The browser's last step answers with the result; after the app's
    // approval (seen by polling) the browser finishes the login itself.
    if (login.next === 'done') { return login.result ? self.done(login.result) : self.finish(); }
    var form = $(STEP_FORMS[login.next]);
    form.hidden = false;
    var label = $('mitid-code-label');
    label.textContent = login.method === 'audio_code_reader' ? 'Code from your audio code reader' : 'Code from your code display';
    var step = { code: 'Enter the code', password: 'Enter your password', approval: 'Approve in your MitID app', chip: 'Use your MitID chip' }[login.next];
    self.status(step + ' (' + METHOD_NAMES[login.method] + ').');
    var first = form.querySelector('input, button');
    if (first) { first.focus(); }
    if (login.next === 'approval') {
      self.poll = setTimeout(function () { self.refresh(); }, 700);
    }
  };

  // methods lists the other ways to log in, as buttons.
  LoginBox.prototype.methods = function (login) {
    var self = this, list = $('mitid-method-list');
    if (!login.options) { return; }
    list.textContent = '';
    login.options.forEach(function (o) {
      var li = document.createElement('li');
      var b = document.createElement('button');
      b.type = 'button';
      var name = METHOD_NAMES[o.method] + (o.label ? ' — ' + o.label : '');
      b.textContent = 'Use ' + name + ' (' + o.aal + ')';
      if (o.method === login.method) { b.setAttribute('aria-current', 'true'); }
      if (!o.usable) {
        b.disabled = true;
        var why = document.createElement('span');
        why.textContent = ' ' + (o.reason || 'not usable now');
        li.appendChild(b); li.appendChild(why);
      } else {
        li.appendChild(b);
      }
      b.addEventListener('click', function () {
        self.run(function () {
          return self.client.call('POST', '/login/' + login.id + '/method', { method: o.method, authenticator: o.authenticator });
        });
      });
      list.appendChild(li);
    });
  };

  LoginBox.prototype.finish = function () {
    var self = this, id = self.login.id;
    self.status('Logging on…');
    return self.client.call('POST', '/login/' + id + '/finish').then(function (res) {
      self.done(res);
    }, function (err) { self.error(err.message); });
  };

  // done shows a finished login, or follows the relying party's redirect.
  LoginBox.prototype.done = function (res) {
    var self = this;
    if (res.redirect) { window.location.assign(res.redirect); return; }
    $('mitid-ial').textContent = res.ial;
    $('mitid-aal').textContent = res.aal;
    $('mitid-loa').textContent = res.loa;
    $('mitid-result').hidden = false;
    self.login = null;
    Object.keys(STEP_FORMS).forEach(function (k) { $(STEP_FORMS[k]).hidden = true; });
    $('mitid-methods').hidden = true;
    $('mitid-cancel').hidden = true;
    self.status('You are logged on as ' + res.user_id + '.');
  };

  // Chip registration buttons (self-service): data-mitid-register-chip holds
  // the authenticator's ID; an input named by data-mitid-password, if any,
  // the first password; one named by data-mitid-code, if any, the activation
  // code of a chip that came by mail.
  function registerChip(button, client) {
    var out = $(button.getAttribute('data-mitid-output'));
    function say(t) { if (out) { out.textContent = t; } }
    button.addEventListener('click', function () {
      say('Use your MitID chip now…');
      var pwInput = button.getAttribute('data-mitid-password') ? $(button.getAttribute('data-mitid-password')) : null;
      var codeInput = button.getAttribute('data-mitid-code') ? $(button.getAttribute('data-mitid-code')) : null;
      var session;
      var begin = { authenticator: button.getAttribute('data-mitid-register-chip') };
      if (codeInput && codeInput.value) { begin.activation_code = codeInput.value; }
      client.call('POST', '/chip/registration', begin)
        .then(function (reg) {
          session = reg.session;
          return MitIDWebAuthn.create(reg.options);
        })
        .then(function (cred) {
          var body = { session: session, credential: cred };
          if (pwInput && pwInput.value) { body.password = pwInput.value; }
          return client.call('POST', '/chip/registration/finish', body);
        })
        .then(function () { say('Your MitID chip is connected.'); window.location.reload(); },
          function (err) { say(err.message); });
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var box = document.querySelector('[data-mitid-login]');
    if (box) { box.mitid = new LoginBox(box); }
    document.querySelectorAll('[data-mitid-register-chip]').forEach(function (b) {
      registerChip(b, new Client(b.getAttribute('data-mitid-base')));
    });
  });
})();
