/*
 * ClinicPay checkout page: card fields from PAY.JP's payjp.js, our name / contact checks,
 * then the card token (only the token) is posted to our server. Charge 3-D Secure runs in
 * PAY.JP's dialog when the server asks for it. No inline script; config in data-* attributes.
 */
(function () {
  'use strict';

  function post(url, csrf, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return { result: 'error' }; });
    });
  }

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el) { el.textContent = text || ''; }
  }

  function phoneE164(value) {
    var digits = value.replace(/[^0-9+]/g, '');
    if (digits.charAt(0) === '+') { return digits; }
    if (digits.charAt(0) === '0') { return '+81' + digits.slice(1); }
    return digits;
  }

  // Handles the server's answer; returns true when the form should stay disabled.
  function handleAnswer(payjp, root, answer, onError) {
    if (answer.result === 'paid' || answer.result === 'reload') {
      window.location.assign(answer.redirect);
      return Promise.resolve(true);
    }
    if (answer.result === 'three_d_secure' && answer.charge_id) {
      return payjp.openThreeDSecureDialog(answer.charge_id).then(function () {
        return post(root.dataset.finish, root.dataset.csrf);
      }).then(function (next) {
        return handleAnswer(payjp, root, next, onError);
      });
    }
    onError(answer.message || root.dataset.msgNetwork);
    return Promise.resolve(false);
  }

  function initPayForm(form) {
    var data = form.dataset;
    var payjp = window.Payjp(data.publicKey, { locale: data.locale, threeDSecureWorkflow: 'subwindow' });
    var elements = payjp.elements({ locale: data.locale });
    var number = elements.create('cardNumber');
    var expiry = elements.create('cardExpiry');
    var cvc = elements.create('cardCvc');
    number.mount('#card-number');
    expiry.mount('#card-expiry');
    cvc.mount('#card-cvc');
    var messages = {};
    try { messages = JSON.parse(data.messages || '{}'); } catch (e) { messages = {}; }
    var complete = { cardNumber: false, cardExpiry: false, cardCvc: false };
    [number, expiry, cvc].forEach(function (element) {
      element.on('change', function (event) {
        complete[event.elementType] = !!event.complete;
        setText('card-error', event.error ? event.error.message : '');
      });
    });
    var button = document.getElementById('pay-button');
    var label = button.textContent;
    var name = document.getElementById('card-name');
    var email = document.getElementById('card-email');
    var phone = document.getElementById('card-phone');
    var busy = false;

    function setBusy(on) {
      busy = on;
      button.disabled = on;
      button.textContent = on ? data.msgPaying : label;
      button.setAttribute('aria-busy', on ? 'true' : 'false');
    }

    function fail(message) {
      setText('form-error', message);
      setBusy(false);
    }

    function invalid(input, errorId, message) {
      setText(errorId, message);
      if (input) { input.setAttribute('aria-invalid', message ? 'true' : 'false'); }
      return message ? [input] : [];
    }

    function validate() {
      var bad = [];
      var n = name.value.trim().replace(/\s+/g, ' ').toUpperCase();
      name.value = n;
      var nameMsg = '';
      if (!n) { nameMsg = data.msgNameRequired; }
      else if (!/^[A-Z0-9 .\-]{1,45}$/.test(n)) { nameMsg = data.msgNameFormat; }
      else if (/[0-9]{3,}/.test(n)) { nameMsg = data.msgNameDigits; }
      bad = bad.concat(invalid(name, 'card-name-error', nameMsg));
      var e = email.value.trim();
      var p = phone.value.trim();
      bad = bad.concat(invalid(email, 'card-email-error', e && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e) ? data.msgEmail : ''));
      var digits = p.replace(/[^0-9]/g, '');
      bad = bad.concat(invalid(phone, 'card-phone-error', p && (!/^[0-9+\-() ]+$/.test(p) || digits.length < 10 || digits.length > 15) ? data.msgPhone : ''));
      var contactMsg = !e && !p ? data.msgContact : '';
      setText('contact-error', contactMsg);
      if (contactMsg) { bad.push(email); }
      if (!(complete.cardNumber && complete.cardExpiry && complete.cardCvc)) {
        setText('card-error', data.msgCard);
        bad.push(null);
      }
      return bad;
    }

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (busy) { return; }
      setText('form-error', '');
      var bad = validate();
      if (bad.length) {
        var first = bad.filter(function (x) { return x; })[0];
        if (first) { first.focus(); } else { number.focus(); }
        return;
      }
      setBusy(true);
      var card = { name: name.value };
      if (email.value.trim()) { card.email = email.value.trim(); }
      if (phone.value.trim()) { card.phone = phoneE164(phone.value.trim()); }
      payjp.createToken(number, { card: card }).then(function (result) {
        if (result.error) {
          fail(messages[result.error.code] || result.error.message || data.msgCard);
          return null;
        }
        return post(data.action, data.csrf, { card_token: result.id }).then(function (answer) {
          return handleAnswer(payjp, form, answer, fail);
        });
      }).catch(function () { fail(data.msgNetwork); });
    });
  }

  function initContinue(root) {
    var data = root.dataset;
    var payjp = window.Payjp(data.publicKey, { locale: data.locale, threeDSecureWorkflow: 'subwindow' });
    var button = document.getElementById('tds-button');
    function fail(message) {
      setText('form-error', message);
      button.disabled = false;
    }
    button.addEventListener('click', function () {
      if (button.disabled) { return; }
      button.disabled = true;
      handleAnswer(payjp, root, { result: 'three_d_secure', charge_id: data.charge }, fail)
        .catch(function () { fail(data.msgNetwork); });
    });
  }

  var form = document.getElementById('pay-form');
  if (form && window.Payjp) { initPayForm(form); }
  var cont = document.getElementById('tds-continue');
  if (cont && window.Payjp) { initContinue(cont); }
})();
