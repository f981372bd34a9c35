/* 3-D Secure result page of the PAY.JP simulator: tell pay.js (opener or parent) and close. */
(function () {
  'use strict';
  var data = document.body.dataset;
  var target = window.opener || (window.parent !== window ? window.parent : null);
  if (target && data.origin) {
    target.postMessage({ source: 'payjp-sim', id: 'tds:' + data.resource, type: 'tdsDone', status: data.status }, data.origin);
  }
  if (window.opener && data.mode === 'dialog') { setTimeout(function () { window.close(); }, 400); }
})();
