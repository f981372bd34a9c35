/* Card input iframe of the PAY.JP simulator. Runs on the simulator's origin only. */
(function () {
  'use strict';
  var config;
  try { config = JSON.parse(decodeURIComponent(location.hash.slice(1))); } catch (e) { return; }
  if (!config || !/^https?:\/\/[^/]+$/.test(config.origin || '')) { return; }
  var MERCHANT = config.origin;
  var en = config.locale === 'en';
  var inputs = {};
  window.__payjpSim = { group: config.group, type: config.type, values: values };

  function send(msg) {
    msg.source = 'payjp-sim';
    msg.id = config.id;
    // The target origin makes sure only the page that embedded us (as it claimed) gets this.
    window.parent.postMessage(msg, MERCHANT);
  }

  function digits(value) { return (value || '').replace(/\D/g, ''); }
  function brandOf(n) {
    if (!n) { return 'unknown'; }
    var two = parseInt(n.slice(0, 2), 10), four = parseInt(n.slice(0, 4), 10);
    if (n[0] === '4') { return 'Visa'; }
    if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) { return 'MasterCard'; }
    if (four >= 3528 && four <= 3589) { return 'JCB'; }
    if (two === 34 || two === 37) { return 'American Express'; }
    if (two === 36 || two === 38 || two === 39 || (four >= 3000 && four <= 3059) || four === 3095) { return 'Diners Club'; }
    if (n.indexOf('6011') === 0 || n.indexOf('65') === 0 || (four >= 6440 && four <= 6499)) { return 'Discover'; }
    return 'unknown';
  }
  function luhn(n) {
    var sum = 0;
    for (var i = 0; i < n.length; i++) {
      var d = parseInt(n[n.length - 1 - i], 10);
      if (i % 2 === 1) { d *= 2; if (d > 9) { d -= 9; } }
      sum += d;
    }
    return sum % 10 === 0;
  }
  function numberLength(brand) { return brand === 'American Express' ? 15 : brand === 'Diners Club' ? 14 : 16; }
  function parseExpiry(value) {
    var d = digits(value);
    if (d.length < 4) { return null; }
    return { month: parseInt(d.slice(0, 2), 10), year: 2000 + parseInt(d.slice(2, 4), 10) };
  }
  function validationError(code) {
    var messages = {
      incomplete_error: en ? 'Your card information is incomplete.' : 'カード情報が不完全です。',
      invalid_number: en ? 'Your card number is invalid.' : 'カード番号が正しくありません。',
      invalid_expiry_month_past: en ? 'Your card has expired.' : '有効期限が過ぎています。',
      invalid_expiry_year_past: en ? 'Your card has expired.' : '有効期限が過ぎています。'
    };
    return { type: 'validation_error', code: code, message: messages[code] };
  }

  function fieldState(kind, value) {
    var d = digits(value);
    if (kind === 'number') {
      var brand = brandOf(d);
      var complete = d.length >= numberLength(brand);
      var error = complete && !luhn(d) ? validationError('invalid_number') : null;
      return { complete: complete && !error, empty: d.length === 0, brand: brand, error: error };
    }
    if (kind === 'expiry') {
      var exp = parseExpiry(value);
      if (!exp) { return { complete: false, empty: d.length === 0, error: null }; }
      var now = new Date();
      var err = null;
      if (exp.month < 1 || exp.month > 12) { err = validationError('incomplete_error'); }
      else if (exp.year < now.getFullYear()) { err = validationError('invalid_expiry_year_past'); }
      else if (exp.year === now.getFullYear() && exp.month < now.getMonth() + 1) { err = validationError('invalid_expiry_month_past'); }
      return { complete: !err, empty: false, error: err };
    }
    return { complete: d.length >= 3, empty: d.length === 0, error: null };
  }

  function values() {
    var out = {};
    Object.keys(inputs).forEach(function (kind) { out[kind] = inputs[kind].value; });
    return out;
  }

  function summary() {
    var states = Object.keys(inputs).map(function (kind) { return fieldState(kind, inputs[kind].value); });
    var brand = inputs.number ? fieldState('number', inputs.number.value).brand : undefined;
    var error = null;
    states.forEach(function (s) { if (!error && s.error) { error = s.error; } });
    var result = {
      elementType: config.type,
      complete: states.every(function (s) { return s.complete; }),
      empty: states.every(function (s) { return s.empty; })
    };
    if (brand !== undefined) { result.brand = brand; }
    if (error) { result.error = error; }
    return result;
  }

  function addInput(kind, placeholder, autocomplete) {
    var input = document.createElement('input');
    input.className = kind;
    input.inputMode = 'numeric';
    input.autocomplete = autocomplete;
    input.placeholder = config.placeholder && config.type !== 'card' ? config.placeholder : placeholder;
    input.disabled = !!config.disabled;
    input.setAttribute('aria-label', placeholder);
    input.addEventListener('input', function () {
      var s = fieldState(kind, input.value);
      input.classList.toggle('invalid', !!s.error);
      send({ type: 'event', name: 'change', payload: summary() });
    });
    input.addEventListener('focus', function () { send({ type: 'event', name: 'focus', payload: { elementType: config.type } }); });
    input.addEventListener('blur', function () { send({ type: 'event', name: 'blur', payload: { elementType: config.type } }); });
    document.getElementById('fields').appendChild(input);
    inputs[kind] = input;
  }

  // Gather the other fields of a split form (cardNumber + cardExpiry + cardCvc): sibling
  // frames share our origin, so we read them directly and nothing passes through the merchant page.
  function collect() {
    var all = values();
    var frames = window.parent.frames;
    for (var i = 0; i < frames.length; i++) {
      try {
        var sim = frames[i].__payjpSim;
        if (sim && sim.group === config.group && frames[i] !== window) {
          var v = sim.values();
          Object.keys(v).forEach(function (k) { if (!all[k]) { all[k] = v[k]; } });
        }
      } catch (e) { /* a frame of another origin: not ours */ }
    }
    return all;
  }

  function createToken(requestId, data) {
    var all = collect();
    var number = digits(all.number);
    var exp = parseExpiry(all.expiry || '');
    if (!number || !exp || !all.cvc) {
      send({ type: 'tokenResult', requestId: requestId, result: { error: Object.assign({ status: 400 }, validationError('incomplete_error')) } });
      return;
    }
    var body = new URLSearchParams();
    body.append('card[number]', number);
    body.append('card[exp_month]', String(exp.month));
    body.append('card[exp_year]', String(exp.year));
    body.append('card[cvc]', digits(all.cvc));
    var card = (data && data.card) || {};
    ['name', 'email', 'phone', 'country', 'address_state', 'address_city', 'address_line1', 'address_line2', 'address_zip']
      .forEach(function (key) { if (card[key]) { body.append('card[' + key + ']', String(card[key])); } });
    if (data && data.three_d_secure) { body.append('three_d_secure', 'true'); }
    if (data && data.tenant) { body.append('tenant', String(data.tenant)); }
    fetch(location.origin + '/v1/tokens', {
      method: 'POST',
      headers: { 'Authorization': 'Basic ' + btoa(config.publicKey + ':'), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body.toString()
    }).then(function (response) {
      return response.json();
    }).then(function (json) {
      send({ type: 'tokenResult', requestId: requestId, result: json });
    }).catch(function () {
      send({ type: 'tokenResult', requestId: requestId, result: { error: { status: 0, type: 'client_error', code: 'network_error', message: 'Network error.' } } });
    });
  }

  window.addEventListener('message', function (ev) {
    if (ev.origin !== MERCHANT || ev.source !== window.parent) { return; }
    var msg = ev.data;
    if (!msg || msg.source !== 'payjp-sim') { return; }
    var first = inputs.number || inputs.expiry || inputs.cvc;
    if (msg.type === 'focus') { first.focus(); }
    else if (msg.type === 'blur') { document.activeElement && document.activeElement.blur(); }
    else if (msg.type === 'clear') {
      Object.keys(inputs).forEach(function (k) { inputs[k].value = ''; inputs[k].classList.remove('invalid'); });
      send({ type: 'event', name: 'change', payload: summary() });
    } else if (msg.type === 'update' && msg.options) {
      Object.keys(inputs).forEach(function (k) { inputs[k].disabled = !!msg.options.disabled; });
    } else if (msg.type === 'createToken') { createToken(msg.requestId, msg.data); }
  });

  if (config.type === 'card' || config.type === 'cardNumber') { addInput('number', en ? 'Card number' : 'カード番号', 'cc-number'); }
  if (config.type === 'card' || config.type === 'cardExpiry') { addInput('expiry', 'MM / YY', 'cc-exp'); }
  if (config.type === 'card' || config.type === 'cardCvc') { addInput('cvc', 'CVC', 'cc-csc'); }
  send({ type: 'event', name: 'ready', payload: { elementType: config.type } });
})();
