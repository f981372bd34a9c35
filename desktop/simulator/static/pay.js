/*
 * ClinicPay PAY.JP simulator: stand-in for https://js.pay.jp/v2/pay.js (same public API).
 * Card fields live in iframes served by the simulator's origin; the merchant page only ever
 * receives change events and the finished token. No dependencies, no inline scripts.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  var ORIGIN = new URL(script ? script.src : location.href).origin;
  var BASE = ORIGIN + '/payjs/v2/';
  var BRANDS = ['Visa', 'MasterCard', 'JCB', 'American Express', 'Diners Club', 'Discover'];
  var registry = {};
  var seq = 0;

  function nextId(prefix) { seq += 1; return prefix + '-' + Date.now().toString(36) + '-' + seq; }

  window.addEventListener('message', function (ev) {
    if (ev.origin !== ORIGIN) { return; }
    var msg = ev.data;
    if (!msg || msg.source !== 'payjp-sim' || !registry[msg.id]) { return; }
    registry[msg.id](msg);
  });

  function Element(payjp, elements, type, options) {
    this._payjp = payjp;
    this._elements = elements;
    this._type = type;
    this._options = options || {};
    this._id = nextId('payjp-sim-el');
    this._handlers = {};
    this._iframe = null;
    this._pending = {};
    var self = this;
    registry[this._id] = function (msg) { self._onMessage(msg); };
  }
  Element.prototype.mount = function (target) {
    var container = typeof target === 'string' ? document.querySelector(target) : target;
    if (!container) { throw new Error('payjp (simulator): mount target not found: ' + target); }
    if (this._iframe) { this.unmount(); }
    var config = {
      id: this._id, group: this._elements._group, type: this._type, origin: location.origin,
      publicKey: this._payjp._publicKey, locale: this._elements._locale,
      placeholder: this._options.placeholder || null, disabled: !!this._options.disabled
    };
    var iframe = document.createElement('iframe');
    iframe.src = BASE + 'card-frame.html#' + encodeURIComponent(JSON.stringify(config));
    iframe.name = this._id;
    iframe.title = 'PAY.JP simulator card input (シミュレーター)';
    iframe.setAttribute('frameborder', '0');
    iframe.setAttribute('scrolling', 'no');
    iframe.style.border = 'none';
    iframe.style.width = '100%';
    iframe.style.height = this._type === 'card' ? '44px' : '40px';
    container.appendChild(iframe);
    this._iframe = iframe;
    return this;
  };
  Element.prototype.unmount = function () {
    if (this._iframe && this._iframe.parentNode) { this._iframe.parentNode.removeChild(this._iframe); }
    this._iframe = null;
    return this;
  };
  Element.prototype.on = function (name, handler) {
    (this._handlers[name] = this._handlers[name] || []).push(handler);
    return this;
  };
  Element.prototype.addEventListener = Element.prototype.on;
  Element.prototype.off = function (name, handler) {
    this._handlers[name] = (this._handlers[name] || []).filter(function (h) { return h !== handler; });
    return this;
  };
  Element.prototype.removeEventListener = Element.prototype.off;
  Element.prototype._post = function (msg) {
    if (!this._iframe || !this._iframe.contentWindow) { return false; }
    msg.source = 'payjp-sim';
    this._iframe.contentWindow.postMessage(msg, ORIGIN);
    return true;
  };
  Element.prototype.focus = function () { this._post({ type: 'focus' }); return this; };
  Element.prototype.blur = function () { this._post({ type: 'blur' }); return this; };
  Element.prototype.clear = function () { this._post({ type: 'clear' }); return this; };
  Element.prototype.update = function (options) {
    this._options = Object.assign({}, this._options, options || {});
    this._post({ type: 'update', options: { placeholder: this._options.placeholder || null, disabled: !!this._options.disabled } });
    return this;
  };
  Element.prototype._emit = function (name, payload) {
    (this._handlers[name] || []).forEach(function (handler) { handler(payload); });
  };
  Element.prototype._onMessage = function (msg) {
    if (msg.type === 'event') {
      this._emit(msg.name, msg.payload || { elementType: this._type });
    } else if (msg.type === 'tokenResult' && this._pending[msg.requestId]) {
      var resolve = this._pending[msg.requestId];
      delete this._pending[msg.requestId];
      resolve(msg.result);
    }
  };
  Element.prototype._createToken = function (data, timeoutMs) {
    var self = this;
    return new Promise(function (resolve) {
      var requestId = nextId('req');
      var timer = setTimeout(function () {
        delete self._pending[requestId];
        resolve({ error: { status: 0, type: 'client_error', code: 'timeout', message: 'Token request timed out.' } });
      }, timeoutMs || 60000);
      self._pending[requestId] = function (result) { clearTimeout(timer); resolve(result); };
      if (!self._post({ type: 'createToken', requestId: requestId, data: data })) {
        clearTimeout(timer);
        delete self._pending[requestId];
        resolve({ error: { status: 0, type: 'client_error', code: 'not_mounted', message: 'The element is not mounted.' } });
      }
    });
  };

  function Elements(payjp, options) {
    this._payjp = payjp;
    this._locale = (options && options.locale) || payjp._locale;
    this._group = nextId('payjp-sim-group');
    this._byType = {};
  }
  Elements.prototype.create = function (type, options) {
    if (['card', 'cardNumber', 'cardExpiry', 'cardCvc'].indexOf(type) < 0) {
      throw new Error('payjp (simulator): unknown element type ' + type);
    }
    var element = new Element(this._payjp, this, type, options);
    this._byType[type] = element;
    return element;
  };
  Elements.prototype.getElement = function (type) { return this._byType[type] || null; };
  Elements.prototype.update = function (options) {
    if (options && options.locale) { this._locale = options.locale; }
  };

  function tdsUrl(payjp, resourceId, mode) {
    return ORIGIN + '/_sim/tds/' + encodeURIComponent(resourceId) + '/challenge?mode=' + mode +
      '&origin=' + encodeURIComponent(location.origin) + '&publickey=' + encodeURIComponent(payjp._publicKey);
  }

  function waitForTds(resourceId, win) {
    return new Promise(function (resolve) {
      var id = 'tds:' + resourceId;
      var poll = null;
      function finish(status) {
        delete registry[id];
        if (poll) { clearInterval(poll); }
        resolve(status);
      }
      registry[id] = function (msg) { if (msg.type === 'tdsDone') { finish(msg.status); } };
      if (win) {
        // Closing the window without choosing still resolves; the server's tds_finish decides.
        poll = setInterval(function () { if (win.closed) { finish(null); } }, 500);
      }
    });
  }

  function Payjp(publicKey, options) {
    if (!(this instanceof Payjp)) { return new Payjp(publicKey, options); }
    if (typeof publicKey !== 'string' || publicKey.indexOf('pk_') !== 0) {
      throw new Error('payjp (simulator): a public key (pk_...) is required');
    }
    options = options || {};
    this._publicKey = publicKey;
    this._locale = options.locale || 'ja';
    this._workflow = options.threeDSecureWorkflow || 'subwindow';
  }
  Payjp.prototype.elements = function (options) { return new Elements(this, options); };
  Payjp.prototype.getPublicKey = function () { return this._publicKey; };
  Payjp.prototype.retrieveAvailability = function () {
    return Promise.resolve({ card_types_supported: BRANDS.slice(), livemode: false });
  };
  Payjp.prototype.openThreeDSecureDialog = function (resourceId, options) {
    var features = (options && options.windowFeatures) || 'width=500,height=640';
    var win = window.open(tdsUrl(this, resourceId, 'dialog'), 'payjp-sim-3ds', features);
    return waitForTds(resourceId, win);
  };
  Payjp.prototype.openThreeDSecureIframe = function (resourceId) {
    var overlay = document.createElement('div');
    overlay.style.position = 'fixed';
    overlay.style.inset = '0';
    overlay.style.background = 'rgba(0,0,0,0.45)';
    overlay.style.zIndex = '2147483647';
    overlay.style.display = 'flex';
    overlay.style.alignItems = 'center';
    overlay.style.justifyContent = 'center';
    var iframe = document.createElement('iframe');
    iframe.src = tdsUrl(this, resourceId, 'iframe');
    iframe.title = '3-D Secure (PAY.JP simulator)';
    iframe.style.width = '460px';
    iframe.style.maxWidth = '95vw';
    iframe.style.height = '600px';
    iframe.style.border = 'none';
    iframe.style.background = '#fff';
    overlay.appendChild(iframe);
    document.body.appendChild(overlay);
    return waitForTds(resourceId, null).then(function (status) {
      if (overlay.parentNode) { overlay.parentNode.removeChild(overlay); }
      return status;
    });
  };
  Payjp.prototype.createToken = function (element, data, options) {
    var self = this;
    if (!(element instanceof Element)) {
      return Promise.resolve({ error: { status: 0, type: 'client_error', code: 'invalid_element', message: 'An element is required.' } });
    }
    var request = { card: (data && data.card) || {}, tenant: (data && data.tenant) || null, three_d_secure: !!(data && data.three_d_secure) };
    return element._createToken(request, options && options.timeout).then(function (result) {
      if (result.error || !request.three_d_secure || result.card.three_d_secure_status !== 'unverified') { return result; }
      var opened = self._workflow === 'iframe' ? self.openThreeDSecureIframe(result.id) : self.openThreeDSecureDialog(result.id, options);
      return opened.then(function (status) {
        if (status) { result.card.three_d_secure_status = status; }
        return result;
      });
    });
  };

  window.Payjp = Payjp;
})();
