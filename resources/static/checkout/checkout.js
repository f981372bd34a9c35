/*
 * ClinicPay checkout page: card fields from PAY.JP's payjp.js, our name / contact checks,
 * then the card token (only the token) is posted to our server. When the charge needs
 * 3-D Secure the server answers with PAY.JP's start URL and the page goes there (redirect
 * workflow: a top-level navigation, so no pop-up for a phone to block); PAY.JP sends the
 * patient back to /pay/<token>/3ds-return, whose form this script submits.
 * No inline script; config in data-* attributes.
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

  // The browser's half of desktop/domain/text.py: NFKC (full-width digits and letters, half-width
  // katakana), every space one ASCII space, the dashes a Japanese IME types read as "-".
  function normalizeText(value) {
    var text = value.normalize ? value.normalize('NFKC') : value;
    return text.replace(/[\s\u3000]+/g, ' ').trim();
  }

  function normalizeDigits(value) {
    return normalizeText(value).replace(/[ー－―‐‑–—−ｰ]/g, '-');
  }

  // E.164 with its "+", as PAY.JP wants it: a Japanese number 090-1234-5678 is +819012345678.
  function phoneE164(value) {
    var digits = normalizeDigits(value).replace(/[^0-9+]/g, '');
    if (digits.charAt(0) === '+') { return '+' + digits.slice(1).replace(/\+/g, ''); }
    if (digits.slice(0, 3) === '010') { return '+' + digits.slice(3); }
    if (digits.charAt(0) === '0') { return '+81' + digits.slice(1); }
    return '+' + digits;
  }

  // Handles the server's answer; returns true when the page is leaving (form stays disabled).
  function handleAnswer(answer, onError) {
    if ((answer.result === 'paid' || answer.result === 'reload' || answer.result === 'three_d_secure') &&
        answer.redirect) {
      window.location.assign(answer.redirect);
      return true;
    }
    onError(answer.message || '');
    return false;
  }

  function initPayForm(form) {
    var data = form.dataset;
    var payjp = window.Payjp(data.publicKey, { locale: data.locale });
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
      var n = normalizeText(name.value).toUpperCase();
      name.value = n;
      var nameMsg = '';
      if (!n) { nameMsg = data.msgNameRequired; }
      else if (!/^[A-Z0-9 .\-]{1,45}$/.test(n)) { nameMsg = data.msgNameFormat; }
      else if (/[0-9]{3,}/.test(n)) { nameMsg = data.msgNameDigits; }
      bad = bad.concat(invalid(name, 'card-name-error', nameMsg));
      var e = normalizeText(email.value);
      email.value = e;
      var p = normalizeDigits(phone.value);
      phone.value = p;
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
      if (email.value) { card.email = email.value; }
      if (phone.value) { card.phone = phoneE164(phone.value); }
      payjp.createToken(number, { card: card }).then(function (result) {
        if (result.error) {
          // PAY.JP's own message is not meant for end users: an unknown code gets ours.
          fail(messages[result.error.code] || data.msgCard);
          return null;
        }
        return post(data.action, data.csrf, { card_token: result.id }).then(function (answer) {
          handleAnswer(answer, function (message) { fail(message || data.msgNetwork); });
        });
      }).catch(function () { fail(data.msgNetwork); });
    });

    // Back from PAY.JP's page through the browser's history: a page restored from the
    // back/forward cache still says "processing"; load it afresh to show the link's state.
    window.addEventListener('pageshow', function (event) {
      if (event.persisted && busy) { window.location.reload(); }
    });
    // The 3-D Secure return brought an error (?error=…): make sure the patient sees it.
    var formError = document.getElementById('form-error');
    if (formError && formError.textContent.trim()) {
      formError.scrollIntoView({ block: 'center' });
    }
  }

  // 処理中 page: 「本人認証を続ける」 goes to PAY.JP's 3-D Secure page again (built by the server).
  function initContinue(root) {
    var button = document.getElementById('tds-button');
    button.hidden = false;
    button.addEventListener('click', function () {
      button.disabled = true;
      window.location.assign(root.dataset.url);
    });
    window.addEventListener('pageshow', function (event) {
      if (event.persisted) { button.disabled = false; }
    });
  }

  // Back from 3-D Secure: post the return form at once (it carries the CSRF token).
  function initReturn(returnForm) {
    var button = document.getElementById('tds-finish');
    var sent = false;
    returnForm.addEventListener('submit', function (event) {
      if (sent) { event.preventDefault(); return; }
      sent = true;
      var label = button.textContent;
      button.setAttribute('aria-busy', 'true');
      button.textContent = returnForm.dataset.msgPaying;
      window.setTimeout(function () {  // still here (no connection?): let the patient press it
        sent = false;
        button.setAttribute('aria-busy', 'false');
        button.textContent = label;
      }, 10000);
    });
    window.addEventListener('pageshow', function (event) {
      if (event.persisted) { window.location.reload(); }
    });
    if (typeof returnForm.requestSubmit === 'function') { returnForm.requestSubmit(); } else { returnForm.submit(); }
  }

  var form = document.getElementById('pay-form');
  if (form && window.Payjp) { initPayForm(form); }
  var cont = document.getElementById('tds-continue');
  if (cont) { initContinue(cont); }
  var back = document.getElementById('tds-return');
  if (back) { initReturn(back); }
})();
